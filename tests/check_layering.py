#!/usr/bin/env python3
"""Checks that every #include follows the project's one direction of dependence:

    util  <-  trace  <-  workloads
                 ^
                 +---- models/arch  <-  models (SystemC)  <-  sim

A file may include headers of its own layer and of the layers it depends on, never
the other way. models/arch (the hardware description) includes no SystemC, TLM,
yaml-cpp or Eigen header; the trace format includes no Eigen; nothing under models/
includes yaml-cpp. Quoted includes are resolved by file name, which must therefore be
unique across the tree. Exits 1, listing every violation, when the rule is broken.

    tests/check_layering.py [SOURCE_DIR]
"""
import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))

# Layer of a file, from its directory (first match wins).
LAYERS = [
    ("workloads/util/", "util"),
    ("workloads/trace/", "trace"),
    ("workloads/", "workloads"),
    ("models/arch/", "arch"),
    ("models/", "models"),
    ("sim/", "sim"),
    ("tests/", "tests"),
]
MAY_INCLUDE = {
    "util": {"util"},
    "trace": {"util", "trace"},
    "workloads": {"util", "trace", "workloads"},
    "arch": {"util", "trace", "arch"},
    "models": {"util", "trace", "arch", "models"},
    "sim": {"util", "trace", "workloads", "arch", "models", "sim"},
    "tests": {"util", "trace", "workloads", "arch", "models", "sim", "tests"},
}
# System headers a layer must not use (prefixes of the <...> name).
FORBIDDEN_SYSTEM = {
    "util": ("systemc", "sysc", "tlm", "yaml-cpp", "Eigen"),
    "trace": ("systemc", "sysc", "tlm", "yaml-cpp", "Eigen"),
    "arch": ("systemc", "sysc", "tlm", "yaml-cpp", "Eigen"),
    "models": ("yaml-cpp", "Eigen"),
}
SOURCE = re.compile(r".*\.(h|hpp|cpp|cc)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(rel):
    for prefix, name in LAYERS:
        if rel.startswith(prefix):
            return name
    return None


def main():
    files = []
    for top in ("workloads", "models", "sim", "tests"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, top)):
            for n in names:
                if SOURCE.match(n):
                    files.append(os.path.relpath(os.path.join(dirpath, n), ROOT))
    headers = {}
    problems = []
    for rel in files:
        if rel.endswith((".h", ".hpp")) and not rel.startswith("tests/"):
            base = os.path.basename(rel)
            if base in headers:
                problems.append(f"header name '{base}' is not unique: {headers[base]} and {rel}")
            headers[base] = rel
    for rel in sorted(files):
        layer = layer_of(rel)
        with open(os.path.join(ROOT, rel), encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                if kind == "<":
                    for bad in FORBIDDEN_SYSTEM.get(layer, ()):
                        if name.startswith(bad):
                            problems.append(f"{rel}:{lineno}: the {layer} layer must not include <{name}>")
                    if "/" in name:
                        continue  # a library's header (<fmt/format.h>, <tlm_utils/...>)
                target = headers.get(os.path.basename(name))
                if target is None:
                    if kind == '"' and not rel.startswith("tests/"):
                        problems.append(f"{rel}:{lineno}: \"{name}\" is not a header of the project")
                    continue
                to = layer_of(target)
                if to not in MAY_INCLUDE[layer]:
                    problems.append(f"{rel}:{lineno}: the {layer} layer includes \"{name}\" ({target}, "
                                    f"{to} layer); {layer} may include only {', '.join(sorted(MAY_INCLUDE[layer]))}")
    if problems:
        print("include direction violated:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        return 1
    print(f"include direction holds over {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
