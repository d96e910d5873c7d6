#!/usr/bin/env bash
# check_format.sh — every C++/CUDA source file is formatted as .clang-format says.
#
#   scripts/check_format.sh             self-test, then check the repository's sources (exit 1 if any differ)
#   scripts/check_format.sh --fix       format the repository's sources in place (`make format`)
#   scripts/check_format.sh --self-test
#
# Which files: *.cpp, *.h, *.cu and *.cuh that git knows or would add (untracked ones included), or, outside
# a git checkout, those under the source folders. Test fixtures are data, not code, and are left alone.
#
# Why one pinned major version: clang-format's output changes between releases, so a check run with another
# version would fail on files that are correctly formatted for the version CI uses. The version is Debian 12's
# (clang-format 14, which scripts/ensure_deps.sh installs); with any other version, or none, the check says so
# and exits 77, which ctest reports as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly wanted_major=14
readonly source_folders=(apps autograd core data kernels metrics nn tests)

find_clang_format() {
  local candidate major
  for candidate in "clang-format-$wanted_major" clang-format; do
    command -v "$candidate" >/dev/null || continue
    major=$("$candidate" --version | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
    [[ $major == "$wanted_major" ]] && { echo "$candidate"; return 0; }
  done
  return 1
}

list_sources() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard -- "${source_folders[@]}"
  else
    find "${source_folders[@]}" -type f
  fi | grep -E '\.(cpp|h|cu|cuh)$' | grep -v '^tests/fixtures/' | while read -r file; do
    [[ -f $file ]] && echo "$file"  # git still lists a file deleted in the work tree
  done
}

# Prints the files among "$@" that clang-format would change; returns 1 when there is any. One clang-format
# process checks all of them (its messages begin with "FILE:LINE:COLUMN: error:").
report_unformatted() {
  local tool=$1 unformatted
  shift
  unformatted=$(printf '%s\0' "$@" | xargs -0 "$tool" --dry-run -Werror 2>&1 |
                sed -n 's/^\(.*\):[0-9][0-9]*:[0-9][0-9]*: error: .*/\1/p' | sort -u)
  [[ -z $unformatted ]] && return 0
  sed 's/^/not formatted: /' <<<"$unformatted"
  echo "fix with: scripts/check_format.sh --fix (or make format)"
  return 1
}

# The check must be able to fail: a badly formatted file is reported, a formatted one is not.
self_test() {
  local tool=$1 scratch
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' RETURN
  cp .clang-format "$scratch/"
  printf 'int  f( ){return 1;}\n' >"$scratch/bad.cpp"
  printf 'int f() {\n  return 1;\n}\n' >"$scratch/good.cpp"
  if report_unformatted "$tool" "$scratch/bad.cpp" >/dev/null; then
    echo "check_format self-test: a badly formatted file was not reported"
    return 1
  fi
  if ! report_unformatted "$tool" "$scratch/good.cpp" >/dev/null; then
    echo "check_format self-test: a formatted file was reported"
    return 1
  fi
}

if ! tool=$(find_clang_format); then
  echo "check_format: clang-format $wanted_major not found (install Debian's clang-format, or run" \
       "scripts/ensure_deps.sh as root); the format check was not run"
  exit 77
fi
mode=${1:-check}
mapfile -t files < <(list_sources)
case $mode in
  --fix) printf '%s\0' "${files[@]}" | xargs -0 "$tool" -i && echo "formatted ${#files[@]} files" ;;
  --self-test) self_test "$tool" && echo "check_format self-test passed" ;;
  check)
    self_test "$tool"
    if report_unformatted "$tool" "${files[@]}"; then
      echo "check_format: ${#files[@]} files formatted as .clang-format says ($tool)"
    else
      exit 1
    fi
    ;;
  *) echo "usage: scripts/check_format.sh [--fix | --self-test]"; exit 2 ;;
esac
