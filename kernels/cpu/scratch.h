// Per-thread scratch memory for kernels that need a temporary buffer on every call (the convolution's
// lowered images, for instance). A std::vector made inside the kernel would be zero-filled and, when large,
// mapped fresh from the operating system on every call; these buffers belong to the calling thread (the
// thread pool's workers live as long as the program), only grow, and are handed out uninitialised.
#pragma once
#include <cstddef>

namespace untangle {

// A buffer of at least `count` floats for this thread, 64-byte aligned, contents undefined. `slot` (0..4)
// tells apart buffers that one call needs at the same time. Valid until the same thread asks for the same
// slot again.
float* thread_scratch(int slot, size_t count);

}  // namespace untangle
