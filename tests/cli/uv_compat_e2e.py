#!/usr/bin/python3
"""`resolve` against `uv pip compile`: uv's own expected outputs, compared line by line.

usage: uv_compat_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR

Three parts:

1. uv's compile scenario snapshots (data/uv-scenarios/expectations.json,
   `pip/pip_compile_scenarios.rs`): each packse scenario becomes a tree (`make-index --scenario`),
   `resolve` runs with the test's flags, and its whole stdout and stderr must equal uv's.
2. The explanations of the unsatisfiable `pip/pip_install_scenarios.rs` snapshots: our stderr
   for the same scenario and flags against uv's, line by line, printed as a table. The common
   failures (COMMON: an absent project, an absent version, a Python too old, conflicting pins,
   an unsatisfiable extra) must match; the others have a floor of exact matches and a reason for
   each remaining difference (KNOWN).
3. uv's `pip_compile.rs` tests whose inputs are plain index requirements, adapted to the bundled
   2023-09 PyPI snapshot: one file per test under tests/cli/uv_compat/ (format below), run over
   a tree of the snapshot's projects they reach.

Normalisation, applied before comparing (and nothing else):
- uv: `--cache-dir [CACHE_DIR]` is dropped from the header (we leave `--cache-dir` out of it, a
  documented difference), `uv pip compile` reads `resolve` and "by uv via" reads "by pyresolve
  via"; the warning that uv's test machine lacks the requested interpreter ("The requested
  Python version 3.11 is not available; 3.9.[X] will be used to build dependencies instead.") is
  dropped, since it is about the machine the snapshot was taken on.
- uv, part 2: `pip install` names its interpreter as "the current Python version (3.9.[X])" where
  `pip compile --python-version 3.9` says "the requested Python version (>=3.9)": the latter is
  what we run, so the former is read as it; and our hint about `--python-version`, which pip
  install has not, is dropped.
- ours: durations read `[TIME]`, the work folder reads `[TEMP_DIR]`, the tree's URL reads
  `[INDEX]`, and the target flags this script adds (`--python-version X --python-platform P`,
  standing for the interpreter of uv's test context) are dropped from the header.

A case file of part 3 is made of sections, each opened by a line `=== NAME [ARG]`:
    # uv: pip_compile.rs::<test>            (first line: where it comes from)
    # <why the versions differ from uv's>   (more comment lines)
    === file requirements.in                 (a file written in the work folder; repeatable)
    === stdin requirements.in                (a file given as standard input)
    === index scenario:DIR/NAME.toml         (the tree: a packse scenario; default: the snapshot)
    === command                              (uv's arguments after `uv pip compile`, shell words)
    === known                                (why we differ on purpose: the case is listed, not failed)
    === expected                             (uv's snapshot, versions adapted)
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import tomllib

from index_trees import index_trees, read

BIN, SRC, FIXTURES = (os.path.abspath(a) for a in sys.argv[1:4])
RESOLVE = os.path.join(BIN, "resolve")
MAKE_INDEX = os.path.join(BIN, "make-index")
SCENARIOS = os.path.join(SRC, "data", "uv-scenarios")
CASES = os.path.join(SRC, "tests", "cli", "uv_compat")
SNAPSHOT = os.path.join(SRC, "data", "pypi-snapshot-2023-09.jsonl.zst")
PLATFORM = "x86_64-manylinux_2_28"  # uv's snapshots come from x86_64 Linux

# The projects part 3 needs: these and what their versions require (extras only where named).
SNAPSHOT_ROOTS = ["anyio", "flask[dotenv]", "black", "iniconfig", "httpcore", "sortedcontainers",
                  "typing-extensions", "tomli"]

# Part 2: the unsatisfiable install scenarios whose explanation must match uv's exactly.
COMMON = {
    # an absent project
    "backtrack_to_missing_package",
    # an absent version
    "requires_greater_version_does_not_exist", "requires_less_version_does_not_exist",
    "post_equal_not_available", "post_simple", "post_greater_than", "post_less_than",
    # a Python too old
    "python_greater_than_current",
    # conflicting pins
    "direct_incompatible_versions", "transitive_incompatible_with_root_version",
    "transitive_incompatible_with_transitive",
    # an unsatisfiable extra
    "extra_incompatible_with_root", "extra_incompatible_with_extra",
}
# Part 2: at least this many explanations equal uv's (a regression guard).
MIN_EXPLANATION_MATCHES = 19

# Where we differ from uv knowingly: the reason, printed beside the case.
FOLDED = ("we fold the versions that cannot be used into one fact with the reason in parentheses "
          "(\"there are no usable versions of a (some versions in range are yanked)\"); uv states each "
          "version's own (\"a==1.0.0 was yanked\", \"has no wheels with a matching platform tag\") and "
          "derives from it")
LISTS = ("uv writes a union of ranges as an indented list (\"one of:\", \"all of:\"), one range a line; "
         "we write it on one line with `|`")
KNOWN = {
    # part 2
    "dependency_excludes_non_contiguous_range_of_compatible_versions":
        "our solver derives the conflict from c's two dependencies on a first, uv's from a's on b; "
        "and " + LISTS,
    "dependency_excludes_range_of_compatible_versions":
        "our solver derives the conflict from c's two dependencies on a first, uv's from a's on b; "
        "and " + LISTS,
    "excluded_only_compatible_version": LISTS,
    "excluded_only_version": LISTS,
    "post_local_greater_than_post":
        "a>1.2.3.post1 leaves out 1.2.3.post1+local (PEP 440), so the versions left reach it; uv prints "
        "the requirement's own bound",
    "python_greater_than_current_excluded":
        "versions that need a newer Python are one fact over their range here (a>=2.0.0); uv has one per "
        "version, each with its Requires-Python",
    "canonical_empty_requirement":
        "a requirement that allows no version at all is not told apart from one that no version meets",
    "equivalent_dependency_ranges":
        "`c<=1.0` and `c<1.0.post0.dev0` are the same set, but our solver compares them as written, so a's "
        "two versions are two facts where uv has one",
    "no_sdist_no_wheels_with_matching_abi": FOLDED,
    "no_sdist_no_wheels_with_matching_platform": FOLDED,
    "no_sdist_no_wheels_with_matching_python": FOLDED,
    "no_wheels_no_build": FOLDED,
    "package_only_yanked": FOLDED,
    "transitive_package_only_yanked_in_range": FOLDED,
    "transitive_yanked_and_unyanked_dependency": FOLDED,
    # part 1
    "lowest_fork_min_python":
        "uv also forks where a marker raises a direct lower bound under --resolution lowest; we do not "
        "(as in run_scenarios.py)",
    "lowest_direct_fork_min_python":
        "uv also forks where a marker raises a direct lower bound under lowest-direct; we do not "
        "(as in run_scenarios.py)",
}


def normalise_uv(text):
    text = text.replace(" --cache-dir [CACHE_DIR]", "")
    text = text.replace("#    uv pip compile", "#    resolve")
    text = text.replace("autogenerated by uv via", "autogenerated by pyresolve via")
    text = re.sub(r"warning: The requested Python version \S+ is not available; \S+ will be used to build "
                  r"dependencies instead\.\n", "", text)
    return text


def normalise_ours(text, work, index_url, added):
    text = re.sub(r"\bin \d+(\.\d+)?(ms|s|µs)\b", "in [TIME]", text)
    if index_url:
        text = text.replace(index_url, "[INDEX]")
    if work:
        text = text.replace(os.path.realpath(work), "[TEMP_DIR]").replace(work, "[TEMP_DIR]")
    if added:
        text = text.replace("#    resolve " + " ".join(added) + " ", "#    resolve ", 1)
        text = text.replace("#    resolve " + " ".join(added) + "\n", "#    resolve\n", 1)
    return text


def snapshot_text(code, stdout, stderr):
    """Our run in the shape of uv's snapshots (an empty section is left out)."""
    word = {0: "success", 1: "failure"}.get(code, "error")
    out = f"exit_code: {code} ({word})\n"
    if stdout:
        out += "----- stdout -----\n" + stdout + "\n"
    if stderr:
        out += "----- stderr -----\n" + stderr
    return out


def first_difference(expected, actual):
    """"" when equal line by line (trailing blank lines aside), else where they part."""
    e = expected.rstrip("\n").split("\n")
    a = actual.rstrip("\n").split("\n")
    for i in range(max(len(e), len(a))):
        le = e[i] if i < len(e) else "<end>"
        la = a[i] if i < len(a) else "<end>"
        if le != la:
            return f"line {i + 1}:\n      uv:   {le!r}\n      ours: {la!r}"
    return ""


def run_resolve(args, work, index_url, python, env_extra=None, stdin=None):
    """resolve ARGS in `work`, over `index_url`; the target flags this adds are returned too."""
    added = []
    if not any(a == "--python-version" or a.startswith("--python-version=") for a in args):
        added += ["--python-version", python]
    if not any(a == "--python-platform" or a.startswith("--python-platform=") for a in args):
        added += ["--python-platform", PLATFORM]
    env = dict(os.environ, PYRESOLVE_INDEX_URL=index_url, PYRESOLVE_CACHE_DIR=os.path.join(work, ".cache"),
               NO_COLOR="1")
    env.pop("PYRESOLVE_CUSTOM_COMPILE_COMMAND", None)
    env.pop("PYRESOLVE_OFFLINE", None)
    env.update(env_extra or {})
    res = subprocess.run([RESOLVE, *added, *args], cwd=work, env=env, capture_output=True, text=True,
                         stdin=open(stdin) if stdin else subprocess.DEVNULL, timeout=120)
    return res, added


def scenario_tree(scenario, out):
    subprocess.run([MAKE_INDEX, "-q", "--scenario", os.path.join(SCENARIOS, "scenarios", scenario), "--out", out],
                   check=True)
    return "file://" + os.path.join(out, "simple")


def scenario_requirements(e):
    """The requirements and flags of a scenario test: its arguments, else the scenario's root."""
    with open(os.path.join(SCENARIOS, "scenarios", e["scenario"]), "rb") as f:
        toml = tomllib.load(f)
    reqs = [a for a in e["args"] if not a.startswith("-")]
    flags = []
    args = list(e["args"])
    i = 0
    while i < len(args):
        if args[i] in ("--only-binary", "--no-binary"):
            flags += args[i:i + 2]
            reqs.remove(args[i + 1])
            i += 2
            continue
        if args[i].startswith("-"):
            flags.append(args[i])
        i += 1
    return reqs or list(toml.get("root", {}).get("requires", [])), flags


def resolve_scenario(tmp, prefix, e):
    """The scenario's index tree and requirements file in a folder of its own, resolved with its
    flags: (folder, index URL, the run, the flags the script added)."""
    work = os.path.join(tmp, prefix + e["test"])
    os.makedirs(work)
    url = scenario_tree(e["scenario"], os.path.join(work, ".tree"))
    reqs, flags = scenario_requirements(e)
    with open(os.path.join(work, "requirements.in"), "w") as f:
        f.write("".join(r + "\n" for r in reqs))
    res, added = run_resolve(["requirements.in", *flags], work, url, e.get("python", "3.12"))
    return work, url, res, added


# Part 1 ---------------------------------------------------------------------------------------
def compile_scenarios(tmp):
    with open(os.path.join(SCENARIOS, "expectations.json")) as f:
        expectations = json.load(f)["pip/pip_compile_scenarios.rs"]
    rows = []
    for e in expectations:
        work, url, res, added = resolve_scenario(tmp, "compile-", e)
        ours = normalise_ours(snapshot_text(res.returncode, res.stdout, res.stderr), work, url, added)
        rows.append((e["test"], first_difference(normalise_uv(e["snapshots"][0]), ours)))
    return rows


# Part 2 ---------------------------------------------------------------------------------------
def install_explanations(tmp):
    with open(os.path.join(SCENARIOS, "expectations.json")) as f:
        expectations = json.load(f)["pip/pip_install_scenarios.rs"]
    rows = []
    for e in expectations:
        snap = e["snapshots"][0] if e["snapshots"] else ""
        if "No solution found" not in snap:
            continue
        python = e.get("python", "3.12")
        work, url, res, added = resolve_scenario(tmp, "install-", e)
        # pip install's target is its interpreter ("the current Python version (3.9.[X])");
        # ours is the --python-version this script gives, which reads as pip compile's does.
        theirs = re.sub(r"the current Python version \([^)]*\)", f"the requested Python version (>={python})",
                        normalise_uv(snap.split("----- stderr -----\n", 1)[1]))
        ours = normalise_ours(res.stderr, work, url, added)
        # Nor has pip install a --python-version to give a hint about.
        ours = re.sub(r"\n\nhint: The `--python-version` value [^\n]*\n$", "\n", ours)
        if res.returncode != 1:
            rows.append((e["test"], f"exit {res.returncode}: {res.stderr.strip()[:200]}"))
            continue
        rows.append((e["test"], first_difference(theirs, ours)))
    return rows


# Part 3 ---------------------------------------------------------------------------------------
def parse_case(path):
    case = {"files": [], "stdin": None, "index": None, "command": [], "known": None, "expected": "",
            "origin": ""}
    section = None
    body = []

    def close():
        if section is None:
            return
        kind, _, arg = section.partition(" ")
        text = "".join(body)
        if kind == "file":
            case["files"].append((arg, text))
        elif kind == "stdin":
            case["files"].append((arg, text))
            case["stdin"] = arg
        elif kind == "index":
            case["index"] = arg
        elif kind == "command":
            case["command"] = shlex.split(text)
        elif kind == "known":
            case["known"] = " ".join(text.split())
        elif kind == "expected":
            case["expected"] = text
        else:
            raise ValueError(f"{path}: unknown section {kind}")

    with open(path) as f:
        lines = f.readlines()
    if not lines[0].startswith("# uv: "):
        raise ValueError(f"{path}: the first line names the uv test")
    case["origin"] = lines[0][len("# uv: "):].strip()
    for line in lines:
        if line.startswith("=== "):
            close()
            section, body = line[4:].strip(), []
        elif section is not None:
            body.append(line)
    close()
    return case


def snapshot_universe(trees):
    """The universe of the snapshot projects SNAPSHOT_ROOTS reach, built once under the fixtures."""
    path = os.path.join(FIXTURES, "uv-compat-universe.json")
    stamp = path + ".roots"
    wanted = json.dumps(SNAPSHOT_ROOTS)
    if not (os.path.exists(path) and os.path.exists(stamp) and read(stamp) == wanted):
        os.makedirs(FIXTURES, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="pyresolve-uv-compat-") as t:
            full = os.path.join(t, "closure.json")
            subprocess.run([MAKE_INDEX, "-q", "--snapshot", SNAPSHOT, "--closure-of", ";".join(SNAPSHOT_ROOTS),
                            "--dry-run", "--out", os.path.join(t, "tree"), "--emit-universe", full], check=True)
            with open(full) as f:
                everything = json.load(f)["packages"]
        with open(path + ".tmp", "w") as f:
            json.dump({"packages": reachable(everything, SNAPSHOT_ROOTS)}, f, sort_keys=True)
        os.replace(path + ".tmp", path)
        with open(stamp, "w") as f:
            f.write(wanted)
    return trees.build_index("uv-compat-snapshot", "--universe", path, key=read(stamp))


def reachable(universe, roots):
    """The projects of `universe` that `roots` reach through every version's requirements,
    following an extra's requirements only where the extra is asked for."""
    def norm(name):
        return re.sub(r"[-_.]+", "-", name).lower()

    def parse(req):
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(?:\[([^\]]*)\])?", req)
        return norm(m.group(1)), {norm(x) for x in (m.group(2) or "").split(",") if x.strip()}

    extras_of = {}
    todo = [parse(r) for r in roots]
    while todo:
        name, extras = todo.pop()
        if name in extras_of and extras <= extras_of[name]:
            continue
        extras_of.setdefault(name, set()).update(extras)
        for meta in universe.get(name, {}).values():
            for req in meta.get("requires_dist", []):
                marker = req.split(";", 1)[1] if ";" in req else ""
                extra = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
                if extra and norm(extra.group(1)) not in extras_of[name]:
                    continue
                todo.append(parse(req))
    return {n: universe[n] for n in sorted(extras_of) if n in universe}


def adapted_tests(tmp, trees):
    snapshot_url = "file://" + os.path.join(snapshot_universe(trees), "simple")
    rows = []
    for name in sorted(os.listdir(CASES)):
        if not name.endswith(".txt"):
            continue
        case = parse_case(os.path.join(CASES, name))
        work = os.path.join(tmp, "adapted-" + name[:-4])
        os.makedirs(work)
        url = snapshot_url
        if case["index"]:
            kind, _, arg = case["index"].partition(":")
            assert kind == "scenario", case["index"]
            url = scenario_tree(arg, os.path.join(work, ".tree"))
        for file_name, text in case["files"]:
            with open(os.path.join(work, file_name), "w") as f:
                f.write(text)
        args = [a.replace("[INDEX]", url).replace("[TEMP_DIR]", work) for a in case["command"]]
        res, added = run_resolve(args, work, url, "3.12",
                                 stdin=os.path.join(work, case["stdin"]) if case["stdin"] else None)
        ours = normalise_ours(snapshot_text(res.returncode, res.stdout, res.stderr), work, url, added)
        diff = first_difference(normalise_uv(case["expected"]), ours)
        rows.append((f"{name[:-4]} ({case['origin']})", diff, case["known"]))
    return rows


def main():
    started = time.monotonic()
    trees = index_trees(MAKE_INDEX, FIXTURES)
    failed = []
    with tempfile.TemporaryDirectory(prefix="pyresolve-uv-compat-") as tmp:
        print("== part 1: uv's compile scenario snapshots")
        rows = compile_scenarios(tmp)
        for test, diff in rows:
            known = KNOWN.get(test)
            print(f"  {'match' if not diff else 'known' if known else 'DIFFER':6} {test}")
            if diff:
                print("      " + (f"(known: {known}) " if known else "") + diff)
                if not known:
                    failed.append(test)
        print(f"  {sum(1 for _, d in rows if not d)} of {len(rows)} match")

        print("\n== part 2: explanations of uv's unsatisfiable install scenarios")
        rows = install_explanations(tmp)
        matches = 0
        for test, diff in rows:
            known = KNOWN.get(test)
            matches += not diff
            mark = "match" if not diff else "known" if known and test not in COMMON else "DIFFER"
            print(f"  {mark:6} {test}{'  [common]' if test in COMMON else ''}")
            if diff:
                print("      " + (f"(known: {known}) " if known else "") + diff)
                if test in COMMON or not known:
                    failed.append(test)
        print(f"  {matches} of {len(rows)} explanations equal uv's (floor {MIN_EXPLANATION_MATCHES})")
        if matches < MIN_EXPLANATION_MATCHES:
            failed.append(f"fewer than {MIN_EXPLANATION_MATCHES} explanations match")

        print("\n== part 3: uv's pip_compile.rs tests over the 2023-09 snapshot")
        rows = adapted_tests(tmp, trees)
        for origin, diff, known in rows:
            print(f"  {'match' if not diff else 'known' if known else 'DIFFER':6} {origin}")
            if diff:
                print("      " + (f"(known: {known}) " if known else "") + diff)
                if not known:
                    failed.append(origin)
            elif known:
                print("      matches now: drop its `=== known` section")
                failed.append(origin)
        print(f"  {sum(1 for _, d, _ in rows if not d)} of {len(rows)} match")
    print(f"\n{time.monotonic() - started:.1f}s")
    if failed:
        print("FAILED: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
