// The emulator's device memory: host memory laid out so that out-of-bounds accesses are caught.
//
// Each cudaMalloc block gets its own mapping: [inaccessible page][... block][inaccessible page], the
// block placed so it ends (after cudaMalloc's 256-byte rounding) exactly at the second inaccessible page.
// A kernel that runs past the end of a block, or far before its start, faults at once, and the fault
// handler names the kernel. The few bytes between the requested size and the rounding are filled with
// 0xFF (NaN as floats, like the rest of a new block) and checked after every kernel: a write there is
// reported as a write past the end. This is the part of compute-sanitizer's memcheck the emulator can do.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "emulator.h"

namespace untangle_emulator {

namespace {

constexpr size_t kAlignment = 256;  // what cudaMalloc guarantees
constexpr unsigned char kTailByte = 0xFF;

struct Block {
  char* mapping;
  size_t mapping_bytes;
  size_t bytes;    // as requested
  size_t rounded;  // to kAlignment: the tail [bytes, rounded) must stay kTailByte
};

struct Blocks {
  std::mutex guard;
  std::map<const char*, Block> by_start;
};
Blocks& blocks() {
  static Blocks* shared = new Blocks;  // never destroyed: frees may come from static destructors
  return *shared;
}

size_t page_bytes() {
  static const size_t page = size_t(sysconf(_SC_PAGESIZE));
  return page;
}

void write_text(const char* text) {
  ssize_t ignored = write(STDERR_FILENO, text, std::strlen(text));
  (void)ignored;
}

void report_fault(int signal, siginfo_t* info, void*) {
  // Only async-signal-safe calls here.
  const char* kernel = running_kernel();
  write_text("\nCUDA emulator: memory fault ");
  if (kernel) {
    write_text("in kernel ");
    write_text(kernel);
    write_text(
        ": an access outside its cudaMalloc block (past the end, before the start, or a stray pointer)");
  } else {
    write_text("outside any kernel (host code, or a coroutine stack overflow)");
  }
  char address[32] = "0x";
  uintptr_t a = reinterpret_cast<uintptr_t>(info->si_addr);
  for (int i = 15; i >= 0; --i) address[2 + 15 - i] = "0123456789abcdef"[(a >> (4 * i)) & 15];
  address[18] = '\0';
  write_text(" at address ");
  write_text(address);
  write_text("\n");
  ::signal(signal, SIG_DFL);  // then die of it, as the process would have
  raise(signal);
}

}  // namespace

void install_fault_report() {
  // Per host thread: an alternate stack, so the report also works when a coroutine's stack overflowed.
  thread_local bool have_alternate_stack = false;
  if (!have_alternate_stack) {
    have_alternate_stack = true;
    static const size_t alternate_bytes = size_t(64) << 10;
    stack_t alternate{};
    alternate.ss_sp = new char[alternate_bytes];  // lives as long as the thread (never freed)
    alternate.ss_size = alternate_bytes;
    sigaltstack(&alternate, nullptr);
  }
  // Checked at every launch: a test framework may have put its own crash handler in since the last one.
  for (int signal : {SIGSEGV, SIGBUS}) {
    struct sigaction current {};
    sigaction(signal, nullptr, &current);
    if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == report_fault) continue;
    struct sigaction action {};
    action.sa_sigaction = report_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    sigaction(signal, &action, nullptr);
  }
}

void* allocate_device(size_t bytes) {
  const size_t page = page_bytes();
  const size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  const size_t data_pages = (rounded + page - 1) / page * page;
  const size_t mapping_bytes = data_pages + 2 * page;
  void* mapped = mmap(nullptr, mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return nullptr;
  char* mapping = static_cast<char*>(mapped);
  mprotect(mapping, page, PROT_NONE);
  mprotect(mapping + page + data_pages, page, PROT_NONE);
  char* start = mapping + page + data_pages - rounded;  // page-aligned end, so 256-aligned start
  std::memset(start, kTailByte, rounded);               // NaN floats: reading unwritten memory shows
  Blocks& b = blocks();
  std::lock_guard<std::mutex> lock(b.guard);
  b.by_start[start] = Block{mapping, mapping_bytes, bytes, rounded};
  return start;
}

bool free_device(void* pointer) {
  Block block;
  {
    Blocks& b = blocks();
    std::lock_guard<std::mutex> lock(b.guard);
    auto found = b.by_start.find(static_cast<const char*>(pointer));
    if (found == b.by_start.end()) return false;
    block = found->second;
    b.by_start.erase(found);
  }
  munmap(block.mapping, block.mapping_bytes);
  return true;
}

bool is_device_range(const void* pointer, size_t bytes) {
  Blocks& b = blocks();
  std::lock_guard<std::mutex> lock(b.guard);
  const char* p = static_cast<const char*>(pointer);
  auto after = b.by_start.upper_bound(p);
  if (after == b.by_start.begin()) return false;
  const auto& [start, block] = *std::prev(after);
  return p >= start && size_t(p - start) <= block.bytes && bytes <= block.bytes - size_t(p - start);
}

void check_device_tails(const char* kernel) {
  Blocks& b = blocks();
  std::lock_guard<std::mutex> lock(b.guard);
  for (const auto& [start, block] : b.by_start)
    for (size_t i = block.bytes; i < block.rounded; ++i)
      if (static_cast<unsigned char>(start[i]) != kTailByte)
        throw std::runtime_error(std::string("CUDA emulator: kernel ") + kernel +
                                 " wrote past the end of a " + std::to_string(block.bytes) +
                                 "-byte cudaMalloc block (at byte " + std::to_string(i) + ")");
}

}  // namespace untangle_emulator
