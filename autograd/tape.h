// The tape: reverse-mode automatic differentiation in its plainest form (as micrograd, but with an
// explicit list instead of a graph walk).
//
// Every op, when the tape is recording and one of its inputs requires a gradient, appends a node:
// (name, output, a closure that adds d loss/d inputs given d loss/d output). backward(loss) seeds
// d loss/d loss = 1 and runs the closures from the last node to the first. Because ops are recorded in
// the order they ran, every node's output gradient is complete before its closure runs. Closures add
// (+=) into input gradients, so a tensor used twice receives both contributions.
//
// A tape that is not recording (Tape::evaluation()) records nothing: the forward pass of evaluation.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace untangle {

class Tape {
 public:
  explicit Tape(bool recording = true) : recording_(recording) {}
  static Tape evaluation() { return Tape(false); }

  bool recording() const { return recording_; }
  size_t size() const { return nodes_.size(); }

  // True when an op on these inputs must be recorded (recording, and some input needs a gradient).
  bool needs_grad(std::initializer_list<const Tensor*> inputs) const;

  // Records an op. Marks `output` as requiring a gradient. `backward` reads output.grad() and adds into
  // the inputs' grad() of those that require one.
  void record(const char* op_name, Tensor output, std::function<void()> backward);

  // Runs the tape in reverse from a one-element `loss`. The tape is cleared afterwards, releasing the
  // intermediate tensors it kept alive.
  void backward(Tensor loss);

  void clear() { nodes_.clear(); }

  // The op names in recording order (for tests and debugging).
  std::vector<std::string> op_names() const;

 private:
  struct Node {
    const char* op_name;
    Tensor output;
    std::function<void()> backward;
  };
  bool recording_;
  std::vector<Node> nodes_;
};

}  // namespace untangle
