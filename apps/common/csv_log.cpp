#include "apps/common/csv_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/check.h"
#include "core/file_io.h"

namespace untangle {

namespace {

// Writes all of `text`; false (errno set) when the file system refuses part of it.
bool write_all(int descriptor, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t written = ::write(descriptor, text.data() + done, text.size() - done);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    done += size_t(written);
  }
  return true;
}

size_t count_cells(const std::string& line) {
  size_t cells = 1;
  for (char c : line) cells += c == ',';
  return cells;
}

// The step in a row's first cell, or -1 when the cell is not a whole non-negative number.
long long row_step(const std::string& line) {
  const std::string cell = line.substr(0, line.find(','));
  char* end = nullptr;
  errno = 0;
  const long long step = std::strtoll(cell.c_str(), &end, 10);
  const bool whole = !cell.empty() && end == cell.c_str() + cell.size() && errno == 0 && step >= 0;
  return whole ? step : -1;
}

}  // namespace

CsvLog::CsvLog(const std::string& path, const std::string& header) : path_(path) {
  descriptor_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(descriptor_ >= 0, path, ": cannot open for appending (", std::strerror(errno), ")");
  struct stat info;
  if (fstat(descriptor_, &info) == 0 && info.st_size == 0) {
    try {
      row(header);
    } catch (...) {
      ::close(descriptor_);
      throw;
    }
  }
}

CsvLog::~CsvLog() {
  ::close(descriptor_);
}

void CsvLog::row(const std::string& line) {
  struct stat info;
  const off_t length_before = fstat(descriptor_, &info) == 0 ? info.st_size : -1;
  if (write_all(descriptor_, line + "\n")) return;
  const int error = errno;
  // A part of the row may have reached the file: cut it off, so the file ends with a complete row.
  if (length_before >= 0 && ::ftruncate(descriptor_, length_before) != 0) {
    fail(path_, ": cannot append a row (", std::strerror(error),
         "), and cutting off its partial line failed too");
  }
  fail(path_, ": cannot append a row (", std::strerror(error), "); the rows before it are kept");
}

void keep_log_rows_up_to(const std::string& path, long long last_step, const std::string& header) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return;
  const std::vector<uint8_t> bytes = read_file_bytes(path);
  const std::string text(bytes.begin(), bytes.end());
  // Only lines that end in a newline are complete; what follows the last newline is a partial row.
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  if (lines.empty() && header.empty()) return;  // not even a header yet: it is written when the log opens

  const std::string kept_header = header.empty() ? lines.front() : header;
  const size_t columns = count_cells(kept_header);
  std::string kept = kept_header + "\n";
  long long previous_step = -1;
  for (size_t i = 1; i < lines.size(); ++i) {
    const long long step = row_step(lines[i]);
    if (step < 0 || step <= previous_step || count_cells(lines[i]) != columns) {
      std::fprintf(
          stderr,
          "%s: line %zu is blank, partial or out of order; the log is cut before it (%zu rows dropped)\n",
          path.c_str(), i + 1, lines.size() - i);
      break;
    }
    if (step > last_step) break;  // logged after the checkpoint: logged again when training goes on
    kept += lines[i] + "\n";
    previous_step = step;
  }
  if (kept != text) write_file_atomically(path, kept);
}

}  // namespace untangle
