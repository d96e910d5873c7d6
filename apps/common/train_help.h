// `untangle train --help` (train_help.cpp): each setting's default and one-line meaning.
#pragma once
#include <string>

#include "apps/common/args.h"

namespace untangle {

// Prints the help; the model settings' defaults are those of the --model/--dataset/--preset in `args`.
void print_train_help(Args& args);
// The one-line meaning of a model setting (by its config.json name), or "" if it has none.
std::string model_setting_meaning(const std::string& name);

}  // namespace untangle
