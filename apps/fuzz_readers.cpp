// fuzz_readers: feeds every reader of user files (apps/common/reader_targets.h) deterministic mutants of
// its seed files and counts the outcomes. A good outcome is a file read or refused with an untangle::Error;
// a bad one is any other exception (std::bad_alloc, std::out_of_range, ...), a reader slower than
// --max-seconds, or, in the sanitizer build (make sanitize), any report of AddressSanitizer or
// UndefinedBehaviorSanitizer, which stop the program. The mutant being read is always on disk, so a
// crash leaves the file that caused it behind. docs/reliability.md gives the numbers and commands.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "apps/common/file_mutations.h"
#include "apps/common/program.h"
#include "apps/common/reader_targets.h"
#include "core/check.h"
#include "core/file_io.h"

// Under AddressSanitizer an impossible allocation must throw std::bad_alloc (a bad outcome we count and
// report) rather than abort; 4 GiB is far beyond anything the seeds need.
extern "C" const char* __asan_default_options() {
  return "allocator_may_return_null=1:max_allocation_size_mb=4096";
}

namespace untangle {
namespace {

const char* kUsage =
    "usage: fuzz_readers [--readers LIST] [--mutants N] [--seed S] [--max-seconds T] [--keep DIR] [--source "
    "DIR]\n"
    "       fuzz_readers --replay DIR [--source DIR]\n"
    "       fuzz_readers --write-crafted DIR [--source DIR]\n"
    "\n"
    "  --readers LIST      any of npy, npz, hdf5, checkpoint, config (default: all)\n"
    "  --mutants N         mutants per reader, spread over its seed files (default 2000)\n"
    "  --seed S            base seed of the mutations (default 1); mutant i of a seed is reproducible\n"
    "  --max-seconds T     a reader slower than this on one file is a bad outcome (default 5; a hang is\n"
    "                      stopped at 4 T with the file left in --keep)\n"
    "  --keep DIR          write each mutant there while it is read, and keep the bad ones\n"
    "  --source DIR        the repository root, for tests/fixtures (default .)\n"
    "  --replay DIR        read every file of DIR/<reader>/ (the corpus: tests/fixtures/fuzz_corpus)\n"
    "  --write-crafted DIR write the crafted files of issue 19 into DIR/<reader>/\n"
    "Exit status 1 when any outcome is bad. The last line is machine-readable.\n";

enum class Outcome { Read, Refused, Bad };

struct Tally {
  size_t read = 0, refused = 0, bad = 0;
  double slowest_seconds = 0;
  void add(Outcome outcome) {
    (outcome == Outcome::Read ? read : outcome == Outcome::Refused ? refused : bad)++;
  }
};

char g_current_file[4096] = "";  // for the hang handler, which may only use async-signal-safe calls

void on_hang(int) {
  const char message[] = "fuzz_readers: a reader hung (past 4 x --max-seconds) on ";
  ssize_t ignored = write(2, message, sizeof(message) - 1);
  ignored = write(2, g_current_file, strlen(g_current_file));
  ignored = write(2, "\n", 1);
  (void)ignored;
  _exit(2);
}

// Reads `path` with `target`, classifying the result; `detail` gets the error or exception text.
Outcome try_read(const ReaderTarget& target, const std::string& path, double max_seconds, double& seconds,
                 std::string& detail) {
  std::snprintf(g_current_file, sizeof(g_current_file), "%s", path.c_str());
  alarm(unsigned(4 * max_seconds) + 1);
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome = Outcome::Read;
  try {
    target.read(path);
  } catch (const Error& error) {
    outcome = Outcome::Refused;
    detail = error.what();
  } catch (const std::exception& error) {
    outcome = Outcome::Bad;
    detail = std::string("not an untangle::Error: ") + error.what();
  }
  alarm(0);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (outcome != Outcome::Bad && seconds > max_seconds) {
    outcome = Outcome::Bad;
    detail = "took " + std::to_string(seconds) + " s";
  }
  return outcome;
}

std::vector<ReaderTarget> chosen_targets(const std::string& source, const std::string& list) {
  std::vector<ReaderTarget> chosen;
  for (ReaderTarget& target : reader_targets(source))
    if (list.empty() || ("," + list + ",").find("," + target.name + ",") != std::string::npos)
      chosen.push_back(std::move(target));
  require(!chosen.empty(), "--readers ", list, ": no such reader (npy, npz, hdf5, checkpoint, config)");
  return chosen;
}

Tally fuzz_target(const ReaderTarget& target, size_t mutants, uint64_t seed, double max_seconds,
                  const std::string& work) {
  const std::vector<NamedFile> seeds = target.seeds();
  const std::string current = work + "/" + target.name + "_current" + target.extension;
  Tally tally;
  for (size_t i = 0; i < mutants; ++i) {
    const NamedFile& origin = seeds[i % seeds.size()];
    Mutant mutant = mutate_file(origin.bytes, seed, i, target.text_format);
    if (target.repair_checksums && i % 2 == 1) {
      target.repair_checksums(mutant.bytes);
      mutant.description += ", checksums repaired";
    }
    write_file_atomically(current, mutant.bytes.data(), mutant.bytes.size());
    double seconds = 0;
    std::string detail;
    const Outcome outcome = try_read(target, current, max_seconds, seconds, detail);
    tally.add(outcome);
    tally.slowest_seconds = std::max(tally.slowest_seconds, seconds);
    if (outcome == Outcome::Bad) {
      const std::string kept = work + "/" + target.name + "_bad_" + std::to_string(i) + target.extension;
      std::filesystem::copy_file(current, kept, std::filesystem::copy_options::overwrite_existing);
      std::printf("  BAD %s mutant %zu of %s (%s): %s -> %s\n", target.name.c_str(), i, origin.name.c_str(),
                  mutant.description.c_str(), detail.c_str(), kept.c_str());
    }
  }
  std::filesystem::remove(current);
  std::printf("%-10s %6zu mutants of %zu seed files: %6zu read, %6zu refused, %zu bad; slowest %.1f ms\n",
              target.name.c_str(), mutants, seeds.size(), tally.read, tally.refused, tally.bad,
              1e3 * tally.slowest_seconds);
  std::fflush(stdout);
  return tally;
}

int replay(const std::vector<ReaderTarget>& targets, const std::string& corpus, double max_seconds) {
  std::map<std::string, const ReaderTarget*> by_name;
  for (const ReaderTarget& t : targets) by_name[t.name] = &t;
  Tally total;
  for (const auto& folder : std::filesystem::directory_iterator(corpus)) {
    if (!folder.is_directory()) continue;
    const std::string name = folder.path().filename().string();
    require(by_name.count(name), corpus, ": folder '", name,
            "' names no reader (npy, npz, hdf5, checkpoint, config)");
    std::vector<std::string> files;
    for (const auto& file : std::filesystem::directory_iterator(folder.path()))
      files.push_back(file.path().string());
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) {
      double seconds = 0;
      std::string detail;
      const Outcome outcome = try_read(*by_name[name], file, max_seconds, seconds, detail);
      total.add(outcome);
      std::printf("%-8s %s\n",
                  outcome == Outcome::Bad    ? "BAD"
                  : outcome == Outcome::Read ? "read"
                                             : "refused",
                  outcome == Outcome::Read ? file.c_str() : detail.substr(0, detail.find('\n')).c_str());
    }
  }
  std::printf("replayed %zu files: %zu read, %zu refused, %zu bad\n", total.read + total.refused + total.bad,
              total.read, total.refused, total.bad);
  require(total.read + total.refused + total.bad > 0, corpus, ": no corpus files found");
  return total.bad ? 1 : 0;
}

void write_crafted(const std::vector<ReaderTarget>& targets, const std::string& directory) {
  for (const ReaderTarget& target : targets)
    for (const NamedFile& file : target.crafted()) {
      const std::string folder = directory + "/" + target.name;
      std::filesystem::create_directories(folder);
      write_file_atomically(folder + "/" + file.name, file.bytes.data(), file.bytes.size());
      std::printf("wrote %s/%s (%zu bytes)\n", folder.c_str(), file.name.c_str(), file.bytes.size());
    }
}

// Outside the sanitizer build, a cap on the address space turns a runaway allocation into std::bad_alloc
// (a counted bad outcome) instead of swapping the machine. ASan reserves terabytes of address space,
// so there its own allocation limit (above) does the job.
void limit_memory() {
#ifndef __SANITIZE_ADDRESS__
  const rlim_t limit = rlim_t(8) << 30;
  rlimit current{};
  if (getrlimit(RLIMIT_AS, &current) == 0 &&
      (current.rlim_cur == RLIM_INFINITY || current.rlim_cur > limit)) {
    current.rlim_cur = limit;
    setrlimit(RLIMIT_AS, &current);
  }
#endif
}

int fuzz_main(Args& args) {
  const std::string source = args.text("source", ".");
  const std::string readers = args.text("readers", "");
  const long long mutants = args.integer("mutants", 2000);
  const long long seed = args.integer("seed", 1);
  const double max_seconds = args.number("max-seconds", 5.0);
  const std::string keep = args.text("keep", ""), corpus = args.text("replay", ""),
                    crafted = args.text("write-crafted", "");
  args.reject_unknown();
  require(mutants >= 1, "--mutants must be positive");
  require(max_seconds > 0, "--max-seconds must be positive");
  const std::vector<ReaderTarget> targets = chosen_targets(source, readers);
  signal(SIGALRM, on_hang);
  limit_memory();
  if (!crafted.empty()) {
    write_crafted(targets, crafted);
    return 0;
  }
  if (!corpus.empty()) return replay(targets, corpus, max_seconds);

  const std::string work =
      keep.empty()
          ? (std::filesystem::temp_directory_path() / ("untangle_fuzz_" + std::to_string(getpid()))).string()
          : keep;
  std::filesystem::create_directories(work);
  size_t total = 0, bad = 0;
  for (const ReaderTarget& target : targets) {
    const Tally tally = fuzz_target(target, size_t(mutants), uint64_t(seed), max_seconds, work);
    total += size_t(mutants);
    bad += tally.bad;
  }
  if (keep.empty() && bad == 0) std::filesystem::remove_all(work);
  std::printf("fuzz_readers: %zu mutants, %zu bad outcomes (seed %lld)\n", total, bad, seed);
  return bad ? 1 : 0;
}

}  // namespace
}  // namespace untangle

int main(int argc, char** argv) {
  return untangle::run_program("fuzz_readers", untangle::kUsage, argc, argv, {}, untangle::fuzz_main);
}
