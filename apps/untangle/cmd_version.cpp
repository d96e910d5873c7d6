// `untangle version` / `untangle --version`: what this build is and which backends it can use.
#include <cstdio>

#include "apps/untangle/commands.h"
#include "build_info.h"
#include "kernels/device.h"

namespace untangle {

int command_version(int, char**) {
  std::printf("untangle %s (%s build)\n", UNTANGLE_VERSION, UNTANGLE_BUILD_TYPE);
  std::printf("backends: %s\n", backends_summary().c_str());
  return 0;
}

}  // namespace untangle
