#include "core/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "core/kill_point.h"

namespace untangle {

uint64_t regular_file_size(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  require(std::filesystem::exists(status), path, ": cannot open file");
  require(!std::filesystem::is_directory(status), path, ": is a directory, not a file");
  require(std::filesystem::is_regular_file(status), path, ": not a regular file");
  const uint64_t size = std::filesystem::file_size(path, error);
  require(!error, path, ": cannot determine the file size (", error.message(), ")");
  return size;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  const uint64_t size = regular_file_size(path);
  std::ifstream in(path, std::ios::binary);
  require(bool(in), path, ": cannot open file");
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  require(bool(in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))), path,
          ": read failed (the file changed while being read?)");
  return bytes;
}

namespace {

// Writes all `size` bytes to `descriptor`, retrying short writes; false (errno set) on failure.
bool write_all(int descriptor, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(descriptor, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    data += written;
    size -= size_t(written);
  }
  return true;
}

}  // namespace

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  const std::string temporary = path + ".tmp";
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  require(descriptor >= 0, path, ": cannot open ", temporary, " for writing (", std::strerror(errno), ")");
  // Written in two halves so the kill test can stop the program with half a file on disk.
  const uint8_t* bytes = static_cast<const uint8_t*>(data);
  const size_t half = size / 2;
  bool written = write_all(descriptor, bytes, half);
  if (written) kill_point("write:" + std::filesystem::path(path).filename().string());
  written = written && write_all(descriptor, bytes + half, size - half);
  const int write_error = errno;
  const bool closed = ::close(descriptor) == 0;  // a network or full file system may report here
  if (!written || !closed) {
    const int error = written ? errno : write_error;
    std::remove(temporary.c_str());
    fail(path, ": cannot write (", std::strerror(error), "); the file on disk, if any, is left as it was");
  }
  require(std::rename(temporary.c_str(), path.c_str()) == 0, path, ": cannot rename ", temporary,
          " into place (", std::strerror(errno), ")");
}

}  // namespace untangle
