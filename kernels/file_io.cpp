#include "kernels/file_io.h"

#include <cstdio>
#include <fstream>

#include "kernels/check.h"

namespace untangle {

std::vector<uint8_t> read_file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  require(bool(in), path, ": cannot open file");
  std::streamsize size = in.tellg();
  require(size >= 0, path, ": cannot determine the file size (is it a directory?)");
  in.seekg(0);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  require(bool(in.read(reinterpret_cast<char*>(bytes.data()), size)), path, ": read failed");
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
