#!/usr/bin/env python3
"""Rujukan's layer check: every `crate::` or `super::` path in src/ points down the layer table of
docs/ARCHITECTURE.md ("Layers"), never up, and no two modules import each other, directly or
round a longer circle. Exit 1 with one line per offending import; `--graph` prints the edges.

A module is a file or folder directly under src/ (`services`, `db`, `web`…) and, inside a folder,
each of its children (`services::cases`, `services::handoffs`, `audit::chain`). A folder's mod.rs
is the folder's own module (its shared helpers); a child may use its parent's mod.rs, and the
parent may name its children (`mod x;`, `pub use x::…`), so that pair is not a circle.
"""
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "src")
DOC = os.path.join(ROOT, "docs", "ARCHITECTURE.md")


def layers():
    """`{top-level module: rank}` from the Layers table (rank 0 is the bottom)."""
    text = open(DOC, encoding="utf-8").read()
    section = text.split("## Layers", 1)[1]
    ranks = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|([^|]*)\|", line)
        if m:
            for name in re.findall(r"`([a-z_:]+)`", m.group(2)):
                ranks[name] = int(m.group(1))
        elif ranks and not line.startswith("|"):
            break
    return ranks


def rank(ranks, unit):
    """A unit's layer: its own row (`audit::chain`) or its top-level module's."""
    return ranks.get(unit, ranks[unit.split("::")[0]])


def module_of(path):
    """(top, unit) of a source file: `src/services/cases/intake.rs` -> ("services", "services::cases")."""
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    if rel[-1] == "mod":
        rel = rel[:-1]
    if rel in (["lib"], ["main"]):
        return None, None
    top = rel[0]
    unit = "::".join(rel[:2])
    return top, unit


def strip_tests(text):
    """The file without its `#[cfg(test)] mod tests { … }` (tests may reach anywhere)."""
    m = re.search(r"#\[cfg\(test\)\]\s*mod \w+ \{", text)
    return text[: m.start()] if m else text


def targets(path, text):
    """Every module a file's code names: crate::a::b and super:: paths."""
    rel = os.path.relpath(path, SRC)[:-3].split(os.sep)
    here = rel[:-1] if rel[-1] == "mod" else rel
    found = set()
    for m in re.finditer(r"\bcrate::([a-z_]+)(?:::([a-z_]+))?", text):
        found.add(tuple(x for x in m.groups() if x))
    for m in re.finditer(r"\b((?:super::)+)([a-z_]+)?", text):
        ups = m.group(1).count("super::")
        base = here[: len(here) - ups]
        parts = base + ([m.group(2)] if m.group(2) else [])
        if parts:
            found.add(tuple(parts[:2]))
    return found


def unit_of(parts):
    top = parts[0]
    folder = os.path.isdir(os.path.join(SRC, top))
    if folder and len(parts) > 1 and (
        os.path.isdir(os.path.join(SRC, top, parts[1]))
        or os.path.isfile(os.path.join(SRC, top, parts[1] + ".rs"))
    ):
        return top, f"{top}::{parts[1]}"
    return top, top


def main():
    ranks = layers()
    edges = defaultdict(set)
    problems = []
    for dirpath, _, files in os.walk(SRC):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            path = os.path.join(dirpath, name)
            top, unit = module_of(path)
            if top is None:
                continue
            if top not in ranks:
                problems.append(f"{top}: not in the Layers table of docs/ARCHITECTURE.md")
                continue
            text = strip_tests(open(path, encoding="utf-8").read())
            for parts in targets(path, text):
                to_top, to_unit = unit_of(parts)
                if to_unit == unit or to_top not in ranks:
                    continue
                mine, theirs = rank(ranks, unit), rank(ranks, to_unit)
                if theirs > mine:
                    problems.append(
                        f"{os.path.relpath(path, ROOT)}: {unit} (layer {mine}) uses "
                        f"{to_unit} (layer {theirs}), a higher layer"
                    )
                edges[unit].add(to_unit)
    for cycle in cycles(edges):
        problems.append("import circle: " + " -> ".join(cycle + [cycle[0]]))
    if "--graph" in sys.argv:
        for a in sorted(edges):
            print(a, "->", ", ".join(sorted(edges[a])))
    for p in sorted(set(problems)):
        print(p)
    sys.exit(1 if problems else 0)


def cycles(edges):
    """The strongly connected components with more than one module (Tarjan), ignoring the
    parent/child pair of a folder and its own child."""
    def related(a, b):
        return a.startswith(b + "::") or b.startswith(a + "::")

    graph = {a: {b for b in bs if not related(a, b)} for a, bs in edges.items()}
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


if __name__ == "__main__":
    main()
