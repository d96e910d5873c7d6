#include "kernels/file_io.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "kernels/check.h"

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

void write_file_atomically(const std::string& path, const void* data, size_t size) {
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    require(bool(out), path, ": cannot open for writing");
    out.write(static_cast<const char*>(data), std::streamsize(size));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      fail(path, ": write failed (disk full?)");
    }
  }
  require(std::rename(temporary.c_str(), path.c_str()) == 0, path, ": cannot rename the temporary file into place");
}

}  // namespace untangle
