// Errors in untangle: library code throws untangle::Error with a message a user can act on
// ("conv2d: input has 3 channels, weight expects 1"); only apps/ catch, print and exit.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace untangle {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds a message from any streamable pieces: fail("conv2d: input has ", c, " channels").
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str());
}

// Checks a precondition; the message pieces are only formatted when the check fails.
template <typename... Parts>
void require(bool condition, const Parts&... parts) {
  if (!condition) fail(parts...);
}

}  // namespace untangle
