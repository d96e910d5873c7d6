#include "kernels/cpu/parallel.h"

#include <immintrin.h>

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

class ThreadPool {
 public:
  explicit ThreadPool(int threads) : threads_(threads) {
    for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }

  int threads() const { return threads_; }

  void run(long long count, const std::function<void(long long, long long, int)>& body) {
    std::lock_guard<std::mutex> one_job_at_a_time(job_mutex_);
    body_ = &body;
    count_ = count;
    remaining_.store(threads_ - 1);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1);  // publishes body_ and count_ to the workers
    }
    wake_.notify_all();
    run_chunk(0);
    while (remaining_.load() > 0) cpu_relax();
  }

 private:
  void run_chunk(int thread) {
    long long chunk = (count_ + threads_ - 1) / threads_;
    long long begin = std::min(count_, chunk * thread), end = std::min(count_, begin + chunk);
    tls_inside_parallel = true;
    if (begin < end) (*body_)(begin, end, thread);
    tls_inside_parallel = false;
  }

  void worker_loop(int thread) {
    unsigned long long seen = 0;
    for (;;) {
      // Spin for a while: the next job of a training step usually arrives within microseconds.
      auto spin_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
      int spins = 0;
      while (generation_.load() == seen) {
        cpu_relax();
        if (++spins % 4096 == 0 && std::chrono::steady_clock::now() > spin_until) {
          std::unique_lock<std::mutex> lock(mutex_);
          wake_.wait(lock, [&] { return generation_.load() != seen; });
        }
      }
      seen = generation_.load();
      if (stopping_) return;
      run_chunk(thread);
      remaining_.fetch_sub(1);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_, job_mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned long long> generation_{0};
  std::atomic<int> remaining_{0};
  const std::function<void(long long, long long, int)>* body_ = nullptr;
  long long count_ = 0;
  bool stopping_ = false;
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

int parallel_thread_count() { return pool().threads(); }
bool in_parallel_region() { return tls_inside_parallel; }

void parallel_for(long long count, const std::function<void(long long, long long, int)>& body,
                  long long min_per_thread) {
  if (count <= 0) return;
  const int threads = parallel_thread_count();
  if (threads == 1 || tls_inside_parallel || count < min_per_thread * 2) {
    bool was_inside = tls_inside_parallel;
    tls_inside_parallel = true;  // nested loops inside run serially too
    body(0, count, 0);
    tls_inside_parallel = was_inside;
    return;
  }
  pool().run(count, body);
}

}  // namespace untangle
