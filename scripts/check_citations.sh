#!/usr/bin/env bash
# check_citations.sh — every document the code and docs cite is inside this repository.
#
#   scripts/check_citations.sh            self-test, then check the repository holding this script
#   scripts/check_citations.sh ROOT       check the tree at ROOT only
#   scripts/check_citations.sh --self-test
#
# What it checks, in every text file git knows or would add (git ls-files, untracked ones included; when
# ROOT is not a git checkout, the files at its top and in its source folders):
#   0. Every top-level folder holding files is listed in source_folders below (else paths into a new folder
#      would go unchecked).
#   1. A cited repository path exists. A cited path is one of this repository's top-level folders followed
#      by a path with an extension (`docs/design.md`, `nn/graphed_step.h`, `apps/common/*.cpp` — a glob must
#      match at least one file). A path glued to something before it (`disent/frameworks/x.py`,
#      `owner/repo/scripts/solver.py`) belongs to another repository and is not ours to check; so upstream
#      paths that begin with one of our folder names are written with their repository in front. A
#      placeholder is written in angle brackets (`kernels/cpu/<name>.h`) and is not a path.
#   2. A Markdown link to a relative path, `[text](images/a.png)`, resolves from the linking file's folder.
#   3. Nothing points outside the repository: the private notes a clone does not hold (their file names and
#      their section shorthand) are refused; the project's own notes are docs/design.md and docs/reference/.
# Each failure prints FILE:LINE and what is wrong; the exit status is 1 when any is found.
set -euo pipefail

readonly source_folders=(.ci apps autograd cmake core data docs kernels metrics nn scripts tests)
folders=$(IFS='|' && echo "${source_folders[*]}")
readonly folders=${folders//./\\.}  # as a regular expression: .ci|apps|... with the dot escaped
# A cited path: a top-level folder at a word start (not after a letter, digit, '_', '.', '/', ':' or '-').
readonly path_pattern="(^|[^A-Za-z0-9_./:-])(${folders})/[A-Za-z0-9_./*-]*\\.[A-Za-z0-9]+"
# Outside the repository. Assembled from pieces so that this file does not match itself.
readonly private_names="(DESIGN|STYLE|PERF)\\.md|\\.\\./shared|/work/shared|(disentanglement_lib|disent|methods|methods-detail)\\.md"
readonly private_sections="(dlib|disent|methods|disentanglement_lib|methods-detail)(\\.md)? "$'\xc2\xa7'

# The text files to scan, one per line, relative to $1.
list_files() {
  local root=$1
  if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
     [[ $(git -C "$root" rev-parse --show-toplevel) == "$(cd "$root" && pwd -P)" ]]; then
    git -C "$root" ls-files --cached --others --exclude-standard
  else
    # Not a checkout (an unpacked archive): the files at the top and in the source folders, so that
    # build and output folders, wherever a user put them, are not scanned.
    (cd "$root" && find . -maxdepth 1 -type f | sed 's|^\./||' && for folder in "${source_folders[@]}"; do
      [[ ! -d $folder ]] || find "$folder" -type f
    done)
  fi | grep -v -x 'scripts/check_citations.sh' | grep -v -E '\.(png|npy|npz|h5|svg|gif|jpg|utg)$' || true
}

# Checks the tree at $1; prints one line per failure and returns 1 when there was any.
check_tree() {
  local root=$1 failures=0 file line cited target dir
  local -a files
  mapfile -t files < <(list_files "$root")
  ((${#files[@]})) || { echo "check_citations: no files found under $root" >&2; return 1; }
  cd "$root"

  # 0. Every top-level folder holding files is one that citations may start with (a new folder must be
  #    added to source_folders, or paths into it would go unchecked).
  local top
  for top in $(printf '%s\n' "${files[@]}" | grep / | cut -d/ -f1 | sort -u); do
    [[ " ${source_folders[*]} " == *" $top "* ]] && continue
    echo "$top/: a top-level folder that scripts/check_citations.sh does not know (add it to source_folders)"
    failures=1
  done

  # One grep pass finds all three kinds of citation; each match is then checked by its kind.
  local pattern="${private_sections}|${private_names}|\\]\\([^)]+\\)|${path_pattern}"
  while IFS=: read -r file line cited; do
    if [[ $cited == ']('* ]]; then
      # 2. A relative Markdown link resolves from the linking file's folder.
      [[ $file == *.md ]] || continue
      target=${cited#](}
      target=${target%)}
      target=${target%%#*}
      target=${target%% *}
      [[ -z $target || $target == *://* || $target == mailto:* ]] && continue
      dir=.
      [[ $file == */* ]] && dir=${file%/*}
      [[ -e $dir/$target ]] && continue
      echo "$file:$line: links to $target, which does not exist (from $dir/)"
    elif [[ $cited =~ ^($private_sections|$private_names)$ ]]; then
      # 3. A note outside the repository.
      echo "$file:$line: cites '$cited', a note outside this repository" \
           "(cite docs/design.md, docs/reference/ or the upstream source)"
    else
      # 1. A cited repository path exists (a glob matches at least one file).
      [[ $cited =~ ^[^A-Za-z0-9_.] ]] && cited=${cited:1}  # the character before the path
      if [[ $cited == *'*'* ]]; then
        compgen -G "$cited" >/dev/null && continue
      else
        [[ -e $cited ]] && continue
      fi
      echo "$file:$line: cites $cited, which does not exist"
    fi
    failures=1
  done < <(printf '%s\0' "${files[@]}" | xargs -0 grep -I -n -o -E "$pattern" /dev/null || true)

  return $failures
}

# The check on a small tree: passes when every citation resolves, and fails, naming file and line, for a
# broken path, a broken glob, a broken link and a private note.
self_test() {
  local tmp
  tmp=$(mktemp -d)
  self_test_cases "$tmp"
  local status=$?
  rm -rf "$tmp"
  return $status
}

self_test_cases() {
  local tmp=$1 out
  mkdir -p "$tmp/nn" "$tmp/docs/images"
  printf '// Steps as nn/graphed_step.h says; layers in nn/*.h; kernels/cpu/<name>.h is a placeholder.\n' \
    >"$tmp/nn/graphed_step.h"
  printf '// Upstream: nmichlo/disent/docs/examples/x.py and disent/dataset/data/y.py are not ours.\n' \
    >"$tmp/nn/layers.h"
  printf '# Notes\nSee `nn/layers.h` and ![grid](images/a.png) and [web](https://example.org/x.md).\n' \
    >"$tmp/docs/notes.md"
  : >"$tmp/docs/images/a.png"
  if ! out=$(check_tree "$tmp" 2>&1); then
    echo "check_citations self-test: a clean tree failed:"$'\n'"$out"
    return 1
  fi

  printf 'int x;\n// see nn/graphd_step.h\n' >>"$tmp/nn/layers.h"
  printf 'Models in nn/model_*.cpp.\nThe ![figure](images/b.png).\nAs DESIGN.md says.\nAs dlib \xc2\xa72 says.\n' \
    >>"$tmp/docs/notes.md"
  local -a expected=('nn/layers.h:3: cites nn/graphd_step.h' 'docs/notes.md:3: cites nn/model_\*.cpp'
                     'docs/notes.md:4: links to images/b.png' "docs/notes.md:5: cites 'DESIGN.md'"
                     "docs/notes.md:6: cites 'dlib ")
  # As a git checkout (the usual case), a new top-level folder must be known too.
  if git -C "$tmp" init -q 2>/dev/null; then
    mkdir "$tmp/extras" && : >"$tmp/extras/notes.txt"
    expected+=('extras/: a top-level folder')
  fi
  out=$(check_tree "$tmp" 2>&1) && { echo "check_citations self-test: a broken tree passed"; return 1; }
  local line
  for line in "${expected[@]}"; do
    grep -q "^$line" <<<"$out" || {
      echo "check_citations self-test: expected a line starting '$line' in:"$'\n'"$out"
      return 1
    }
  done
  [[ $(wc -l <<<"$out") -eq ${#expected[@]} ]] || {
    echo "check_citations self-test: expected ${#expected[@]} failures, got:"$'\n'"$out"
    return 1
  }
}

main() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
  case "${1:-}" in
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
    --self-test) self_test && echo "check_citations: self-test passed"; return ;;
    "") self_test || return 1
        check_tree "$here" || { echo "check_citations: citations above do not resolve" >&2; return 1; }
        echo "check_citations: every cited path in $here exists" ;;
    *) check_tree "$1" ;;
  esac
}

main "$@"
