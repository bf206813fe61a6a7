#pragma once
// The Python program that runs a project's PEP 517 hooks in a separate interpreter.

#include <string_view>

namespace pyresolve::index::detail {

/// Its text, written once to the cache and run as `python -I [-S] runner.py SITE COMMAND ...`:
///
///   unpack SITE WHEEL...       unpack wheels into SITE (made afresh beside it, then renamed)
///   extract DEST ARCHIVE       an sdist's regular files and folders into DEST (SITE unused)
///   requires BACKEND PATHS KIND OUT
///                              get_requires_for_build_{wheel,editable}() as a JSON list in OUT
///   metadata BACKEND PATHS KIND DIR OUT
///                              prepare_metadata_for_build_{wheel,editable}(DIR), else
///                              build_{wheel,editable}(DIR); {"metadata": NAME} or {"wheel":
///                              NAME} in OUT
///
/// SITE (may be empty) goes first on `sys.path`, then the backend's own `backend-path`
/// entries (PATHS, a JSON list relative to the project, the working directory). Results go to
/// files, not standard output, where backends print freely.
inline constexpr std::string_view hook_runner_source = R"PY(
import importlib, json, os, shutil, sys, zipfile

def unpack(site, wheels):
    parts = os.path.dirname(site) or "."
    temp = os.path.join(parts, ".tmp-%d-%s" % (os.getpid(), os.path.basename(site)))
    shutil.rmtree(temp, ignore_errors=True)
    os.makedirs(temp)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                name = info.filename
                check(name, wheel)
            archive.extractall(temp)
        # A wheel's .data/purelib and .data/platlib belong on the path too.
        for entry in os.listdir(temp):
            if entry.endswith(".data"):
                for lib in ("purelib", "platlib"):
                    inner = os.path.join(temp, entry, lib)
                    if os.path.isdir(inner):
                        for item in os.listdir(inner):
                            os.replace(os.path.join(inner, item), os.path.join(temp, item))
    try:
        os.rename(temp, site)
    except OSError:
        shutil.rmtree(temp, ignore_errors=True)
        if not os.path.isdir(site):
            raise

def extract(dest, archive):
    # Regular files and folders only, every path inside dest.
    os.makedirs(dest)
    if archive.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                check(info.filename, archive)
            z.extractall(dest)
        return
    import tarfile
    with tarfile.open(archive) as t:
        members = []
        for member in t.getmembers():
            check(member.name, archive)
            if not (member.isfile() or member.isdir()):
                continue
            member.mode = (member.mode | 0o600) & 0o755
            members.append(member)
        t.extractall(dest, members=members)

def check(name, archive):
    if name.startswith("/") or "\\" in name or ".." in name.split("/"):
        raise SystemExit("unsafe member %r in %s" % (name, archive))

def backend(spec, paths):
    for path in reversed(json.loads(paths)):
        sys.path.insert(0, os.path.abspath(path))
    module, _, attribute = spec.partition(":")
    obj = importlib.import_module(module)
    for part in filter(None, attribute.split(".")):
        obj = getattr(obj, part)
    return obj

def main(argv):
    site, command = argv[1], argv[2]
    if site and command != "unpack":
        sys.path.insert(0, site)
    if command == "unpack":
        unpack(site, argv[3:])
        return
    if command == "extract":
        extract(argv[3], argv[4])
        return
    hooks = backend(argv[3], argv[4])
    kind = argv[5]
    # PEP 517 config_settings: a JSON object, last; empty when there are none.
    settings = json.loads(argv[-1]) if argv[-1] else None
    if command == "requires":
        hook = getattr(hooks, "get_requires_for_build_" + kind, None)
        result = list(hook(settings)) if hook else []
        with open(argv[6], "w") as out:
            json.dump(result, out)
    elif command == "metadata":
        target = argv[6]
        os.makedirs(target, exist_ok=True)
        prepare = getattr(hooks, "prepare_metadata_for_build_" + kind, None)
        if prepare is not None:
            result = {"metadata": prepare(target, settings)}
        else:
            result = {"wheel": getattr(hooks, "build_" + kind)(target, settings)}
        with open(argv[7], "w") as out:
            json.dump(result, out)
    else:
        raise SystemExit("unknown command " + command)

main(sys.argv)
)PY";

}  // namespace pyresolve::index::detail
