#!/usr/bin/python3
"""Measures which fraction of real PyPI versions each packed-version layout can hold.

A layout gives bit widths to release[0..3] and to the suffix number; 3 bits go to the suffix
kind, and the widths sum to 64. A version packs when it has epoch 0, at most 4 release
segments (more are fine if they are zeros), at most one of pre/post/dev, no local label, and
every number fits its field. Reads version strings, one per line (see version_throughput.sh
for how the corpus is extracted). Usage: version_layout.py build/versions-all.txt
"""
import collections
import itertools
import sys

from packaging.version import InvalidVersion, Version


def bits(n):
    return n.bit_length()


def main():
    total = invalid = 0
    shapes = collections.Counter()  # (b0, b1, b2, b3, bn) -> count, for shape-packable versions
    for line in open(sys.argv[1], encoding="utf-8"):
        total += 1
        try:
            v = Version(line.rstrip("\n"))
        except InvalidVersion:
            invalid += 1
            continue
        n_suffix = (v.pre is not None) + (v.post is not None) + (v.dev is not None)
        rel = list(v.release)
        if v.epoch != 0 or any(rel[4:]) or n_suffix > 1 or v.local is not None:
            continue
        rel = (rel + [0, 0, 0, 0])[:4]
        num = v.pre[1] if v.pre else (v.post if v.post is not None else (v.dev or 0))
        shapes[tuple(bits(r) for r in rel) + (bits(num),)] += 1
    valid = total - invalid
    shape_ok = sum(shapes.values())
    print(f"versions: {total}, valid PEP 440: {valid}, "
          f"shape-packable (ignoring widths): {shape_ok} ({100 * shape_ok / valid:.3f}%)")
    results = []
    for widths in itertools.product(range(8, 33, 2), range(4, 21, 2), range(4, 25, 2), range(2, 17, 2)):
        nbits = 64 - 3 - sum(widths)
        if nbits < 4 or nbits > 24:
            continue
        fits = sum(c for s, c in shapes.items()
                   if all(b <= w for b, w in zip(s[:4], widths)) and s[4] <= nbits)
        results.append((fits, widths, nbits))
    results.sort(reverse=True)
    for fits, widths, nbits in results[:15]:
        print(f"{'/'.join(map(str, widths))} + 3 + {nbits:2d}: {100 * fits / valid:7.3f}% of valid versions")
    for widths, nbits in [((16, 16, 16, 8), 5), ((16, 12, 16, 8), 9)]:
        fits = sum(c for s, c in shapes.items()
                   if all(b <= w for b, w in zip(s[:4], widths)) and s[4] <= nbits)
        print(f"reference {'/'.join(map(str, widths))} + 3 + {nbits}: {100 * fits / valid:7.3f}%")


main()
