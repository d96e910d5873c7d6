#include "data/npy.h"

#include <algorithm>
#include <cstring>

#include "core/bounded_reader.h"
#include "core/check.h"

namespace untangle {

size_t dtype_size(DType type) {
  switch (type) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Int32: return 4;
    case DType::UInt8: return 1;
  }
  return 0;
}

const char* dtype_name(DType type) {
  switch (type) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Int32: return "int32";
    case DType::UInt8: return "uint8";
  }
  return "?";
}

namespace {
const char* descr_of(DType type) {
  switch (type) {
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Int64: return "<i8";
    case DType::Int32: return "<i4";
    case DType::UInt8: return "|u1";
  }
  return "";
}

// Reads an element of any stored type as double; the files are little-endian and so is every
// machine untangle targets (x86-64, aarch64), so a memcpy is the whole conversion.
template <typename Out>
std::vector<Out> convert(const NpyArray& a) {
  std::vector<Out> out(a.count());
  const uint8_t* p = a.bytes.data();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (a.dtype) {
      case DType::Float32: {
        float v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = Out(v);
        break;
      }
      case DType::Float64: {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = Out(v);
        break;
      }
      case DType::Int64: {
        int64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = Out(v);
        break;
      }
      case DType::Int32: {
        int32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        out[i] = Out(v);
        break;
      }
      case DType::UInt8: out[i] = Out(p[i]); break;
    }
  }
  return out;
}
}  // namespace

size_t NpyArray::count() const {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}
std::vector<double> NpyArray::as_double() const {
  return convert<double>(*this);
}
std::vector<float> NpyArray::as_float() const {
  return convert<float>(*this);
}
std::vector<int64_t> NpyArray::as_int64() const {
  return convert<int64_t>(*this);
}

namespace {

// The value of `'key': ` in the header dict, up to the next of `terminators` (after skipping an
// `opening` character when one is given); false when the key is absent. A plain scan, not std::regex: the
// header comes from the file and libstdc++'s regex recurses once per character, so a long header could
// exhaust the stack.
bool header_value(const std::string& header, const std::string& key, char opening, const char* terminators,
                  std::string& value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos) return false;
  at = header.find(':', at);
  if (at == std::string::npos) return false;
  at = header.find_first_not_of(" \t", at + 1);
  if (at == std::string::npos) return false;
  if (opening) {
    if (header[at] != opening) return false;
    ++at;
  }
  const size_t end = header.find_first_of(terminators, at);
  if (end == std::string::npos) return false;
  value = header.substr(at, end - at);
  return true;
}

DType dtype_of_descr(const std::string& descr, const std::string& source) {
  if (descr == "<f4") return DType::Float32;
  if (descr == "<f8") return DType::Float64;
  if (descr == "<i8") return DType::Int64;
  if (descr == "<i4") return DType::Int32;
  if (descr == "|u1" || descr == "<u1" || descr == "|b1") return DType::UInt8;
  if (!descr.empty() && descr[0] == '>')
    fail(source, ": big-endian data ('", descr, "') is not supported; save it little-endian (astype('<",
         descr.substr(1), "'))");
  fail(source, ": unsupported dtype '", descr, "' (need float32, float64, int64, int32 or uint8)");
}

// "(3, 4)" without its parentheses -> {3, 4}; digits are accumulated with an overflow check.
std::vector<size_t> shape_of_text(const std::string& dims, const std::string& source) {
  std::vector<size_t> shape;
  for (size_t i = 0; i < dims.size();) {
    if (dims[i] == ' ' || dims[i] == ',') {
      ++i;
      continue;
    }
    require(dims[i] >= '0' && dims[i] <= '9', source, ": malformed .npy shape '(", dims, ")'");
    uint64_t value = 0;
    for (; i < dims.size() && dims[i] >= '0' && dims[i] <= '9'; ++i)
      value = checked_add(checked_multiply(value, 10, source + " shape"), uint64_t(dims[i] - '0'),
                          source + " shape");
    shape.push_back(size_t(value));
  }
  return shape;
}

// Parses the header; returns the array without its bytes, sets data_start to where they begin and
// fortran_order to whether they are stored first-index-fastest.
NpyArray parse_npy_header(const BoundedReader& file, size_t& data_start, bool& fortran_order) {
  const std::string& source = file.source();
  static const char magic[] = "\x93NUMPY";
  require(file.has(0, 10) && std::memcmp(file.span(0, 6, "magic"), magic, 6) == 0, source,
          ": not a .npy file (missing the \\x93NUMPY magic)");
  const int major = file.u8(6, "version");
  require(major >= 1 && major <= 3, source, ": unsupported .npy version ", major);
  const size_t length_width = major == 1 ? 2 : 4, header_start = 8 + length_width;
  const uint64_t header_length = file.unsigned_at(8, length_width, "header length");
  const std::string header(reinterpret_cast<const char*>(file.span(header_start, header_length, "header")),
                           header_length);

  std::string descr, order, dims;
  require(header_value(header, "descr", '\'', "'", descr), source, ": .npy header has no 'descr'");
  NpyArray array;
  array.dtype = dtype_of_descr(descr, source);
  require(header_value(header, "fortran_order", 0, ",}", order), source,
          ": .npy header has no 'fortran_order'");
  while (!order.empty() && order.back() == ' ') order.pop_back();
  require(order == "True" || order == "False", source, ": .npy header has 'fortran_order': ", order);
  fortran_order = order == "True";
  require(header_value(header, "shape", '(', ")", dims), source, ": .npy header has no 'shape'");
  array.shape = shape_of_text(dims, source);

  data_start = header_start + size_t(header_length);
  const uint64_t expected = checked_product(array.shape, dtype_size(array.dtype), source + " shape");
  require(file.size() - data_start >= expected, source, ": truncated data (expected ", expected,
          " bytes, file holds ", file.size() - data_start, ")");
  return array;
}

// Fortran order (first index fastest) -> C order (last index fastest), element by element.
std::vector<uint8_t> fortran_to_c_order(const uint8_t* data, const std::vector<size_t>& shape,
                                        size_t element) {
  const size_t rank = shape.size();
  size_t count = 1;
  for (size_t d : shape) count *= d;
  std::vector<uint8_t> out(count * element);
  std::vector<size_t> fortran_stride(rank, 1), index(rank, 0);
  for (size_t d = 1; d < rank; ++d) fortran_stride[d] = fortran_stride[d - 1] * shape[d - 1];
  for (size_t c = 0; c < count; ++c) {
    size_t from = 0;
    for (size_t d = 0; d < rank; ++d) from += index[d] * fortran_stride[d];
    std::memcpy(out.data() + c * element, data + from * element, element);
    for (size_t d = rank; d-- > 0;) {  // next C-order index: the last dimension counts fastest
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace

NpyArray parse_npy(const std::vector<uint8_t>& file, const std::string& source) {
  BoundedReader reader(file, source);
  size_t data_start = 0;
  bool fortran_order = false;
  NpyArray array = parse_npy_header(reader, data_start, fortran_order);
  const size_t size = array.count() * dtype_size(array.dtype);
  if (fortran_order)
    array.bytes = fortran_to_c_order(file.data() + data_start, array.shape, dtype_size(array.dtype));
  else
    array.bytes.assign(file.begin() + long(data_start), file.begin() + long(data_start + size));
  return array;
}

NpyArray parse_npy(std::vector<uint8_t>&& file, const std::string& source) {
  size_t data_start = 0;
  bool fortran_order = false;
  NpyArray array = parse_npy_header(BoundedReader(file, source), data_start, fortran_order);
  if (fortran_order) {
    array.bytes = fortran_to_c_order(file.data() + data_start, array.shape, dtype_size(array.dtype));
    return array;
  }
  // Reuse the buffer: drop the header in place instead of copying (multi-GB dataset members).
  file.erase(file.begin(), file.begin() + long(data_start));
  file.resize(array.count() * dtype_size(array.dtype));
  array.bytes = std::move(file);
  return array;
}

NpyArray read_npy(const std::string& path) {
  return parse_npy(read_file_bytes(path), path);
}

namespace {
std::vector<uint8_t> header_bytes_for_descr(const std::string& descr, const std::vector<size_t>& shape) {
  // Python tuple syntax: "()", "(3,)", "(3, 4)".
  std::string dims = "(";
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  dims += shape.size() == 1 ? ",)" : ")";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + dims + ", }";
  // Pad with spaces and a final newline so that magic + length + header is a multiple of 64.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string prefix = "\x93NUMPY";
  prefix += {char(1), char(0), char(header.size() & 0xff), char(header.size() >> 8)};
  std::string all = prefix + header;
  return std::vector<uint8_t>(all.begin(), all.end());
}
}  // namespace

std::vector<uint8_t> npy_header_bytes(DType dtype, const std::vector<size_t>& shape) {
  return header_bytes_for_descr(descr_of(dtype), shape);
}

std::vector<uint8_t> serialize_npy_text(const std::vector<std::string>& values) {
  size_t width = 1;
  for (const std::string& v : values) width = std::max(width, v.size());
  std::vector<uint8_t> out = header_bytes_for_descr("<U" + std::to_string(width), {values.size()});
  for (const std::string& v : values)
    for (size_t i = 0; i < width; ++i) {
      const uint32_t code = i < v.size() ? uint8_t(v[i]) : 0;  // UTF-32 little-endian
      for (int b = 0; b < 4; ++b) out.push_back(uint8_t(code >> (8 * b)));
    }
  return out;
}

size_t npy_text_header_size(const std::vector<uint8_t>& file) {
  require(file.size() >= 10, "npy text: truncated header");
  return 10 + (file[8] | (size_t(file[9]) << 8));
}

std::vector<std::string> parse_npy_text(const std::vector<uint8_t>& file, const std::string& source) {
  BoundedReader reader(file, source);
  require(reader.has(0, 10) && std::memcmp(reader.span(0, 6, "magic"), "\x93NUMPY", 6) == 0 && file[6] == 1,
          source, ": not a version-1 .npy file");
  const uint64_t header_length = reader.u16(8, "header length");
  const std::string header(reinterpret_cast<const char*>(reader.span(10, header_length, "header")),
                           header_length);
  std::string descr, dims;
  require(
      header_value(header, "descr", '\'', "'", descr) && descr.size() > 2 && descr.compare(0, 2, "<U") == 0,
      source, ": not a text array (descr '", descr, "', need '<U...')");
  require(header_value(header, "shape", '(', ")", dims), source, ": .npy header has no 'shape'");
  const std::vector<size_t> shape = shape_of_text(dims, source);
  require(shape.size() == 1, source, ": a text array must be 1-d");
  const std::vector<size_t> width = shape_of_text(descr.substr(2), source);
  require(width.size() == 1 && width[0] > 0, source, ": bad text width in '", descr, "'");
  const uint64_t bytes = checked_product({shape[0], width[0]}, 4, source + " shape");
  const uint8_t* data = reader.span(10 + header_length, bytes, "text data");
  std::vector<std::string> values(shape[0]);
  for (size_t i = 0; i < shape[0]; ++i)
    for (size_t c = 0; c < width[0]; ++c) {
      uint32_t code;
      std::memcpy(&code, data + 4 * (i * width[0] + c), 4);
      if (code == 0) break;
      values[i].push_back(code < 128 ? char(code) : '?');
    }
  return values;
}

std::vector<uint8_t> serialize_npy(const NpyArray& array) {
  require(array.bytes.size() == array.count() * dtype_size(array.dtype),
          "write_npy: byte count does not match shape and dtype");
  std::vector<uint8_t> out = npy_header_bytes(array.dtype, array.shape);
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

void write_npy(const std::string& path, const NpyArray& array) {
  std::vector<uint8_t> bytes = serialize_npy(array);
  write_file_atomically(path, bytes.data(), bytes.size());
}

namespace {
template <typename T>
NpyArray make_typed(const std::vector<T>& values, std::vector<size_t> shape, DType type) {
  NpyArray a;
  a.dtype = type;
  a.shape = std::move(shape);
  require(a.count() == values.size(), "make_npy: ", values.size(), " values do not fill the shape");
  a.bytes.resize(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}
}  // namespace

NpyArray make_npy(const std::vector<float>& v, std::vector<size_t> s) {
  return make_typed(v, s, DType::Float32);
}
NpyArray make_npy(const std::vector<int64_t>& v, std::vector<size_t> s) {
  return make_typed(v, s, DType::Int64);
}
NpyArray make_npy(const std::vector<uint8_t>& v, std::vector<size_t> s) {
  return make_typed(v, s, DType::UInt8);
}
NpyArray make_npy(const std::vector<double>& v, std::vector<size_t> s) {
  return make_typed(v, s, DType::Float64);
}

}  // namespace untangle
