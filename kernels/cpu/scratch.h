// Per-thread scratch memory for kernels that need a temporary buffer on every call (the convolution's
// lowered images, for instance). A std::vector made inside the kernel would be zero-filled and, when large,
// mapped fresh from the operating system on every call; these buffers belong to the calling thread (the
// thread pool's workers live as long as the program), only grow, and are handed out uninitialised.
#pragma once
#include <cstddef>

namespace untangle {

// Who uses which slot. A buffer stays valid until its thread asks for the same slot again, so users that
// can be live at once (a convolution calls sgemm while its lowered matrix is in use) need slots of their own.
enum ScratchSlot : int {
  kScratchLowered = 0,    // conv2d: the lowered images (im2col) or their gradient (dcol); conv2d_phase:
                          // the phase planes
  kScratchRegrouped = 1,  // conv2d: outputs or dY regrouped into one matrix per group of images;
                          // conv2d_phase: dY spread to plane-wide rows, or transposed
  kScratchPackedB = 2,    // sgemm: packed panels of B
  kScratchPackedA = 3,    // sgemm: packed panels of A
  kScratchPlanes = 4,     // conv2d: one input plane with its zero border, or one image's stride-phase
                          // planes (im2col, col2im)
  kScratchSlots = 5
};

// A buffer of at least `count` floats for this thread, 64-byte aligned, contents undefined.
float* thread_scratch(int slot, size_t count);

}  // namespace untangle
