// parallel_for: splits a loop over the machine's cores with a small persistent thread pool.
//
// Why not OpenMP's default pool: between two parallel loops a training step runs many short serial ops.
// libgomp's workers go to sleep after a short spin, and waking a sleeping thread through the kernel
// costs up to a scheduler tick (4 ms) on a loaded virtual machine — we measured the reference training
// step 5x slower for it. These workers stay awake for a few milliseconds after each job (long enough to
// bridge the serial gaps of a step), then sleep, so an idle program uses no CPU. Work is claimed in
// chunks, so a worker that the OS has not scheduled never stalls the caller.
//
// The pool is process-wide, like OpenMP's. Nested calls (a parallel_for inside a body) run serially on
// the calling thread. Thread count: UNTANGLE_THREADS if set, else the number of hardware threads.
#pragma once
#include <functional>

namespace untangle {

int parallel_thread_count();
bool in_parallel_region();

// Calls body(begin, end, chunk) on contiguous chunks covering [0, count). `chunk` numbers the chunk
// (0 .. parallel_chunk_count(count, min_per_thread) - 1); which thread runs which chunk varies from run
// to run, but the chunks themselves do not — so a reduction that keeps one partial result per chunk and
// adds them up in chunk order gives bit-identical results every run (training runs resume exactly). Loops
// with fewer than `min_per_thread` iterations per thread run on the calling thread alone.
void parallel_for(long long count, const std::function<void(long long begin, long long end, int chunk)>& body,
                  long long min_per_thread = 1);
// How many chunks parallel_for(count, ..., min_per_thread) will use (1 when it runs serially).
int parallel_chunk_count(long long count, long long min_per_thread = 1);

}  // namespace untangle
