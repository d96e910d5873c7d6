#include "nn/parameters.h"

#include "core/check.h"

namespace untangle {

void ParameterList::add(const std::string& name, const Tensor& tensor) {
  for (const NamedTensor& item : items_)
    require(item.name != name, "ParameterList: duplicate name '", name, "'");
  items_.push_back({name, tensor});
}

void ParameterList::append(const ParameterList& other) {
  for (const NamedTensor& item : other.items_) add(item.name, item.tensor);
}

size_t ParameterList::total_values() const {
  size_t total = 0;
  for (const NamedTensor& item : items_) total += item.tensor.numel();
  return total;
}

void ParameterList::zero_grad() const {
  for (const NamedTensor& item : items_) item.tensor.zero_grad();
}

}  // namespace untangle
