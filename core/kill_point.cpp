#include "core/kill_point.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

namespace untangle {

namespace {

struct KillTarget {
  std::string name;      // empty: no kill asked for
  long long passes = 0;  // the pass that kills
};

KillTarget read_target() {
  KillTarget target;
  const char* value = std::getenv("UNTANGLE_KILL_AT");
  if (value == nullptr) return target;
  const std::string text = value;
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return target;
  target.passes = std::atoll(text.c_str() + colon + 1);
  if (target.passes > 0) target.name = text.substr(0, colon);
  return target;
}

}  // namespace

void kill_point(const std::string& name) {
  static const KillTarget target = read_target();
  static long long passes = 0;
  if (target.name.empty() || name != target.name) return;
  if (++passes == target.passes) kill(getpid(), SIGKILL);
}

}  // namespace untangle
