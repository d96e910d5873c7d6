#!/usr/bin/env python3
"""check_function_length.py — no function outside tests/ is longer than the limit without a stated reason.

  scripts/check_function_length.py              self-test, then check the repository holding this script
  scripts/check_function_length.py ROOT         check the tree at ROOT only
  scripts/check_function_length.py --self-test

A function's length counts the lines from the first line of its declaration (a `template <...>` line
included) to its closing brace. A function longer than the limit (80 lines, --limit) passes only when the
line just before it states why, as a comment holding `Long by design:` and a reason, e.g.

  // Long by design: one table of every option, read top to bottom.
  int main(int argc, char** argv) {

The C++ and CUDA sources (.cpp, .h, .cu, .cuh) of the source folders are read, tests/ excepted. The reading
is a light one, not a C++ parser: comments, string and character literals (raw strings included) and
preprocessor lines are blanked first, then braces are matched. A brace block at namespace or class scope
whose head holds a parameter list `(...)` is a function body; lambdas and local classes inside a function
count toward that function. Each failure prints FILE:LINE and the function's name and length; the exit
status is 1 when there is any.
"""
import argparse
import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile

SOURCE_FOLDERS = ("apps", "autograd", "data", "kernels", "metrics", "nn")
EXTENSIONS = (".cpp", ".h", ".cu", ".cuh")
REASON = re.compile(r"//.*\bLong by design:\s*\S")
RAW_STRING = re.compile(r'(?:u8|u|U|L)?R"([^()\\\s]{0,16})\(')


def blank(text):
    """The source with comments, literals and preprocessor lines replaced by spaces; newlines are kept."""
    out = list(text)

    def clear(start, end):
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c == "#":  # a preprocessor line, with its continuations
            j = i
            while j < n and not (text[j] == "\n" and text[j - 1] != "\\"):
                j += 1
            clear(i, j)
            i = j
            continue
        if c == "\n":
            line_start = True
            i += 1
            continue
        if not c.isspace():
            line_start = False
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            clear(i, j)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            clear(i, j)
            i = j
        elif (raw := RAW_STRING.match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            closing = ")" + raw.group(1) + '"'
            j = text.find(closing, raw.end())
            j = n if j < 0 else j + len(closing)
            clear(i, j)
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum())):  # not a digit separator 1'000
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            clear(i, min(j + 1, n))
            i = j + 1
        else:
            i += 1
    return "".join(out)


def function_name(head):
    """The name before the first parameter list of a declaration's head, e.g. `Hdf5File::read_dataset`."""
    head = re.sub(r"\b(__launch_bounds__|alignas|__attribute__)\s*\(+[^)]*\)+", " ", head)  # not the name
    match = re.search(r"((?:[A-Za-z_]\w*\s*::\s*)*~?[A-Za-z_]\w*|operator\s*\S+?)\s*\(", head)
    return re.sub(r"\s+", "", match.group(1)) if match else "?"


ACCESS_LABEL = re.compile(r"\s*(?:(?:public|private|protected)\s*:(?!:)\s*)*")


def assigns_at_top_level(head):
    """Whether `head` holds an `=` outside (), <> and [] (an initialiser, not a declaration's default)."""
    head = re.sub(r"operator\s*[^\w\s(]+|->", " ", head)
    depth = 0
    for c in head:
        depth += c in "(<[" and 1 or c in ")>]" and -1 or 0
        if c == "=" and depth == 0:
            return True
    return False


def brace_kind(head):
    """What a `{` at namespace or class scope opens, from the text since the previous declaration ended:
    "scope" (namespace, class, struct, union, extern "C"), "function", "init" (a member's brace initialiser
    in a constructor's list, `: x_{1}`, which belongs to the head) or "block" (any other initialiser)."""
    if re.search(r"\benum\b", head):
        return "block"
    if re.search(r"\b(namespace|class|struct|union)\b|\bextern\s*$", head.split("(")[0]):
        return "scope"
    if ")" not in head or assigns_at_top_level(head):
        return "block"
    member_list = re.search(r"\)\s*:(?!:)", head)
    if member_list and re.search(r"[\w>]\s*$", head) and not re.search(r"\b(const|noexcept|override|final)\s*$", head):
        return "init"
    return "function"


def long_functions(text, limit):
    """(first line, name, length in lines) of each function longer than `limit` in `text`, 1-based lines."""
    code = blank(text)
    found = []
    stack = []  # per open brace: (kind, where its head begins)
    head_start = 0  # where the text leading to the next brace at scope level begins
    for i, c in enumerate(code):
        at_scope = all(kind == "scope" for kind, _ in stack)
        if c == ";" and at_scope:
            head_start = i + 1
        elif c == "{":
            kind = brace_kind(code[head_start:i]) if at_scope else "block"
            stack.append((kind, head_start))
            if kind != "init":
                head_start = i + 1
        elif c == "}" and stack:
            kind, start = stack.pop()
            if kind == "function":
                first = ACCESS_LABEL.match(code, start).end()
                first_line = code.count("\n", 0, first) + 1
                length = code.count("\n", first, i) + 1
                if length > limit:
                    found.append((first_line, function_name(code[first:i]), length))
            if kind != "init" and all(k == "scope" for k, _ in stack):
                head_start = i + 1
    return found


def source_files(root):
    """The C++/CUDA files of the source folders under root, relative paths, tests/ never included."""
    files = []
    try:
        listed = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"],
                                capture_output=True, text=True, check=True).stdout.split("\n")
        top = subprocess.run(["git", "-C", root, "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                             check=True).stdout.strip()
        if os.path.realpath(top) != os.path.realpath(root):
            raise subprocess.CalledProcessError(1, "git")
        files = [f for f in listed if f]
    except (OSError, subprocess.CalledProcessError):
        for folder in SOURCE_FOLDERS:
            for directory, _, names in os.walk(os.path.join(root, folder)):
                files += [os.path.relpath(os.path.join(directory, name), root) for name in names]
    return sorted(f for f in files
                  if f.endswith(EXTENSIONS) and f.split("/")[0] in SOURCE_FOLDERS and os.path.isfile(
                      os.path.join(root, f)))


def check_tree(root, limit):
    """Prints one line per over-long function without a stated reason; returns their count."""
    failures = 0
    for path in source_files(root):
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.split("\n")
        for first_line, name, length in long_functions(text, limit):
            if first_line >= 2 and REASON.search(lines[first_line - 2]):
                continue
            print(f"{path}:{first_line}: {name} is {length} lines (limit {limit}); split it, or state why on the "
                  f"line before it: // Long by design: <reason>")
            failures += 1
    return failures


SELF_TEST_CLEAN = """\
// A short file: nothing here is long.
namespace demo {
struct Point { int x = 0, y{0}; int sum() const { return x + y; } };
const char* kNames[] = {"a {", "b }"};
class Counter {
 public:
  Counter(int start) : value_{start}, step_(1) {
    value_ += step_;
  }
 private:
  int value_, step_;
};
}  // namespace demo
"""


def self_test(limit):
    """The check on a small tree: a clean one passes; over-long functions fail, except one with a reason."""
    long_body = "".join(f"  total += {i};  // '{{' in a comment\n" for i in range(limit))
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "nn"))
        os.makedirs(os.path.join(root, "tests"))
        with open(os.path.join(root, "nn", "short.cpp"), "w") as f:
            f.write(SELF_TEST_CLEAN)
        # Long, but in tests/ (not checked), or with its reason stated.
        with open(os.path.join(root, "tests", "long_test.cpp"), "w") as f:
            f.write("int long_test() {\n  int total = 0;\n" + long_body + "  return total;\n}\n")
        with open(os.path.join(root, "nn", "reasoned.cpp"), "w") as f:
            f.write("// Long by design: a self-test case.\nint reasoned() {\n  int total = 0;\n" + long_body +
                    "  return total;\n}\n")
        if check_tree(root, limit) != 0:
            print("check_function_length self-test: a clean tree failed")
            return False
        with open(os.path.join(root, "nn", "long.cpp"), "w") as f:
            f.write('#include <cstdio>\nnamespace demo {\n\nint Solver::\nlong_function(int a,\n    int b) {\n'
                    '  int total = 0;\n  const char* text = R"(}}})";\n' + long_body + "  return total;\n}\n\n"
                    "}  // namespace demo\n")
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            failures = check_tree(root, limit)
        long_file = os.path.join("nn", "long.cpp")  # joined, so that the citation check does not take it for one
        expected = f"{long_file}:4: Solver::long_function is {limit + 7} lines (limit {limit})"
        if failures != 1 or not captured.getvalue().startswith(expected):
            print(f"check_function_length self-test: expected one line starting '{expected}', got:\n"
                  f"{captured.getvalue()}")
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", help="check the tree at ROOT only (no self-test)")
    parser.add_argument("--limit", type=int, default=80, help="the longest function allowed, in lines (80)")
    parser.add_argument("--self-test", action="store_true", help="run the self-test only")
    args = parser.parse_args()
    if args.self_test or args.root is None:
        if not self_test(args.limit):
            return 1
        print("check_function_length: self-test passed")
        if args.self_test:
            return 0
    root = args.root or os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    failures = check_tree(root, args.limit)
    if failures:
        print(f"check_function_length: {failures} function(s) above are longer than {args.limit} lines "
              "without a stated reason", file=sys.stderr)
        return 1
    print(f"check_function_length: no function in {root} is longer than {args.limit} lines without a reason")
    return 0


if __name__ == "__main__":
    sys.exit(main())
