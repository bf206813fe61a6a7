#!/usr/bin/python3
"""Writes a small PEP 691 index of hand-made archives for the index and cache tests:

  make_archives.py OUT [--sdists-only]

  OUT/simple/<project>/index.json   one file per project, sha256 given
  OUT/files/<filename>

sdists (PKG-INFO outcomes): good (2.2, .tar.gz, with a decoy egg-info PKG-INFO), goodzip (2.4,
.zip), dyn (Requires-Dist in Dynamic), old (Metadata 2.1), corrupt (gzip magic then garbage),
nopkg (no PKG-INFO). Wheels: zip64 (written with ZIP64 records and extra fields by hand,
checked with zipfile), zip64big (the same with 70,000 members, where zipfile itself must use
ZIP64), cdtrunc (central directory cut short), cdbad (EOCD pointing past the file).
"""
import hashlib
import io
import json
import os
import struct
import sys
import tarfile
import zipfile
import zlib

out = sys.argv[1]
sdists_only = "--sdists-only" in sys.argv[2:]  # skip the wheels (the 8 MB one takes seconds)
os.makedirs(os.path.join(out, "files"), exist_ok=True)
projects = {}


def add(project, filename, data):
    with open(os.path.join(out, "files", filename), "wb") as f:
        f.write(data)
    projects.setdefault(project, []).append(
        {"filename": filename, "url": "../../files/" + filename,
         "hashes": {"sha256": hashlib.sha256(data).hexdigest()}})


def pkg_info(name, version, mv, extra=""):
    return (f"Metadata-Version: {mv}\nName: {name}\nVersion: {version}\n{extra}\nlong description\n").encode()


def tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


add("good", "good-1.0.tar.gz", tar_gz({
    "good-1.0/setup.py": b"raise SystemExit('never run')\n",
    "good-1.0/src/good.egg-info/PKG-INFO": pkg_info("good", "1.0", "2.1", "Requires-Dist: decoy\n"),
    "good-1.0/PKG-INFO": pkg_info("good", "1.0", "2.2", "Requires-Dist: b>=1\nRequires-Dist: c; extra == 'x'\n"
                                  "Provides-Extra: x\nDynamic: Description\n"),
}))
add("goodzip", "goodzip-2.0.zip", zip_bytes({
    "goodzip-2.0/PKG-INFO": pkg_info("goodzip", "2.0", "2.4", "Requires-Python: >=3.8\nRequires-Dist: b\n"),
    "goodzip-2.0/pyproject.toml": b"[project]\nname = 'goodzip'\n",
}))
add("dyn", "dyn-1.0.tar.gz", tar_gz({
    "dyn-1.0/PKG-INFO": pkg_info("dyn", "1.0", "2.2", "Dynamic: Requires-Dist\nRequires-Dist: b\n"),
}))
add("old", "old-1.0.tar.gz", tar_gz({"old-1.0/PKG-INFO": pkg_info("old", "1.0", "2.1", "Requires-Dist: b\n")}))
good = open(os.path.join(out, "files", "good-1.0.tar.gz"), "rb").read()
add("corrupt", "corrupt-1.0.tar.gz", good[:40] + bytes(range(256)) * 8)
add("nopkg", "nopkg-1.0.tar.gz", tar_gz({"nopkg-1.0/setup.py": b"pass\n"}))


def write_indexes():
    for project, files in projects.items():
        d = os.path.join(out, "simple", project)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "index.json"), "w") as f:
            json.dump({"meta": {"api-version": "1.0"}, "name": project, "files": files}, f)
    with open(os.path.join(out, "simple", "index.html"), "w") as f:
        f.write("<!DOCTYPE html><html><body>" +
                "".join(f'<a href="{p}/">{p}</a>' for p in sorted(projects)) + "</body></html>")


if sdists_only:
    write_indexes()
    sys.exit(0)


def zip64_archive(members):
    """A zip in which every size and offset goes through ZIP64 extra fields, with a ZIP64
    end-of-central-directory record and locator (what a >4 GiB wheel looks like)."""
    body = io.BytesIO()
    central = io.BytesIO()
    for name, data in members.items():
        raw = name.encode()
        comp = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = comp.compress(data) + comp.flush()
        crc = zlib.crc32(data)
        offset = body.tell()
        local_extra = struct.pack("<HHQQ", 1, 16, len(data), len(packed))
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                               len(raw), len(local_extra)) + raw + local_extra + packed)
        cd_extra = struct.pack("<HHQQQ", 1, 24, len(data), len(packed), offset)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0, crc, 0xFFFFFFFF,
                                  0xFFFFFFFF, len(raw), len(cd_extra), 0, 0, 0, 0, 0xFFFFFFFF) + raw + cd_extra)
    cd = central.getvalue()
    cd_offset = body.tell()
    n = len(members)
    zip64_eocd_offset = cd_offset + len(cd)
    tail = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(cd), cd_offset)
    tail += struct.pack("<IIQI", 0x07064B50, 0, zip64_eocd_offset, 1)
    tail += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body.getvalue() + cd + tail


metadata = b"Metadata-Version: 2.1\nName: zip64\nVersion: 1.0\nRequires-Dist: b>=2\n"
# A member large enough that METADATA sits outside the 64 KiB tail the client reads first.
filler = os.urandom(200_000)
# METADATA first, so that its local header is outside the tail too.
wheel = zip64_archive({"zip64-1.0.dist-info/METADATA": metadata,
                       "zip64/__init__.py": b"", "zip64/blob.bin": filler,
                       "zip64-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n"})
with zipfile.ZipFile(io.BytesIO(wheel)) as z:  # the hand-made archive must be a valid zip
    assert z.read("zip64-1.0.dist-info/METADATA") == metadata
add("zip64", "zip64-1.0-py3-none-any.whl", wheel)

# More members than the 16-bit count of the classic EOCD: zipfile writes ZIP64 records itself.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    for i in range(70_000):
        z.writestr(f"zip64big/m{i}.py", b"")
    z.writestr("zip64big-1.0.dist-info/METADATA",
               b"Metadata-Version: 2.1\nName: zip64big\nVersion: 1.0\nRequires-Dist: c\n")
big = buf.getvalue()
assert big.rfind(b"PK\x06\x06") > 0, "zipfile did not write a ZIP64 end record"
add("zip64big", "zip64big-1.0-py3-none-any.whl", big)

plain = zip_bytes({"cdtrunc/__init__.py": b"", "cdtrunc-1.0.dist-info/METADATA": metadata})
eocd = plain.rfind(b"PK\x05\x06")
cd_size, cd_offset = struct.unpack("<II", plain[eocd + 12:eocd + 20])
# Cut the central directory in the middle of its second entry; the EOCD still claims all of it.
cut = cd_offset + cd_size - 20
add("cdtrunc", "cdtrunc-1.0-py3-none-any.whl",
    plain[:cut] + plain[eocd:eocd + 12] + struct.pack("<II", cd_size, cut - cd_size + 20) + plain[eocd + 20:])
add("cdbad", "cdbad-1.0-py3-none-any.whl",
    plain[:eocd + 12] + struct.pack("<II", cd_size, len(plain) * 4) + plain[eocd + 20:])

write_indexes()
