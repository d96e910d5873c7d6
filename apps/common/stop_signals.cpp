#include "apps/common/stop_signals.h"

#include <signal.h>

#include <csignal>

namespace untangle {

namespace {

volatile std::sig_atomic_t g_requested = 0;
struct sigaction g_previous_interrupt, g_previous_terminate;

void request_stop(int signal_number) {
  g_requested = signal_number;
  // The next one of either signal is handled as before this object existed.
  sigaction(SIGINT, &g_previous_interrupt, nullptr);
  sigaction(SIGTERM, &g_previous_terminate, nullptr);
}

}  // namespace

StopOnSignals::StopOnSignals() {
  g_requested = 0;
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a read or write in progress completes rather than failing with EINTR
  sigaction(SIGINT, nullptr, &g_previous_interrupt);
  sigaction(SIGTERM, nullptr, &g_previous_terminate);
  // A signal the process was started ignoring stays ignored (a shell's background job ignores SIGINT,
  // nohup SIGHUP): the user asked for that.
  if (g_previous_interrupt.sa_handler != SIG_IGN) sigaction(SIGINT, &action, nullptr);
  if (g_previous_terminate.sa_handler != SIG_IGN) sigaction(SIGTERM, &action, nullptr);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &g_previous_interrupt, nullptr);
  sigaction(SIGTERM, &g_previous_terminate, nullptr);
}

int StopOnSignals::requested() const {
  return g_requested;
}

const char* StopOnSignals::signal_name() const {
  return g_requested == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace untangle
