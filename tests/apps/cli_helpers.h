// Runs a built program as a user would and captures what it prints: for tests of the command-line
// contracts (exit codes, --help, error messages).
#pragma once
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace untangle::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line as given (stdout and stderr captured).
inline CommandResult run_shell(const std::string& command_line) {
  const std::string full = command_line + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// `command_line` starts with a program name from build/bin, e.g. "untangle --version".
inline CommandResult run_program(const std::string& command_line) {
  return run_shell(std::string(UNTANGLE_BIN_DIR) + "/" + command_line);
}

// A whole file as text ("" when it cannot be read).
inline std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// train_log.csv without its last column (`seconds`, wall-clock time): what two runs that should agree
// bit for bit must have in common.
inline std::string log_without_seconds(const std::string& path) {
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) kept += line.substr(0, line.rfind(',')) + "\n";
  return kept;
}

}  // namespace untangle::testing
