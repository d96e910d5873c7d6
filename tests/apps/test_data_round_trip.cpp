// `untangle data --export` writes what `--data-file` reads back (issue 18, round trips): the whole grid
// exported, read back and exported again gives the same bytes; the file carries the factor names and
// sizes as arrays NumPy reads; a sample (--count) or another dataset's file is refused with a reason.
#include <doctest/doctest.h>

#include <string>

#include "cli_helpers.h"
#include "core/file_io.h"
#include "data/npy.h"
#include "data/npz.h"
#include "scratch_files.h"

using namespace untangle;
using testing::run_program;

TEST_CASE("untangle data: an export reads back with --data-file and exports to the same bytes") {
  const std::string first = testing::scratch_path("export_single.npz"),
                    second = testing::scratch_path("export_again.npz");
  auto exported = run_program("untangle data --dataset xysquares_single --export " + first);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.output.find("readable with --data-file") != std::string::npos);
  auto again =
      run_program("untangle data --dataset xysquares_single --data-file " + first + " --export " + second);
  REQUIRE(again.exit_code == 0);
  CHECK(read_file_bytes(first) == read_file_bytes(second));

  // The names and sizes travel with the arrays, as NumPy text and int64 arrays.
  auto members = read_npz_members(first, {"factor_names", "dataset"});
  CHECK(parse_npy_text(members.at("factor_names"), "factor_names") == std::vector<std::string>{"x", "y"});
  CHECK(parse_npy_text(members.at("dataset"), "dataset") == std::vector<std::string>{"xysquares_single"});
  CHECK(read_npz(first, {"factor_sizes"}).at("factor_sizes").as_int64() == std::vector<int64_t>{8, 8});

  // A random sample is not a grid, and a file of another dataset is not this one.
  const std::string sample = testing::scratch_path("export_sample.npz");
  REQUIRE(run_program("untangle data --dataset xysquares_single --count 10 --export " + sample).exit_code ==
          0);
  auto refused =
      run_program("untangle data --dataset xysquares_single --data-file " + sample + " --preview /dev/null");
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("only a whole-grid export (without --count) can be read back") !=
        std::string::npos);
  auto other = run_program("untangle data --dataset dsprites --data-file " + first + " --preview /dev/null");
  CHECK(other.exit_code == 1);
  CHECK(other.output.find("holds dataset 'xysquares_single', not 'dsprites'") != std::string::npos);
}
