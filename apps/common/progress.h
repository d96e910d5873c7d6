// Progress of a long run: on a terminal, one line redrawn in place (step, loss terms, steps/s, ETA);
// otherwise (a log file, CI) a plain line every few seconds, so logs stay readable.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace untangle {

class ProgressReporter {
 public:
  // Steps run from first_step + 1 to total_steps; `label` starts every line (e.g. "train").
  ProgressReporter(std::string label, long long first_step, long long total_steps,
                   double seconds_between_lines = 10.0)
      : label_(std::move(label)),
        first_step_(first_step),
        total_steps_(total_steps),
        seconds_between_lines_(seconds_between_lines),
        terminal_(isatty(fileno(stderr))),
        start_(std::chrono::steady_clock::now()),
        last_print_(start_) {}

  void update(long long step, const std::vector<std::pair<std::string, double>>& terms, bool force = false) {
    const auto now = std::chrono::steady_clock::now();
    const double since_print = std::chrono::duration<double>(now - last_print_).count();
    const bool last = step >= total_steps_;
    if (!force && !last && since_print < (terminal_ ? 0.2 : seconds_between_lines_)) return;
    last_print_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? double(step - first_step_) / elapsed : 0.0;
    const double eta = rate > 0 ? double(total_steps_ - step) / rate : 0.0;
    std::string line = label_ + " step " + std::to_string(step) + "/" + std::to_string(total_steps_);
    char buffer[64];
    for (const auto& [name, value] : terms) {
      std::snprintf(buffer, sizeof(buffer), "  %s %.4g", name.c_str(), value);
      line += buffer;
    }
    std::snprintf(buffer, sizeof(buffer), "  %.1f steps/s  ETA %s", rate, clock_text(eta).c_str());
    line += buffer;
    if (terminal_)
      std::fprintf(stderr, "\r%s\033[K%s", line.c_str(), last ? "\n" : "");
    else
      std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  }

  // Ends a redrawn line before other output is printed.
  void interrupt() const {
    if (terminal_) std::fprintf(stderr, "\n");
  }

  static std::string clock_text(double seconds) {
    long long s = (long long)(seconds + 0.5);
    char buffer[32];
    if (s >= 3600)
      std::snprintf(buffer, sizeof(buffer), "%lldh%02lldm", s / 3600, (s / 60) % 60);
    else
      std::snprintf(buffer, sizeof(buffer), "%lldm%02llds", s / 60, s % 60);
    return buffer;
  }

 private:
  std::string label_;
  long long first_step_, total_steps_;
  double seconds_between_lines_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace untangle
