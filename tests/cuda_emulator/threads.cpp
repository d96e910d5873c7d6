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
// the work. So only the first block a launch runs is run as coroutines; if none of its threads reached a
// barrier, the other blocks' threads run as plain calls, and a barrier met after all (a kernel whose
// blocks differ in whether they synchronise) is reported as an error.

// _longjmp to another stack is what this file does on purpose; the fortified longjmp would refuse it.
#undef _FORTIFY_SOURCE
#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "emulator.h"

namespace untangle_emulator {

namespace {

constexpr size_t kStackBytes = size_t(256) << 10;  // per emulated thread; kernels use little stack

enum class State { kRunnable, kAtBarrier, kReturned };

// A coroutine's stack, with an inaccessible page below it: an overflow faults at once instead of
// overwriting whatever lies next to it.
class Stack {
 public:
  Stack() {
    guard_ = size_t(sysconf(_SC_PAGESIZE));
    mapping_ =
        mmap(nullptr, guard_ + kStackBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping_ == MAP_FAILED) throw std::runtime_error("CUDA emulator: cannot map a thread stack");
    mprotect(mapping_, guard_, PROT_NONE);
  }
  ~Stack() { munmap(mapping_, guard_ + kStackBytes); }
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;
  void* base() const { return static_cast<char*>(mapping_) + guard_; }

 private:
  void* mapping_ = nullptr;
  size_t guard_ = 0;
};

struct Worker {
  std::unique_ptr<Stack> stack;
  bool started = false;  // its coroutine exists and waits in worker_loop for work
  jmp_buf resume_point;  // where it continues when the scheduler switches to it
  State state = State::kReturned;
  uint3 index;
};

struct Scheduler {
  jmp_buf home;                                  // where a worker switches back to the scheduler
  std::vector<std::unique_ptr<Worker>> workers;  // reused from block to block (never moved: they hold stacks)
  const std::function<void()>* body = nullptr;
  Worker* running = nullptr;
  bool plain_calls = false;  // the rest of the launch runs without coroutines
  const char* kernel = "";
};

thread_local Scheduler* active = nullptr;  // the running launch's scheduler on this host thread

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
  if (!worker.stack) worker.stack = std::make_unique<Stack>();
  ucontext_t coroutine, here;
  getcontext(&coroutine);
  coroutine.uc_stack.ss_sp = worker.stack->base();
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

Scheduler& this_thread_scheduler() {
  thread_local Scheduler scheduler;
  return scheduler;
}

// Host threads that run a launch's blocks beside the launching thread: blocks are independent, so they may
// run at once (each host thread has its own coroutines, and `__shared__` arrays are thread_local). As many
// as the machine has cores, less the launching one; UNTANGLE_EMULATOR_THREADS sets the total (1: none).
class HelperThreads {
 public:
  explicit HelperThreads(unsigned count) {
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { serve(); });
  }
  unsigned count() const { return unsigned(threads_.size()); }

  // Runs `job` on every helper and on the caller; returns once all have finished. `job` must not throw.
  void run(const std::function<void()>& job) {
    {
      std::lock_guard<std::mutex> lock(guard_);
      job_ = &job;
      unfinished_ = count();
      ++generation_;
    }
    wake_.notify_all();
    job();
    std::unique_lock<std::mutex> lock(guard_);
    finished_.wait(lock, [this] { return unfinished_ == 0; });
  }

 private:
  void serve() {
    install_fault_report();
    unsigned long long served = 0;
    for (;;) {
      const std::function<void()>* job;
      {
        std::unique_lock<std::mutex> lock(guard_);
        wake_.wait(lock, [&] { return generation_ != served; });
        served = generation_;
        job = job_;
      }
      (*job)();
      std::lock_guard<std::mutex> lock(guard_);
      if (--unfinished_ == 0) finished_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex guard_;
  std::condition_variable wake_, finished_;
  const std::function<void()>* job_ = nullptr;
  unsigned unfinished_ = 0;
  unsigned long long generation_ = 0;
};

HelperThreads& helper_threads() {
  // Never destroyed: the helpers wait for work until the process ends.
  static HelperThreads* helpers = [] {
    unsigned total = std::max(1u, std::thread::hardware_concurrency());
    if (const char* text = std::getenv("UNTANGLE_EMULATOR_THREADS"))
      total = unsigned(std::max(1, std::atoi(text)));
    return new HelperThreads(total - 1);
  }();
  return *helpers;
}

// Below this many blocks a launch runs on the launching thread alone (waking the helpers costs more).
constexpr unsigned long long kBlocksWorthSharing = 4;

}  // namespace

void sync_threads() {
  Scheduler* s = active;
  if (!s) throw std::runtime_error("CUDA emulator: __syncthreads called outside a kernel");
  if (s->plain_calls)
    fail(*s, "__syncthreads reached in a later block, but no thread of the first block reached one");
  s->running->state = State::kAtBarrier;
  yield_to_scheduler(*s->running);
}

const char* running_kernel() {
  return active ? active->kernel : nullptr;
}

void run_grid(dim3 grid, dim3 block, const char* kernel, const std::function<void()>& thread_body) {
  if (active)
    throw std::runtime_error(std::string("CUDA emulator: kernel ") + kernel + " launched from a kernel");
  install_fault_report();
  const unsigned thread_count = block.x * block.y * block.z;
  const unsigned long long block_count = (unsigned long long)grid.x * grid.y * grid.z;
  // Blocks in ascending order in one launch and descending in the next: a kernel whose blocks read each
  // other's output (a race on a GPU) then gives different results from launch to launch.
  thread_local unsigned long long launches = 0;
  const bool descending = launches++ % 2 == 1;

  // Runs blocks (turn numbers) taken from `next` until none is left, on the calling host thread, with its
  // own scheduler and coroutines. `plain_calls`: as decided by the first block.
  std::atomic<unsigned long long> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_guard;
  bool plain_calls = false;
  auto run_blocks = [&](unsigned long long last_turn) {
    Scheduler& s = this_thread_scheduler();
    while (s.workers.size() < thread_count) s.workers.push_back(std::make_unique<Worker>());
    s.body = &thread_body;
    s.kernel = kernel;
    s.plain_calls = plain_calls;
    gridDim = grid;
    blockDim = block;
    active = &s;
    try {
      for (unsigned long long turn; !failed && (turn = next++) <= last_turn;) {
        const unsigned long long b = descending ? block_count - 1 - turn : turn;
        blockIdx = {unsigned(b % grid.x), unsigned(b / grid.x % grid.y), unsigned(b / grid.x / grid.y)};
        if (!s.plain_calls) {
          const bool synchronised = run_block_as_coroutines(s, thread_count);
          if (turn == 0 && !synchronised) plain_calls = s.plain_calls = true;
          continue;
        }
        for (unsigned t = 0; t < thread_count; ++t) {
          threadIdx = thread_index(t, block);
          thread_body();
        }
      }
    } catch (...) {
      failed = true;
      std::lock_guard<std::mutex> lock(error_guard);
      if (!first_error) first_error = std::current_exception();
    }
    active = nullptr;
  };

  // The first block alone (it decides whether the rest need coroutines), then the others, shared with the
  // helper threads when there are enough of them to be worth waking those.
  run_blocks(0);
  next = 1;  // run_blocks(0) drew turn 1 as well, to find it was past its last
  if (!failed && block_count > 1) {
    HelperThreads& helpers = helper_threads();
    if (helpers.count() > 0 && block_count > kBlocksWorthSharing)
      helpers.run([&] { run_blocks(block_count - 1); });
    else
      run_blocks(block_count - 1);
  }
  if (first_error) std::rethrow_exception(first_error);
  check_device_tails(kernel);
}

}  // namespace untangle_emulator
