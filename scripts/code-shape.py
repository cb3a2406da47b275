#!/usr/bin/env python3
"""Rujukan's code shape: source files over 600 lines and functions over 80 lines outside tests.

Vocabulary tables (files named in ALLOWED_FILES) may be longer. Prints what it finds and exits 1
when anything is over the limits; `--report` prints the longest file and function either way.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
MAX_FILE = 600
MAX_FN = 80
# Closed lists and their texts: long by nature, short per entry.
ALLOWED_FILES = {"src/domain/classification.rs"}

FN = re.compile(r"^(\s*)(pub(\([a-z]+\))? )?(async )?fn ([a-z_0-9]+)")


def code_lines(text):
    """The file's lines up to its test module."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("#[cfg(test)]"):
            return lines[:i]
    return lines


def functions(lines):
    """(name, first line, length) of each function, by brace matching from its signature."""
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, started = 0, False
        for j in range(i, len(lines)):
            text = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j])
            text = re.sub(r"'(\\.|[^'\\])'", "''", text)
            text = text.split("//")[0]
            depth += text.count("{") - text.count("}")
            if "{" in text:
                started = True
            if started and depth <= 0:
                out.append((m.group(5), i + 1, j - i + 1))
                break
            if not started and text.rstrip().endswith(";"):
                break
    return out


def main():
    report = "--report" in sys.argv
    problems, longest_file, longest_fn = [], ("", 0), ("", "", 0)
    for path in sorted((ROOT / "src").rglob("*.rs")):
        rel = str(path.relative_to(ROOT))
        lines = code_lines(path.read_text())
        if len(lines) > longest_file[1]:
            longest_file = (rel, len(lines))
        if len(lines) > MAX_FILE and rel not in ALLOWED_FILES:
            problems.append(f"{rel}: {len(lines)} lines (at most {MAX_FILE})")
        for name, line, length in functions(lines):
            if length > longest_fn[2]:
                longest_fn = (rel, name, length)
            if length > MAX_FN:
                problems.append(f"{rel}:{line}: fn {name} is {length} lines (at most {MAX_FN})")
    for p in problems:
        print(p)
    if report or problems:
        print(f"longest file: {longest_file[0]} ({longest_file[1]} lines without tests)")
        print(f"longest function: {longest_fn[0]} {longest_fn[1]} ({longest_fn[2]} lines)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
