// Which compute devices this build has and this machine offers. The CUDA runtime is only asked when the
// CUDA backend was compiled in; any failure there (no driver, "CUDA driver version is insufficient",
// no device) means "no device", never an error.
#pragma once
#include <string>

namespace untangle {

enum class Device { CPU, CUDA };

// Whether this build has the CUDA backend, as a compile-time constant. Code above the kernel layer calls
// the CUDA kernels (declared in CUDA-free headers under kernels/cuda/) only through on_device
// (autograd/dispatch.h) or, where there is no CPU twin to choose (CUDA graphs, device-to-device copies),
// inside `if constexpr (kCudaCompiled) { ... }`: in a build without CUDA that code is discarded, so the
// calls need no definitions and the program links without the CUDA libraries.
#ifdef UNTANGLE_HAVE_CUDA
inline constexpr bool kCudaCompiled = true;
#else
inline constexpr bool kCudaCompiled = false;
#endif

bool cuda_compiled();
// Number of usable CUDA devices; 0 with a reason in `why_none` when there are none.
int cuda_device_count(std::string* why_none = nullptr);
// "cpu, cuda (compiled; 0 devices)" — the backends line of `untangle --version`.
std::string backends_summary();

// Resolves --device auto|cpu|cuda; "auto" picks CUDA when a device is present. Throws on "cuda"
// without a device and on unknown names. `note` receives a one-line explanation of a fallback.
Device resolve_device(const std::string& name, std::string* note = nullptr);
const char* device_name(Device device);

}  // namespace untangle
