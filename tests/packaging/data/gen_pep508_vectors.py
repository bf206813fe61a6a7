#!/usr/bin/python3
"""Regenerates markers.txt, pep508_valid.txt and pep508_invalid.txt.

The inputs below are ours (re-expressing PEP 508's examples and the cases `packaging`'s own
test suite exercises); the expected outputs are whatever Debian 12's `packaging` 23.0 does.
Run with /usr/bin/python3 so that the reference is that `packaging`.

Field encoding: fields are tab-separated; {TAB}, {NL}, {CR} and {NUL} stand for those
characters; `-` means "not checked".
"""
import os
import packaging
from packaging.markers import Marker
from packaging.requirements import Requirement

assert packaging.__version__ == "23.0", packaging.__version__
HERE = os.path.dirname(os.path.abspath(__file__))


def enc(s):
    return s.replace("\t", "{TAB}").replace("\n", "{NL}").replace("\r", "{CR}").replace("\0", "{NUL}")


def column_and_message(exc, source):
    cause = exc.__cause__
    span = getattr(cause, "span", None)
    if span is None:
        return "-", "-"
    col = len(source[: span[1]].encode()) + 1
    msg = str(exc) if source.isascii() else "-"
    return str(col), enc(msg)


ENVS = {
    "linux311": dict(implementation_name="cpython", implementation_version="3.11.2", os_name="posix",
                     platform_machine="x86_64", platform_python_implementation="CPython",
                     platform_release="6.1.0-13-amd64", platform_system="Linux",
                     platform_version="#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)",
                     python_full_version="3.11.2", python_version="3.11", sys_platform="linux"),
    "win38": dict(implementation_name="cpython", implementation_version="3.8.10", os_name="nt",
                  platform_machine="AMD64", platform_python_implementation="CPython",
                  platform_release="10", platform_system="Windows", platform_version="10.0.19041",
                  python_full_version="3.8.10", python_version="3.8", sys_platform="win32"),
    "mac27": dict(implementation_name="cpython", implementation_version="2.7.18", os_name="posix",
                  platform_machine="arm64", platform_python_implementation="CPython",
                  platform_release="22.1.0", platform_system="Darwin",
                  platform_version="Darwin Kernel Version 22.1.0", python_full_version="2.7.18",
                  python_version="2.7", sys_platform="darwin"),
    "pypy39rc": dict(implementation_name="pypy", implementation_version="7.3.11", os_name="posix",
                     platform_machine="aarch64", platform_python_implementation="PyPy",
                     platform_release="5.15", platform_system="Linux", platform_version="#1",
                     python_full_version="3.9.0rc1", python_version="3.9", sys_platform="linux"),
    "odd": dict(implementation_name="", implementation_version="", os_name="os_name",
                platform_machine="", platform_python_implementation="Jython",
                platform_release="4.9", platform_system="", platform_version="",
                python_full_version="3.11.2+local", python_version="3.11", sys_platform="linux2"),
}

MARKERS = [
    # PEP 508 grammar: every variable, every operator, both quotes, either side.
    'python_version == "2.7"', "python_version=='2.7'", 'python_version >= "3.6"', 'python_version<"3"',
    'python_version <= "3.8"', 'python_version > "3.8"', 'python_version != "3.8"', 'python_version ~= "3.8"',
    'python_version === "3.8"', 'python_full_version >= "3.7.0rc1"', 'python_full_version < "3.7"',
    'os_name == "posix"', "os.name == 'nt'", 'sys_platform == "win32"', 'sys.platform == "linux"',
    'platform_release >= "4.9"', 'platform_system == "Windows"', 'platform_version == "10.0.19041"',
    'platform.version == "10"', 'platform_machine == "x86_64"', 'platform.machine == "arm64"',
    'platform_python_implementation == "CPython"', 'platform.python_implementation == "PyPy"',
    'python_implementation == "Jython"', 'implementation_name == "cpython"',
    'implementation_version >= "7"', 'extra == "test"', '"test" == extra', 'extra == "Foo_Bar.baz"',
    '"Foo__Bar" == extra', 'extra != "security"', 'extra == os_name', 'os_name == extra',
    '"posix" in os_name', "'nt' not in os_name", 'os_name in "posix nt"', '"2.7" not in python_version',
    '"3" in python_version', 'python_version in "2.7 3.6"', 'python_version not in "3.11"',
    '"3.6" < python_version', '"linux" == sys_platform', 'os_name == sys_platform',
    'python_version ~= "foo"', 'os_name ~= "posix"', 'os_name === "posix"', 'os_name < "q"',
    'os_name >= "nt"', 'python_version == "3.*"', 'python_version == "3.11.*"', 'python_version != "2.*"',
    'python_full_version == "3.11.2+local"', 'python_full_version == "3.11.2"',
    'platform_release == "5.10.0-21-amd64"', 'platform_release >= "5"',
    # Combinations, grouping and the odd shapes 23.0 prints.
    'python_version >= "2.7" and os_name == "nt"', 'os_name == "nt" or sys_platform == "linux"',
    'os_name == "a" or os_name == "b" and os_name == "c"', 'os_name == "a" and os_name == "b" or os_name == "c"',
    '(os_name == "a" or os_name == "b") and os_name == "c"', 'os_name == "a" and (os_name == "b" or os_name == "c")',
    '(os_name == "posix")', '((os_name == "posix"))', '(os_name == "nt") and python_version >= "3"',
    '((os_name == "a" or os_name == "b")) and os_name == "c"',
    '( os_name == "posix" or ( sys_platform == "win32" and python_version < "3" ) )',
    '(extra == "Test_Me")', 'os_name == "posix" and extra == "Test_Me"', 'extra == "A" or extra == "b"',
    'extra == "a" and extra == "b"', 'extra == "a" and os_name == "nt"', 'os_name == "nt" or extra == "x"',
    'extra != "a" and extra == "b"', 'extra in "a b"', 'extra == "1.0"', 'extra ~= "1.0"',
    '  os_name  ==  "posix"  ', 'os_name\t==\t"posix"', 'os_name=="posix"and python_version>"3"',
    'os_name=="posix"or(python_version>"3")', 'os_name not  in "x"', 'os_name not\tin "x"',
    # Quirks of 23.0: trailing text after a complete marker is ignored by Marker().
    'os_name == "a" garbage', 'os_name=="a"andos_name=="b"', 'os_name == "a" and\u00e9',
    'os_name == "nt" or os_name == "posix" )',
    # Both sides literal: the right-hand text names an environment entry.
    '"posix" == "os_name"', '"x" == "extra"', '"a" == "b"', 'os_name == "os_name"',
    # String literals as ast.literal_eval reads them.
    '"a\\x41" == os_name', "'it''s' == os_name", '\'a"b\' == os_name', '"\\\\" == os_name', '"\\d" == os_name',
    '"\\u00e9" == os_name', '"\\101" == os_name', '"\\t" in os_name', '"caf\u00e9" == os_name',
    '"\u00c9T\u00c9" == extra',
    # Errors.
    '', '   ', 'python_version', 'python_version ==', 'python_version == "2.7" and',
    'python_version == "2.7" or (', '(python_version == "2.7"', 'invalid_var == "x"', 'python_version ~~ "1"',
    'python_version = "1"', '"x" foo "y"', 'os_name notin "a"', 'os_name not "a"', 'os_name not', 'os_name in',
    'platform.release == "a"', 'os_name == "unterminated', "os_name == 'x\"", 'os_name == "a" and (',
    '() and os_name == "a"', 'os_name == "a" or and', 'extra == "\\"', 'os_name == "a\nb"', 'os_name == "\\xZ1"',
    'os_name == "\\uDEFG"', 'os_name == "\\U00110000"', 'os_name == "a\0"', '(((os_name == "a")',
    'os_name == "a")', 'Os_name == "a"', 'os_name == python', 'os_name\u00e9 == "a"',
]

EVALS = [
    # (marker, env, extra)
]
for env in ENVS:
    for m in [
        'python_version >= "3"', 'python_version < "3"', 'python_version == "3.8"', 'python_version ~= "3.8"',
        'python_version === "3.11"', 'python_full_version >= "3.9"', 'python_full_version < "3.9"',
        'python_full_version == "3.11.2"', 'python_full_version == "3.11.*"', 'python_full_version != "3.9.*"',
        'os_name == "posix"', 'os_name != "nt"', '"pos" in os_name', '"x" not in os_name',
        'sys_platform == "linux" and python_version >= "3.8"', 'sys_platform == "win32" or sys_platform == "darwin"',
        'platform_machine in "x86_64 AMD64"', 'platform_python_implementation == "CPython"',
        'implementation_name == "pypy" or os_name == "nt" and python_version < "3"',
        '(implementation_name == "pypy" or os_name == "nt") and python_version < "3"',
        'platform_release >= "5"', 'platform_system < "M"', 'os_name < "q"', 'os_name ~= "posix"',
        'os_name == sys_platform', '"posix" == "os_name"', '"a" == "b"', 'os_name == "1.0"',
        'python_version > "3.10"', 'python_version > "3.9.*"', 'implementation_version >= "7"',
        'python_full_version < "3.9"', 'python_full_version >= "3.9.0rc1"',
        'python_full_version == "3.11.2+local"', 'python_full_version === "3.11.2+local"',
        '"3.8" == python_version', '"3.8" < python_version', '"3" in python_version',
        'os_name == "nt" or os_name ~= "x"', 'os_name ~= "x" or os_name == "posix"',
    ]:
        EVALS.append((m, env, ""))
for extra in ["", "test", "Test", "TEST", "te.st", "te-st", "security", "a", "b", "Foo_Bar.baz", "1.0", "1", "\u00c9T\u00c9"]:
    for m in ['extra == "test"', 'extra == "te_st"', '"Test" == extra', 'extra != "security"', 'extra == "foo-bar-baz"',
              'extra == "Foo_Bar.baz"', 'extra == "a" or extra == "b"', 'extra == "a" and extra == "b"',
              'extra in "a b"', 'extra not in "security"', 'extra == "1.0"', 'extra >= "1"', 'extra ~= "1.0"',
              'extra == os_name', 'os_name == extra', '"x" == "extra"', 'extra == "\u00e9t\u00e9"',
              'os_name == "posix" and extra == "Test"', 'os_name == "nt" or extra == "a"']:
        EVALS.append((m, "linux311", extra))

REQUIREMENTS = [
    # PEP 508's examples.
    "A", "A.B-C_D", "aa", "name", "name<=1", "name>=3", "name>=3,<2", "name@http://foo.com",
    "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
    "name[quux, strange];python_version<'2.7' and platform_version=='2'",
    "name; os_name=='a' or os_name=='b'", "name; os_name=='a' and os_name=='b' or os_name=='c'",
    "name; os_name=='a' and (os_name=='b' or os_name=='c')", "name; os_name=='a' or os_name=='b' and os_name=='c'",
    "name; (os_name=='a' or os_name=='b') and os_name=='c'",
    # Shapes packaging's tests exercise.
    "foobar", "foo-bar.quux_bAz", "name[bar]", "name[bar,baz]", "name[baz,bar]", "name[bar, baz]",
    "name[ bar , baz ]", "name[bar,bar]", "name[]", "name [ ]", "name>=3.0", "name==2.8.*", "name (>=3)",
    "name ( >= 3 , < 4 )", "name>=1.0,<2.0", "name<2,>=1", "name >=1.0 , <2.0", "name~=1.4.2", "name ~= 1.4",
    "name===arbitrary", "name ===arbitrary ; os_name=='a'", "name===1,>=2", "name==1.0+local",
    "name!=1.0.*", "name>=1,", "name (>=1,)", "name>=1.0.post1", "name>=1.0-1", "name==v1.0", "name==1!2.0",
    "name==1.0a1", "name>=1.0.dev0", "Name==1.0RC1", "name<=2.0b", "name >1.0", "name>=1.0;os_name=='a'",
    "name>=1.0 ; os_name=='a'", "name;os_name=='a'", "name ; os_name=='a'  ", "name[security]; extra=='Test_X'",
    "name; os_name == 'a' and extra == 'Test_X'", "name; (extra == 'Test_X')",
    "name @ https://example.com/name;param=1 ; python_version < '3'", "name @ http://x;os_name=='a'",
    "name[fred,bar] @ http://foo.com ; python_version=='2.7'", "foo @ file:///absolute/path",
    "foo @ file://localhost/path", "foo @ git+https://github.com/pypa/packaging.git@main#egg=packaging",
    "foo@https://example.com/a.whl ", "foo @ https://example.com/a.whl\t", "name @ http://x ; os_name=='a'  ",
    "  name  ", "\tname\t>=1", "name\n", "name>=1\n", "name; os_name=='a' garbage",
    "name (==1.0) ; python_version >= '3'", "name==1.0;python_version>='3'",
    # Errors.
    "", " ", "@ http://x", "-name", "name-", "name[bar", "name[bar baz]", "name[bar,]", "name[,bar]",
    "name[bar]]", "name[1.0]>=1", "name @", "name @ ", "name @ http://x garbage", "name @ http://x;",
    "name @ gopher:/foo/com", "name @ file:.", "name @ /foo/bar", "name @ file:/path", "name @ FILE:///path",
    "name @ file:///path?", "name @ http://[::1/x", "name @ http://x ; os_name", "name>=1 python_version",
    "name>=1 ; foobar=='x'", "name (>=1.0,<2.0", "name (>=1.0 ; os_name=='a')", "name >= 1.0 <2", "name ~= 1",
    "name <1.0.*", "name == 1.0.* ; ", "name; ", "name;", "name ;os_name", "name==1.0 , , <2",
    "name===1,2", "name>=1.0,x", "name(>=1)", "name >=1 @ http://x", "name @ http://x @ http://y",
    "name[bar] extra", "name\x00", "name\r\n", "name[b\u00e9r]", "n\u00e4me", "name; os_name == 'a\nb'",
]


def main():
    with open(os.path.join(HERE, "markers.txt"), "w", encoding="utf-8") as out:
        out.write("# Generated by gen_pep508_vectors.py against packaging %s. Fields are tab-separated.\n"
                  % packaging.__version__)
        out.write("# env <name> <var>=<value>...   defines an environment\n")
        out.write("# parse <marker> <str(Marker)>\n# error <marker> <column|-> <message|->\n")
        out.write("# eval <env> <extra> <marker> <true|false|error>\n")
        for name, env in ENVS.items():
            out.write("env\t%s\t%s\n" % (name, "\t".join("%s=%s" % kv for kv in env.items())))
        for m in MARKERS:
            try:
                out.write("parse\t%s\t%s\n" % (enc(m), enc(str(Marker(m)))))
            except Exception as e:  # noqa: BLE001 - SyntaxError/ValueError escape Marker() in 23.0 too
                col, msg = column_and_message(e, m)
                out.write("error\t%s\t%s\t%s\n" % (enc(m), col, msg))
        for m, env, extra in EVALS:
            try:
                value = "true" if Marker(m).evaluate(dict(ENVS[env], extra=extra)) else "false"
            except Exception:  # noqa: BLE001
                value = "error"
            out.write("eval\t%s\t%s\t%s\t%s\n" % (env, enc(extra) or "{EMPTY}", enc(m), value))
    with open(os.path.join(HERE, "pep508_valid.txt"), "w", encoding="utf-8") as valid, \
            open(os.path.join(HERE, "pep508_invalid.txt"), "w", encoding="utf-8") as invalid:
        valid.write("# Generated by gen_pep508_vectors.py against packaging %s.\n" % packaging.__version__)
        valid.write("# <requirement> <str(Requirement)> <name> <url|-> <str(marker)|->\n")
        invalid.write("# Generated by gen_pep508_vectors.py against packaging %s.\n" % packaging.__version__)
        invalid.write("# <requirement> <column|-> <message|->\n")
        for r in REQUIREMENTS:
            try:
                req = Requirement(r)
            except Exception as e:  # noqa: BLE001
                col, msg = column_and_message(e, r)
                if msg == "-" and not hasattr(e.__cause__, "span") and r.isascii():
                    msg = enc(str(e)) if "Invalid URL" in str(e) else "-"
                invalid.write("%s\t%s\t%s\n" % (enc(r) or "{EMPTY}", col, msg))
                continue
            valid.write("%s\t%s\t%s\t%s\t%s\n" % (enc(r), enc(str(req)), req.name, enc(req.url or "-"),
                                                  enc(str(req.marker)) if req.marker else "-"))


main()
