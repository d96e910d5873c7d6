// A hook for the kill test (scripts/kill_resume_test.py): with UNTANGLE_KILL_AT=NAME:N in the
// environment, the N-th time the program passes the point called NAME it kills itself with SIGKILL —
// the hard kill a scheduler's time limit or the out-of-memory killer delivers, which no handler sees.
// That lets a test aim a kill at a moment a timer would rarely hit: half-way through writing a
// checkpoint's temporary file, between a checkpoint and the next log row, during the final evaluation.
// Without the variable a point costs one comparison (the variable is read once).
//
// Points: "write:<file name>" (half of a write_file_atomically temporary file is on disk, e.g.
// "write:checkpoint.utg"), and the trainer's "log_row", "checkpoint", "final_evaluation"
// (apps/common/trainer.cpp).
#pragma once
#include <string>

namespace untangle {

void kill_point(const std::string& name);

}  // namespace untangle
