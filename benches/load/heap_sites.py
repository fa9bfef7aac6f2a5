#!/usr/bin/env python3
"""Heap growth per allocation site between two massif detailed snapshots, per session.

    heap_sites.py BEFORE.massif AFTER.massif SESSIONS

Each allocation's bytes are credited to the first frame of its stack that is not the allocator,
a generic container or tokio's task machinery (the code that asked for it), shown with its
two callers. Prints
the sites whose growth is at least 8 bytes per session, largest first, and the total.
"""

import re
import sys
from collections import defaultdict

FRAME = re.compile(r"^(?:0x[0-9A-Fa-f]+: )?(.*?)(?: \(([^()]*)\))?$")
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")
# Frames that only pass an allocation on: the allocator, std's containers and smart pointers,
# generic collections and buffers, and tokio's task machinery (credited to the spawner).
GENERIC_NAME = re.compile(
    r"^(UnknownInlinedFun|malloc|calloc|realloc|operator new|__rust|__rdl|"
    r"alloc|allocate|alloc_impl\w*|box_new\w*|new|new_in|with_capacity\w*|reserve\w*|grow\w*|"
    r"finish_grow|try_allocate_in|push\w*|insert\w*|extend\w*|clone\w*|from|into|to_vec|"
    r"to_owned|collect|call_once|bind|new_task|spawn\w*|\{closure#\d+\})$"
)
GENERIC_FILE = re.compile(r"^(library/|src/runtime/task/|src/raw/|src/bytes|src/map)")


def without_generics(name):
    """`f<a<b>, c>::g<d>` -> `f::g`."""
    out, depth = [], 0
    for char in name:
        depth += char == "<"
        if depth == 0:
            out.append(char)
        depth -= char == ">" and depth > 0
    return "".join(out)


def frame(description):
    """(short name, place) of a massif tree line's code location."""
    match = FRAME.match(description)
    name, place = without_generics(match.group(1)), match.group(2) or ""
    return re.sub(r"::h[0-9a-f]{16}$", "", name), place


def is_generic(name, place):
    """Whether a frame only passes the allocation on."""
    last = name.rsplit("::", 1)[-1]
    return bool(GENERIC_NAME.match(last) or GENERIC_FILE.match(place)) or not place


def sites(path):
    """Bytes per credited site (the first frame that is not generic, and its two callers) in the
    last snapshot of a massif file."""
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("heap_tree="))
    credited = defaultdict(int)
    stack = []
    for line in lines[start + 1 :]:
        match = NODE.match(line)
        if not match:
            break
        depth, children, size = len(match.group(1)), int(match.group(2)), int(match.group(3))
        del stack[depth:]
        stack.append(match.group(4))
        if children != 0 or depth == 0:
            continue
        if "below massif's threshold" in stack[-1]:
            credited["(allocations below the threshold)"] += size
            continue
        frames = [frame(text) for text in stack[1:]]
        chosen = [f"{name} ({place})" for name, place in frames if not is_generic(name, place)]
        credited[" <- ".join(chosen[:3]) or frames[-1][0]] += size
    return credited


def main():
    before, after, sessions = sites(sys.argv[1]), sites(sys.argv[2]), int(sys.argv[3])
    growth = {site: (after.get(site, 0) - before.get(site, 0)) / sessions for site in after}
    total = (sum(after.values()) - sum(before.values())) / sessions
    print(f"heap growth per session over {sessions} sessions: {total:.0f} B (massif: asked bytes)")
    for site, per in sorted(growth.items(), key=lambda item: -item[1]):
        if per >= 8:
            print(f"{per:8.0f} B  {site}")


if __name__ == "__main__":
    main()
