#!/usr/bin/env python3
"""Fails when a crate's modules import each other in a circle.

Every `.rs` file under a crate's `src/` is one module (`lib.rs` is the root, `a/mod.rs` is `a`). An edge A -> B is any
path in A's code (a `use` tree or an inline path) that names an item of B: `crate::b::..`, `super::..`, `self::..` or
a child module declared in A. The path is resolved to the deepest file module it reaches, so `crate::store::users::X`
is an edge to `store/users.rs`, while `crate::store::Store` is an edge to `store/mod.rs`. A parent re-exporting its
child (`pub use child::X`) is an edge parent -> child like any other, so a child reaching back into its parent closes
a circle too. `#[cfg(test)]` modules are not part of the shipped graph and are ignored.

For the service crate (a `src/` holding `domain/`), the layers of DESIGN.md §19 are checked too: imports point
down, never up (LAYERS below says what each layer may not import).

Usage: module_cycles.py CRATE_SRC_DIR... ; prints every circle (strongly connected component) and every upward
import, and exits 1 if there is any.
"""

import re
import sys
from pathlib import Path


def strip_comments_and_strings(text: str) -> str:
    # Raw strings, normal strings, char literals (not lifetimes), line and block comments.
    pattern = re.compile(
        r'r(#*)"(?:.|\n)*?"\1'
        r'|"(?:\\.|[^"\\])*"'
        r"|'(?:\\.|[^'\\])'"
        r"|//[^\n]*"
        r"|/\*(?:.|\n)*?\*/"
    )
    return pattern.sub(lambda m: " " if not m.group(0).startswith("//") else "", text)


def strip_test_modules(text: str) -> str:
    """Removes `#[cfg(test)] mod name { ... }` blocks (brace matched)."""
    out = []
    i = 0
    marker = re.compile(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{")
    while True:
        m = marker.search(text, i)
        if not m:
            out.append(text[i:])
            break
        out.append(text[i : m.start()])
        depth = 1
        j = m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        i = j
    return "".join(out)


def expand_use_tree(tree: str) -> list[str]:
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    results = []

    def split_top(s: str) -> list[str]:
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        return parts

    def walk(prefix: str, s: str):
        brace = s.find("{")
        if brace == -1:
            results.append(prefix + s)
            return
        head = s[:brace]
        inner = s[brace + 1 : s.rfind("}")]
        for part in split_top(inner):
            walk(prefix + head, part)

    walk("", tree)
    return [r.rstrip(":") for r in results if r]


class Crate:
    def __init__(self, src: Path):
        self.src = src
        self.modules: dict[tuple[str, ...], Path] = {}
        for path in sorted(src.rglob("*.rs")):
            rel = path.relative_to(src).with_suffix("")
            parts = list(rel.parts)
            if parts[-1] in ("mod", "lib", "main"):
                parts = parts[:-1]
            if path.name == "main.rs" and path.parent == src:
                continue  # the binary is its own crate root
            self.modules[tuple(parts)] = path

    def resolve(self, segments: list[str]) -> tuple[str, ...] | None:
        for n in range(len(segments), -1, -1):
            if tuple(segments[:n]) in self.modules:
                return tuple(segments[:n])
        return None

    def edges(self):
        for module, path in self.modules.items():
            text = strip_test_modules(strip_comments_and_strings(path.read_text()))
            children = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, re.M))
            paths = []
            for m in re.finditer(r"\buse\s+([^;]+);", text):
                paths.extend(expand_use_tree(m.group(1)))
            for m in re.finditer(r"(?<![\w:])((?:crate|super|self)(?:::\w+)+)", text):
                paths.append(m.group(1))
            for child in children:  # a child module named inline: `keyring::load(..)`
                for m in re.finditer(rf"(?<![\w:]){child}((?:::\w+)+)", text):
                    paths.append(child + m.group(1))
            for p in paths:
                segs = [s for s in p.split("::") if s]
                if not segs:
                    continue
                if segs[0] == "crate":
                    absolute = segs[1:]
                elif segs[0] in ("super", "self"):
                    base = list(module)
                    while segs and segs[0] in ("super", "self"):
                        if segs[0] == "super":
                            base = base[:-1]
                        segs = segs[1:]
                    absolute = base + segs
                elif segs[0] in children:
                    absolute = list(module) + segs
                else:
                    continue  # another crate
                target = self.resolve(absolute)
                if target is not None and target != module:
                    yield module, target


def strongly_connected(nodes, graph):
    index, low, stack, on_stack, result = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            result.append(component)

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            visit(v)
    return result


SURFACES = ("oauth", "pages", "admin", "http")
WIRING = ("app", "cli", "state")
# layer (first path segment) -> first segments it must never import
LAYERS = {
    "values": ("store", "domain", "infra", *SURFACES, *WIRING, "config"),
    "store": ("domain", "infra", *SURFACES, *WIRING),
    "domain": (*SURFACES, *WIRING),
    "infra": (*SURFACES, *WIRING),
    "state": (*SURFACES, "app", "cli"),
    **{surface: ("app", "cli") for surface in SURFACES},
}


def upward_imports(graph):
    for a, targets in graph.items():
        forbidden = LAYERS.get(a[0] if a else "", ())
        for b in targets:
            if b and b[0] in forbidden:
                yield a, b


def name(module: tuple[str, ...]) -> str:
    return "crate" if not module else "::".join(module)


def main() -> int:
    failed = False
    for src in sys.argv[1:] or ["src"]:
        crate = Crate(Path(src))
        graph: dict = {}
        for a, b in crate.edges():
            graph.setdefault(a, set()).add(b)
        circles = [c for c in strongly_connected(list(crate.modules), graph) if len(c) > 1]
        for circle in circles:
            failed = True
            members = set(circle)
            print(f"{src}: import circle of {len(circle)} modules:")
            for m in sorted(circle):
                inside = sorted(name(t) for t in graph.get(m, ()) if t in members)
                print(f"  {name(m)} -> {', '.join(inside)}")
        upward = []
        if crate.resolve(["domain"]) == ("domain",):
            upward = sorted(upward_imports(graph))
            for a, b in upward:
                failed = True
                print(f"{src}: upward import: {name(a)} -> {name(b)}")
        edges = sum(len(v) for v in graph.values())
        print(f"{src}: {len(crate.modules)} modules, {edges} import edges, {len(circles)} circles, {len(upward)} upward imports")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
