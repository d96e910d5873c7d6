// Turns SIGINT (Ctrl-C) and SIGTERM (what a cluster scheduler sends at a job's time limit) into a request
// that a long loop polls, so it can stop at a clean point — the trainer writes a checkpoint and prints
// the command that resumes it — instead of dying mid-step. Handlers are installed for the object's
// lifetime and the previous ones restored afterwards; a second signal while a stop is pending gets the
// previous handler's behaviour (by default: the process ends), so a stuck stop can still be forced.
// A signal that was ignored when the object was made (a background job's SIGINT) stays ignored.
#pragma once

namespace untangle {

class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  // The signal that asked to stop (SIGINT or SIGTERM), or 0 while none has.
  int requested() const;
  // "SIGINT" or "SIGTERM" for a requested stop.
  const char* signal_name() const;
};

}  // namespace untangle
