// See scratch.h.
#include "kernels/cpu/scratch.h"

#include "core/check.h"
#include "kernels/memory/host_memory.h"

namespace untangle {

namespace {

constexpr int kSlots = kScratchSlots;

struct ScratchBuffers {
  float* data[kSlots] = {};
  size_t capacity[kSlots] = {};
  ~ScratchBuffers() {
    for (int i = 0; i < kSlots; ++i) host_release_floats(data[i], capacity[i]);
  }
};

}  // namespace

float* thread_scratch(int slot, size_t count) {
  require(slot >= 0 && slot < kSlots, "thread_scratch: slot ", slot, " out of range");
  thread_local ScratchBuffers buffers;
  if (count > buffers.capacity[slot]) {
    host_release_floats(buffers.data[slot], buffers.capacity[slot]);
    buffers.data[slot] = nullptr;  // consistent (nothing to free) if the allocation below throws
    buffers.capacity[slot] = 0;
    buffers.data[slot] = host_allocate_floats(count);
    buffers.capacity[slot] = count;
  }
  return buffers.data[slot];
}

}  // namespace untangle
