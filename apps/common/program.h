// The frame every untangle program shares: parse the options, answer --help with the usage text, run
// the body, and turn any error into one line "NAME: error: ..." on stderr with exit status 1
// (docs/design.md "Errors": errors are values the user can read; only apps print and exit).
#pragma once
#include <cstdio>
#include <exception>
#include <functional>
#include <set>
#include <string>

#include "apps/common/args.h"

namespace untangle {

// `flags` names the options that take no value. The body returns the exit status.
inline int run_program(const char* name, const char* usage, int argc, char** argv,
                       std::set<std::string> flags, const std::function<int(Args&)>& body) {
  try {
    Args args(argc, argv, 1, std::move(flags));
    if (args.help()) {
      std::printf("%s", usage);
      return 0;
    }
    return body(args);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: error: %s\n", name, error.what());
    return 1;
  }
}

}  // namespace untangle
