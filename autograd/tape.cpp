#include "autograd/tape.h"

#include "autograd/dispatch.h"
#include "core/check.h"

namespace untangle {

bool Tape::needs_grad(std::initializer_list<const Tensor*> inputs) const {
  if (!recording_) return false;
  for (const Tensor* t : inputs)
    if (t && t->requires_grad()) return true;
  return false;
}

void Tape::record(const char* op_name, Tensor output, std::function<void()> backward) {
  output.set_requires_grad(true);
  nodes_.push_back(Node{op_name, std::move(output), std::move(backward)});
}

void Tape::backward(Tensor loss) {
  require(loss.numel() == 1, "backward: the loss must have one element, got shape ",
          shape_string(loss.shape()));
  require(loss.requires_grad(), "backward: the loss does not depend on any tensor that requires a gradient");
  // d loss / d loss = 1, added like every gradient (on the loss's device).
  const Tensor one = Tensor::scalar(1.0f, loss.device());
  add_floats(loss.grad_storage(), one.storage(), 1, loss.device());
  for (auto node = nodes_.rbegin(); node != nodes_.rend(); ++node) {
    if (node->output.has_grad()) node->backward();  // outputs the loss never reached have no gradient
  }
  nodes_.clear();
}

std::vector<std::string> Tape::op_names() const {
  std::vector<std::string> names;
  for (const Node& node : nodes_) names.push_back(node.op_name);
  return names;
}

}  // namespace untangle
