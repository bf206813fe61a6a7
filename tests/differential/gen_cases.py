#!/usr/bin/python3
"""Generates random PEP 440 / PEP 508 inputs and the answers of Python's `packaging`.

Used by differential.py; run with Debian's /usr/bin/python3 so that `packaging` is the
python3-packaging package (23.0 on Debian 12). Every case is one tab-separated line;
inputs never contain tabs or newlines.
"""
import random
import re
import string

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)

MARKER_VARS = [  # order of pyresolve::packaging::marker_var, without `extra`
    "implementation_name", "implementation_version", "os_name", "platform_machine",
    "platform_python_implementation", "platform_release", "platform_system",
    "platform_version", "python_full_version", "python_version", "sys_platform",
]
ENVIRONMENTS = [
    dict(implementation_name="cpython", implementation_version="3.11.4", os_name="posix",
         platform_machine="x86_64", platform_python_implementation="CPython",
         platform_release="6.1.0", platform_system="Linux",
         platform_version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1", python_full_version="3.11.4",
         python_version="3.11", sys_platform="linux"),
    dict(implementation_name="cpython", implementation_version="3.8.10", os_name="nt",
         platform_machine="AMD64", platform_python_implementation="CPython",
         platform_release="10", platform_system="Windows", platform_version="10.0.19041",
         python_full_version="3.8.10", python_version="3.8", sys_platform="win32"),
    dict(implementation_name="pypy", implementation_version="7.3.12", os_name="posix",
         platform_machine="arm64", platform_python_implementation="PyPy",
         platform_release="22.6.0", platform_system="Darwin",
         platform_version="Darwin Kernel Version 22.6.0", python_full_version="3.12.0rc1",
         python_version="3.12", sys_platform="darwin"),
]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def chance(self, p):
        return self.r.random() < p

    def number(self):
        roll = self.r.random()
        if roll < 0.6:
            return str(self.r.randint(0, 12))
        if roll < 0.8:
            return str(self.r.randint(0, 300))
        if roll < 0.9:
            return "0" + str(self.r.randint(0, 99))  # leading zeros normalize away
        if roll < 0.97:
            return str(self.r.randint(0, 99999999))  # calendar versions and beyond
        # pyresolve keeps numbers in 64 bits and rejects larger ones (documented); stay inside.
        return str(self.r.randint(0, 2**64 - 1))

    def sep(self):
        return self.r.choice(["", ".", "-", "_"])

    def version(self, valid_only=False):
        r = self.r
        parts = []
        if self.chance(0.05):
            parts.append(r.choice(["v", "V"]))
        if self.chance(0.05):
            parts.append(self.number() + "!")
        parts.append(".".join(self.number() for _ in range(r.choice([1, 2, 2, 3, 3, 3, 4, 5]))))
        if self.chance(0.25):
            spelling = r.choice(["a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "A", "RC"])
            parts.append(self.sep() + spelling + (self.sep() + self.number() if self.chance(0.8) else ""))
        if self.chance(0.15):
            if self.chance(0.3):
                parts.append("-" + self.number())
            else:
                spelling = r.choice(["post", "rev", "r", "POST"])
                parts.append(self.sep() + spelling + (self.sep() + self.number() if self.chance(0.8) else ""))
        if self.chance(0.15):
            parts.append(self.sep() + r.choice(["dev", "DEV"]) + (self.number() if self.chance(0.8) else ""))
        if self.chance(0.1):
            segs = [r.choice([self.number(), "".join(r.choice("abcxyzUBUNTU0123") for _ in range(r.randint(1, 6)))])
                    for _ in range(r.randint(1, 3))]
            parts.append("+" + "".join(s + r.choice([".", "-", "_"]) for s in segs)[:-1])
        text = "".join(parts)
        if self.chance(0.03):
            text = " " + text + "\u0020"
        if not valid_only and self.chance(0.15):
            text = self.mutate(text)
        return text

    def mutate(self, text):
        r = self.r
        kind = r.randint(0, 4)
        pos = r.randint(0, len(text))
        if kind == 0:
            return text[:pos] + r.choice("-._+!*~@ abz/") + text[pos:]
        if kind == 1 and text:
            return text[:pos] + text[pos + 1:]
        if kind == 2:
            return text + r.choice([".", "-", "+", ".*", "-beta.1", "..1"])
        if kind == 3:
            return r.choice(["", "1.0.0-beta.1", "1..0", "1.0+", "1.0+a..b", "a1.0", "1.0-", "!1", "1!", "+abc"])
        return text.replace(".", r.choice(["..", ",", ""]), 1)

    def valid_version(self):
        while True:
            text = self.version(valid_only=True)
            try:
                Version(text)
                return text.strip()
            except InvalidVersion:
                pass

    def related_version(self, base):
        """A version near `base`, so comparisons exercise ties and suffix order."""
        r = self.r
        v = Version(base)
        release = list(v.release)
        if self.chance(0.3):
            release = release + [0] * r.randint(0, 2)
        if self.chance(0.3):
            i = r.randrange(len(release))
            release[i] = max(0, release[i] + r.choice([-1, 1]))
        text = ".".join(map(str, release))
        if v.epoch and not self.chance(0.2):
            text = f"{v.epoch}!" + text
        suffix = r.choice(["", "a1", "b2", "rc1", ".post1", ".dev0", "a1.dev2", ".post2.dev1", "rc1.post1",
                           "+local", "+1.a", "+abc.5", ".dev3+x"])
        return text + suffix

    def specifier_clause(self):
        r = self.r
        op = r.choice(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "==", ">=", "<"])
        v = self.valid_version() if self.chance(0.9) else self.version()
        if op in ("==", "!=") and self.chance(0.3):
            try:
                v = Version(v).public if self.chance(0.7) else v
            except InvalidVersion:
                pass
            v = v + ".*"
        if op == "===" and self.chance(0.3):
            v = r.choice(["foobar", "1.0.x", v.upper()])
        if op == "~=" and self.chance(0.3):
            v = v.split("+")[0]
        space = r.choice(["", " ", "  "])
        return op + space + v

    def specifier_set(self):
        return ",".join(self.r.choice(["", " "]) + self.specifier_clause() for _ in range(self.r.randint(1, 3)))

    def candidate_for(self, spec_text):
        pieces = re.findall(r"[0-9][0-9A-Za-z.!+_-]*", spec_text)
        if pieces and self.chance(0.7):
            try:
                return self.related_version(self.r.choice(pieces).rstrip(".").rstrip("*").rstrip("."))
            except InvalidVersion:
                pass
        return self.valid_version()

    def name(self):
        r = self.r
        alphabet = string.ascii_letters + string.digits
        body = "".join(r.choice(alphabet + "._-") for _ in range(r.randint(0, 12)))
        text = r.choice(alphabet) + body + (r.choice(alphabet) if self.chance(0.9) else "")
        if self.chance(0.05):
            text = r.choice(["", "-a", "a-", "a b", "é", "a.", "_x"])
        return text

    def marker_literal(self, var):
        r = self.r
        if var in ("python_version", "python_full_version", "implementation_version", "platform_release"):
            return r.choice(["3.8", "3.11", "3.12", "3", "2.7", "3.11.4", "3.12.0rc1", "6.1.0", "10", "3.*", "3.1a"])
        if var == "extra":
            return r.choice(["test", "Test_Extra", "test-extra", "docs", "", "a.b"])
        return r.choice(["linux", "win32", "darwin", "posix", "nt", "x86_64", "AMD64", "CPython", "PyPy",
                         "Linux", "Windows", "cpython", "lin", "arm64 x86_64", "10"])

    def marker_atom(self):
        r = self.r
        var = r.choice(MARKER_VARS + ["extra", "extra", "os.name", "sys.platform",
                                      "platform.python_implementation", "python_implementation"])
        op = r.choice(["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in", "==", ">="])
        literal = self.marker_literal(var.replace(".", "_"))
        quote = r.choice(['"', "'"])
        lit = quote + literal + quote
        sp = r.choice([" ", "", "  "]) if op not in ("in", "not in") else " "
        if self.chance(0.2):
            return lit + sp + op + sp + var
        if self.chance(0.02):
            return lit + sp + op + sp + lit
        return var + sp + op + sp + lit

    def marker(self, depth=0):
        r = self.r
        if depth >= 2 or self.chance(0.5):
            text = self.marker_atom()
        else:
            text = self.marker(depth + 1) + r.choice([" and ", " or "]) + self.marker(depth + 1)
        if depth > 0 and self.chance(0.3):
            text = "(" + text + ")"
        if depth == 0 and self.chance(0.05):
            text = self.mutate(text)
        return text

    def requirement(self):
        r = self.r
        text = self.name()
        if self.chance(0.3):
            text += "[" + ",".join(r.choice(["security", "Socks", "test_extra", "a.b", " x "])
                                   for _ in range(r.randint(0, 3))) + "]"
        if self.chance(0.15):
            text += r.choice([" @ ", "@"]) + r.choice(["https://example.com/pkg-1.0.tar.gz",
                                                       "file:///tmp/x.whl", "git+https://g.com/p.git@v1"])
            if self.chance(0.4):
                text += " ; " + self.marker()
            return text
        if self.chance(0.7):
            spec = self.specifier_set()
            text += r.choice(["", " "]) + ("(" + spec + ")" if self.chance(0.2) else spec)
        if self.chance(0.3):
            text += r.choice([";", " ;", "; "]) + self.marker()
        if self.chance(0.05):
            text = self.mutate(text)
        return text


def flag(b):
    return "1" if b else "0"


def answer_version(text):
    try:
        v = Version(text)
    except InvalidVersion:
        return "invalid"
    return (f"ok\t{v}\t{flag(v.is_prerelease)}\t{flag(v.is_postrelease)}\t{flag(v.is_devrelease)}"
            f"\t{v.public}\t{v.base_version}")


def answer_compare(a, b):
    va, vb = Version(a), Version(b)
    return "lt" if va < vb else "gt" if va > vb else "eq"


def ranges_are_exact(spec_set, v):
    """Whether pyresolve's version ranges must agree with packaging for `v`.

    Left out, as documented in version_ranges.hpp: local versions (approximated as uv does),
    `===` (its range is the parsed version), and the two places where packaging's set is not a
    finite union of intervals: `>V` for a pre/dev-release V rejects post-releases of later
    pre-releases of V's release, and `<V.postN` with N > 256 rejects their dev-releases.
    """
    if v.local:
        return False
    for spec in spec_set:
        if spec.operator == "===":
            return False
        if spec.version.endswith(".*"):
            continue
        sv = Version(spec.version)
        same_base = Version(v.base_version) == Version(sv.base_version)
        if (spec.operator == ">" and not sv.is_postrelease and v.is_postrelease and v.pre is not None
                and same_base):
            return False
        if (spec.operator == "<" and sv.is_postrelease and sv.post > 256 and v.is_prerelease
                and same_base):
            return False
    return True


def answer_spec(spec, candidate):
    try:
        s = SpecifierSet(spec)
    except InvalidSpecifier:
        return "invalid"
    v = Version(candidate)
    try:
        default = flag(s.contains(v))
        pre = flag(s.contains(v, prereleases=True))
    except InvalidVersion:  # packaging 23 raises for some `===` operands
        return f"ok\t{s}\terror"
    ranges = pre if ranges_are_exact(s, v) else "-"
    return f"ok\t{s}\t{default}\t{pre}\t{ranges}"


def answer_marker(text, env_index, extra):
    try:
        m = Marker(text)
    except InvalidMarker:
        return "invalid"
    env = dict(ENVIRONMENTS[env_index])
    env["extra"] = extra
    try:
        result = "true" if m.evaluate(env) else "false"
    except Exception:  # UndefinedComparison, InvalidVersion, ...: an evaluation error
        result = "error"
    return f"ok\t{m}\t{result}"


def answer_requirement(text):
    try:
        req = Requirement(text)
    except (InvalidRequirement, InvalidSpecifier, InvalidMarker, InvalidVersion):
        return "invalid"
    return f"ok\t{req}\t{canonicalize_name(req.name)}"


def answer_name(text):
    return f"{flag(NAME_RE.match(text) is not None)}\t{canonicalize_name(text)}"


DIGIT_RUN = re.compile(r"[0-9]+")
U64_MAX = 2**64 - 1


def fits_64_bits(line):
    """pyresolve stores version numbers in 64 bits and rejects larger ones with an error, while
    Python's ints are unbounded; such inputs are left out (tests/packaging covers the error)."""
    return all(int(run) <= U64_MAX for run in DIGIT_RUN.findall(line))


def generate(seed, count):
    """Yields (case line, expected answer) pairs."""
    for line, answer in generate_all(seed):
        if not fits_64_bits(line):
            continue
        yield line, answer
        count -= 1
        if count == 0:
            return


def generate_all(seed):
    g = Gen(seed)
    while True:
        roll = g.r.random()
        if roll < 0.22:
            text = g.version()
            yield f"version\t{text}", answer_version(text)
        elif roll < 0.42:
            a = g.valid_version()
            b = g.related_version(a) if g.chance(0.7) else g.valid_version()
            yield f"compare\t{a}\t{b}", answer_compare(a, b)
        elif roll < 0.67:
            spec = g.specifier_set()
            cand = g.candidate_for(spec)
            try:
                Version(cand)
            except InvalidVersion:
                cand = g.valid_version()
            yield f"spec\t{spec}\t{cand}", answer_spec(spec, cand)
        elif roll < 0.84:
            text = g.marker()
            env = g.r.randrange(len(ENVIRONMENTS))
            extra = g.r.choice(["", "test", "Test_Extra", "docs", "a.b"])
            yield f"marker\t{text}\t{env}\t{extra}", answer_marker(text, env, extra)
        elif roll < 0.96:
            text = g.requirement()
            yield f"requirement\t{text}", answer_requirement(text)
        else:
            text = g.name()
            yield f"name\t{text}", answer_name(text)
