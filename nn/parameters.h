// Named tensors in a fixed order, with the names used in checkpoints ("encoder.conv1.weight"): a model's
// trainable leaves (layers add theirs with a prefix and mark them requires_grad) or an optimiser's state.
#pragma once
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace untangle {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

class ParameterList {
 public:
  void add(const std::string& name, const Tensor& tensor);
  void append(const ParameterList& other);
  const std::vector<NamedTensor>& items() const& { return items_; }
  // On a temporary list (model.parameters().items()), a copy: a reference would dangle in a range-for.
  std::vector<NamedTensor> items() && { return std::move(items_); }
  size_t size() const { return items_.size(); }
  size_t total_values() const;
  void zero_grad() const;

 private:
  std::vector<NamedTensor> items_;
};

}  // namespace untangle
