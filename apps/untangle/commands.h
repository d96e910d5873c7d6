// The subcommands of the `untangle` program; each lives in its own cmd_<name>.cpp and returns the
// process exit code. Errors are thrown as untangle::Error and reported once by main().
#pragma once

namespace untangle {

// argv[0] is the program, argv[1] the command name, options start at argv[2].
int command_version(int argc, char** argv);
int command_data(int argc, char** argv);
int command_train(int argc, char** argv);
int command_eval(int argc, char** argv);
int command_encode(int argc, char** argv);
int command_metrics(int argc, char** argv);
int command_distances(int argc, char** argv);
int command_visualize(int argc, char** argv);
int command_report(int argc, char** argv);
int command_sweep(int argc, char** argv);

}  // namespace untangle
