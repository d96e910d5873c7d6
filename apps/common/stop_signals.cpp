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
  sigaction(SIGINT, &action, &g_previous_interrupt);
  sigaction(SIGTERM, &action, &g_previous_terminate);
}

StopOnSignals::~StopOnSignals() {
  sigaction(SIGINT, &g_previous_interrupt, nullptr);
  sigaction(SIGTERM, &g_previous_terminate, nullptr);
}

int StopOnSignals::requested() const { return g_requested; }

const char* StopOnSignals::signal_name() const { return g_requested == SIGTERM ? "SIGTERM" : "SIGINT"; }

}  // namespace untangle
