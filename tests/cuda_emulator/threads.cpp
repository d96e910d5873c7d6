// The emulator's thread scheduler: one block at a time; the block's threads are coroutines on the host
// thread that launched the kernel. Each round resumes every thread that has not returned; a thread runs
// until it calls __syncthreads (it then waits for the next round) or returns. When every thread waits
// at the barrier, the next round starts; when all have returned, the block is done; when some have
// returned and others wait at a barrier, the kernel has a barrier that not every thread reaches
// (undefined behaviour on a GPU) and the launch fails with that message.
//
// The coroutines: each emulated thread is a worker with its own stack, started once with makecontext
// and kept for later blocks and launches; after that, switches use _setjmp/_longjmp, which save and
// restore only registers (swapcontext also saves the signal mask, a system call per switch, and a
// convolution switches millions of times).
//
// Most kernels never call __syncthreads, and switching for each of their threads would cost more than
// the work. So only the first block of a launch runs as coroutines; if none of its threads reached a
// barrier, the other blocks' threads run as plain calls, and a barrier met after all (a kernel whose
// blocks differ in whether they synchronise) is reported as an error.

// _longjmp to another stack is what this file does on purpose; the fortified longjmp would refuse it.
#undef _FORTIFY_SOURCE
#include <setjmp.h>
#include <ucontext.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator.h"

namespace untangle_emulator {

namespace {

constexpr size_t kStackBytes = size_t(256) << 10;  // per emulated thread; kernels use little stack

enum class State { kRunnable, kAtBarrier, kReturned };

struct Worker {
  std::unique_ptr<char[]> stack;
  bool started = false;  // its coroutine exists and waits in worker_loop for work
  jmp_buf resume_point;  // where it continues when the scheduler switches to it
  State state = State::kReturned;
  uint3 index;
};

struct Scheduler {
  jmp_buf home;                 // where a worker switches back to the scheduler
  std::vector<std::unique_ptr<Worker>> workers;  // reused from block to block (never moved: they hold stacks)
  const std::function<void()>* body = nullptr;
  Worker* running = nullptr;
  bool plain_calls = false;  // the rest of the launch runs without coroutines
  const char* kernel = "";
};

thread_local Scheduler* active = nullptr;

// Saves where the running worker stands and switches to the scheduler.
void yield_to_scheduler(Worker& self) {
  if (!_setjmp(self.resume_point)) _longjmp(active->home, 1);
}

// A worker's whole life: wait for work, run one emulated thread of a block, wait again.
void worker_loop() {
  Worker& self = *active->running;
  for (;;) {
    yield_to_scheduler(self);
    (*active->body)();
    self.state = State::kReturned;
  }
}

// Runs `worker` until it next yields (at a barrier, or after its thread returned).
void switch_to(Scheduler& s, Worker& worker) {
  s.running = &worker;
  if (!_setjmp(s.home)) _longjmp(worker.resume_point, 1);
}

void start(Scheduler& s, Worker& worker) {
  if (!worker.stack) worker.stack.reset(new char[kStackBytes]);
  ucontext_t coroutine, here;
  getcontext(&coroutine);
  coroutine.uc_stack.ss_sp = worker.stack.get();
  coroutine.uc_stack.ss_size = kStackBytes;
  coroutine.uc_link = nullptr;  // worker_loop never returns
  makecontext(&coroutine, worker_loop, 0);
  s.running = &worker;
  if (!_setjmp(s.home)) swapcontext(&here, &coroutine);  // runs to its first yield
  worker.started = true;
}

uint3 thread_index(unsigned linear, dim3 block) {
  return {linear % block.x, (linear / block.x) % block.y, linear / (block.x * block.y)};
}

[[noreturn]] void fail(Scheduler& s, const std::string& what) {
  // Workers stopped in the middle of a thread are abandoned: started again from the top next time.
  for (auto& w : s.workers) w->started = false;
  throw std::runtime_error(std::string("CUDA emulator: kernel ") + s.kernel + ": " + what);
}

// Runs one block's threads as coroutines until all have returned. Returns whether any reached a barrier.
bool run_block_as_coroutines(Scheduler& s, unsigned thread_count) {
  for (unsigned t = 0; t < thread_count; ++t) {
    Worker& w = *s.workers[t];
    if (!w.started) start(s, w);
    w.state = State::kRunnable;
    w.index = thread_index(t, blockDim);
  }
  bool synchronised = false;
  // Threads take turns in ascending order in one round and descending in the next (and blocks start on
  // alternate orders), so a read that is missing its barrier sees a stale value whichever thread wrote it.
  const unsigned block_number = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  for (unsigned round = 0;; ++round) {
    const bool descending = (block_number + round) % 2 == 1;
    for (unsigned turn = 0; turn < thread_count; ++turn) {
      const unsigned t = descending ? thread_count - 1 - turn : turn;
      Worker& w = *s.workers[t];
      if (w.state == State::kReturned) continue;
      w.state = State::kRunnable;
      threadIdx = w.index;
      switch_to(s, w);
    }
    unsigned returned = 0;
    for (unsigned t = 0; t < thread_count; ++t) returned += s.workers[t]->state == State::kReturned;
    if (returned == thread_count) return synchronised;
    if (returned > 0)
      fail(s, "block (" + std::to_string(blockIdx.x) + ", " + std::to_string(blockIdx.y) + ", " +
                  std::to_string(blockIdx.z) + "): " + std::to_string(returned) + " of " +
                  std::to_string(thread_count) + " threads returned while the others wait at __syncthreads");
    synchronised = true;  // every thread is at the barrier: release them all
  }
}

}  // namespace

void sync_threads() {
  Scheduler* s = active;
  if (!s) throw std::runtime_error("CUDA emulator: __syncthreads called outside a kernel");
  if (s->plain_calls) fail(*s, "__syncthreads reached in a later block, but no thread of block 0 reached one");
  s->running->state = State::kAtBarrier;
  yield_to_scheduler(*s->running);
}

void run_grid(dim3 grid, dim3 block, const char* kernel, const std::function<void()>& thread_body) {
  thread_local Scheduler scheduler;
  Scheduler& s = scheduler;
  if (active) throw std::runtime_error(std::string("CUDA emulator: kernel ") + kernel + " launched from a kernel");
  const unsigned thread_count = block.x * block.y * block.z;
  while (s.workers.size() < thread_count) s.workers.push_back(std::make_unique<Worker>());
  s.body = &thread_body;
  s.kernel = kernel;
  s.plain_calls = false;
  gridDim = grid;
  blockDim = block;
  active = &s;
  struct Deactivate {
    ~Deactivate() { active = nullptr; }
  } deactivate;

  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = {x, y, z};
        if (!s.plain_calls) {
          const bool synchronised = run_block_as_coroutines(s, thread_count);
          if (x == 0 && y == 0 && z == 0 && !synchronised) s.plain_calls = true;
          continue;
        }
        for (unsigned t = 0; t < thread_count; ++t) {
          threadIdx = thread_index(t, block);
          thread_body();
        }
      }
}

}  // namespace untangle_emulator
