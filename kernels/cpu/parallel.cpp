// The pool behind parallel_for. A job is cut into chunks; the calling thread and the workers claim
// chunks from one atomic counter until none are left, so a worker the OS has not scheduled (a busy,
// shared machine) never holds the job up: the others simply take its share.
//
// The counter packs (job number << 32 | next chunk) into one 64-bit word. A worker claims a chunk with a
// compare-and-swap that also checks the job number, so a late worker can never claim a chunk of a newer
// job while holding the older job's description.
#include "kernels/cpu/parallel.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace untangle {

namespace {

thread_local bool tls_inside_parallel = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

using Body = std::function<void(long long, long long, int)>;

class ThreadPool {
 public:
  explicit ThreadPool(int threads) : threads_(threads) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this] { worker_loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      stopping_.store(true);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  int threads() const { return threads_; }

  // A few chunks per thread balance uneven progress without much per-chunk overhead.
  long long chunks_for(long long count) const { return std::min<long long>(count, 4LL * threads_); }

  void run(long long count, const Body& body) {
    std::lock_guard<std::mutex> one_job_at_a_time(job_mutex_);
    const long long chunks = chunks_for(count);
    body_ = &body;
    count_ = count;
    chunks_ = chunks;
    done_.store(0);
    const uint64_t job = (claim_.load() >> 32) + 1;
    claim_.store(job << 32);  // publishes the job: workers see a new job number
    if (sleeping_.load() > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    work_on(job);
    // Wait for chunks other threads claimed; yield so that, on a busy machine, they get the CPU.
    for (int spins = 0; done_.load() < chunks; ++spins) {
      if (spins < 2000)
        cpu_relax();
      else
        std::this_thread::yield();
    }
  }

 private:
  // Claims and runs chunks of job `job` until there are none left.
  void work_on(uint64_t job) {
    uint64_t state = claim_.load();
    for (;;) {
      if ((state >> 32) != job) return;
      const long long chunk = (long long)(state & 0xffffffffu);
      if (chunk >= chunks_) return;
      if (!claim_.compare_exchange_weak(state, state + 1)) continue;  // state reloaded; try again
      // The chunk is ours, so the job cannot finish (or change) before we report it done.
      const long long size = (count_ + chunks_ - 1) / chunks_;
      const long long begin = std::min(count_, chunk * size), end = std::min(count_, begin + size);
      tls_inside_parallel = true;
      if (begin < end) (*body_)(begin, end, int(chunk));
      tls_inside_parallel = false;
      done_.fetch_add(1);
      state = claim_.load();
    }
  }

  void worker_loop() {
    uint64_t last_job = 0;
    for (;;) {
      // Spin briefly (the next loop of a training step follows within microseconds), then yield, and
      // after 5 ms of nothing sleep until woken so an idle program costs no CPU.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
      for (int spins = 0; (claim_.load() >> 32) == last_job; ++spins) {
        if (stopping_.load()) return;
        if (spins < 4000) {
          cpu_relax();
        } else if (spins % 64 != 0 || std::chrono::steady_clock::now() < give_up) {
          std::this_thread::yield();
        } else {
          std::unique_lock<std::mutex> lock(sleep_mutex_);
          sleeping_.fetch_add(1);
          wake_.wait_for(lock, std::chrono::milliseconds(100),
                         [&] { return stopping_.load() || (claim_.load() >> 32) != last_job; });
          sleeping_.fetch_sub(1);
        }
      }
      last_job = claim_.load() >> 32;
      work_on(last_job);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex job_mutex_, sleep_mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> claim_{0};
  std::atomic<long long> done_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stopping_{false};
  const Body* body_ = nullptr;
  long long count_ = 0, chunks_ = 0;
};

int configured_threads() {
  if (const char* text = std::getenv("UNTANGLE_THREADS")) {
    int n = std::atoi(text);
    if (n >= 1) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool& pool() {
  static ThreadPool instance(configured_threads());
  return instance;
}

}  // namespace

int parallel_thread_count() {
  return pool().threads();
}
bool in_parallel_region() {
  return tls_inside_parallel;
}

namespace {
bool runs_serially(long long count, long long min_per_thread) {
  return parallel_thread_count() == 1 || tls_inside_parallel || count < min_per_thread * 2;
}
}  // namespace

int parallel_chunk_count(long long count, long long min_per_thread) {
  if (count <= 0) return 0;
  return runs_serially(count, min_per_thread) ? 1 : int(pool().chunks_for(count));
}

void parallel_for(long long count, const Body& body, long long min_per_thread) {
  if (count <= 0) return;
  if (runs_serially(count, min_per_thread)) {
    const bool was_inside = tls_inside_parallel;
    tls_inside_parallel = true;  // loops nested inside run serially too
    body(0, count, 0);
    tls_inside_parallel = was_inside;
    return;
  }
  pool().run(count, body);
}

}  // namespace untangle
