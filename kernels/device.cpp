#include "kernels/device.h"

#include "core/check.h"

namespace untangle {

#ifndef UNTANGLE_HAVE_CUDA
bool cuda_compiled() {
  return false;
}
int cuda_device_count(std::string* why_none) {
  if (why_none) *why_none = "the CUDA backend was not compiled in";
  return 0;
}
#endif

std::string backends_summary() {
  std::string line = "cpu";
  if (cuda_compiled()) {
    int count = cuda_device_count();
    line += ", cuda (compiled; " + std::to_string(count) + (count == 1 ? " device)" : " devices)");
  } else {
    line += " (cuda not compiled)";
  }
  return line;
}

Device resolve_device(const std::string& name, std::string* note) {
  std::string why;
  if (name == "cpu") return Device::CPU;
  if (name == "cuda") {
    require(cuda_device_count(&why) > 0, "--device cuda: no CUDA device available (", why, ")");
    return Device::CUDA;
  }
  require(name == "auto", "--device: unknown device '", name, "' (use auto, cpu or cuda)");
  if (cuda_device_count(&why) > 0) return Device::CUDA;
  if (note) *note = "device: no CUDA device (" + why + "); using the CPU";
  return Device::CPU;
}

const char* device_name(Device device) {
  return device == Device::CUDA ? "cuda" : "cpu";
}

}  // namespace untangle
