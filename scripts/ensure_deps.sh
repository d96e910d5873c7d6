#!/usr/bin/env bash
# Makes sure the build dependencies are present: a C++17 compiler, CMake, zlib headers, doctest and
# python3 (the kill test) and clang-format 14 (the format check in make test).
# Installs the missing ones with apt-get when run as root; otherwise prints the one command to run.
set -euo pipefail
missing=()
command -v cmake >/dev/null || missing+=(cmake)
command -v g++ >/dev/null || command -v c++ >/dev/null || missing+=(g++)
[[ -f /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
command -v python3 >/dev/null || missing+=(python3)  # the kill test (scripts/kill_resume_test.py)
command -v clang-format-14 >/dev/null || missing+=(clang-format-14)  # scripts/check_format.sh
[[ -f /usr/include/doctest/doctest.h || -f /usr/local/include/doctest/doctest.h ]] || missing+=(doctest-dev)
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
  echo "ensure_deps: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ensure_deps: missing ${missing[*]}; install them with:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
