// untangle — one program, many subcommands (see apps/untangle/commands.h and docs/design.md "Commands").
#include <cstdio>
#include <cstring>
#include <exception>

#include "apps/untangle/commands.h"
#include "core/check.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int argc, char** argv);
  const char* summary;
};

const Command kCommands[] = {
    {"version", untangle::command_version, "print the version, build type and backends"},
    {"data", untangle::command_data, "preview, export or time a ground-truth dataset"},
    {"train", untangle::command_train, "train a model on a dataset into a run directory"},
    {"eval", untangle::command_eval, "compute disentanglement metrics of a trained run"},
    {"encode", untangle::command_encode, "write a trained run's codes (and factors) as .npy"},
    {"metrics", untangle::command_metrics, "disentanglement metrics of a codes table (JSON on stdout)"},
    {"distances", untangle::command_distances, "ground-truth vs perceived distance matrices of a dataset"},
    {"visualize", untangle::command_visualize, "labelled traversals, reconstructions, animation of a run"},
    {"report", untangle::command_report, "one self-contained HTML page for a run or a folder of runs"},
    {"sweep", untangle::command_sweep, "a sweep spec's runs: list, run here, run one, Slurm array, status"},
};

void print_usage() {
  std::printf("untangle — reproduce and audit the work on why VAEs disentangle\n\n");
  std::printf("usage: untangle <command> [options]    (untangle <command> --help for its options)\n\n");
  std::printf("commands:\n");
  for (const Command& command : kCommands) std::printf("  %-10s %s\n", command.name, command.summary);
  std::printf("\n  --version  same as `untangle version`\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_usage();
    return argc < 2 ? 1 : 0;
  }
  const char* name = argv[1];
  if (!std::strcmp(name, "--version")) name = "version";
  for (const Command& command : kCommands) {
    if (std::strcmp(command.name, name) != 0) continue;
    try {
      return command.run(argc, argv);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "untangle %s: error: %s\n", command.name, error.what());
      return 1;
    }
  }
  std::fprintf(stderr, "untangle: unknown command '%s' (see untangle --help)\n", argv[1]);
  return 2;
}
