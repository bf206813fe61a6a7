#!/usr/bin/python3
"""Differential test of pyresolve's packaging core against Python's `packaging`.

Generates --cases random inputs (seeded), asks `packaging` and the C++ driver the same
questions, and fails listing every disagreement. Run with Debian's /usr/bin/python3.
"""
import argparse
import subprocess
import sys
import time

import gen_cases


def packaging_raised(kind, want, got):
    """packaging 23.0 raises InvalidVersion from SpecifierSet.contains when a `===` operand is
    not a PEP 440 version (its `prereleases` property parses every operand). That is a bug of
    packaging, not a rule: there we only require the same normalized specifier text."""
    if kind != "spec" or not want.endswith("\terror"):
        return False
    return got.rsplit("\t", 3)[0] == want.rsplit("\t", 1)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--driver", required=True, help="path to the packaging_oracle binary")
    parser.add_argument("--cases", type=int, default=120000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--show", type=int, default=40, help="disagreements to print")
    args = parser.parse_args()

    started = time.monotonic()
    cases, expected = [], []
    for line, answer in gen_cases.generate(args.seed, args.cases):
        cases.append(line)
        expected.append(answer)
    generated = time.monotonic()

    envs = "\n".join("env\t" + "\t".join(env[var] for var in gen_cases.MARKER_VARS)
                     for env in gen_cases.ENVIRONMENTS)
    proc = subprocess.run([args.driver], input=envs + "\n" + "\n".join(cases) + "\n",
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"driver failed with exit code {proc.returncode}:\n{proc.stderr[-4000:]}")
        return 1
    actual = proc.stdout.split("\n")
    if actual and actual[-1] == "":
        actual.pop()
    if len(actual) != len(cases):
        print(f"driver answered {len(actual)} lines for {len(cases)} cases")
        return 1

    kinds = {}
    failures = []
    tolerated = 0
    for case, want, got in zip(cases, expected, actual):
        kind = case.split("\t", 1)[0]
        total, bad = kinds.get(kind, (0, 0))
        if kind == "spec" and want.endswith("\t-") and got.startswith("ok\t"):
            got = got.rsplit("\t", 1)[0] + "\t-"  # ranges not required to be exact here
        if want != got and packaging_raised(kind, want, got):
            tolerated += 1
        elif want != got:
            failures.append((case, want, got))
            bad += 1
        kinds[kind] = (total + 1, bad)
    summary = ", ".join(f"{k}: {t - b}/{t}" for k, (t, b) in sorted(kinds.items()))
    print(f"{len(cases)} cases (seed {args.seed}) in {time.monotonic() - started:.1f}s "
          f"(generation {generated - started:.1f}s); agreement {summary}; "
          f"{tolerated} spec cases where packaging 23.0 raises on a non-version `===` operand")
    for case, want, got in failures[: args.show]:
        print(f"DISAGREE {case!r}\n  packaging: {want!r}\n  pyresolve: {got!r}")
    if failures:
        print(f"{len(failures)} disagreements")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
