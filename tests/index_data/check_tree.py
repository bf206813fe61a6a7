#!/usr/bin/python3
"""Checks a make-index tree: every JSON page parses, HTML and JSON list the same files with
the same hashes, every .metadata file exists and its sha256 matches the advertised one,
and (with --wheels) every wheel is a valid zip whose METADATA equals the .metadata file and
whose sha256 matches. Usage: check_tree.py TREE [--wheels]"""
import hashlib
import html.parser
import json
import os
import sys
import urllib.parse
import zipfile


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs))


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    root, wheels = sys.argv[1], "--wheels" in sys.argv
    simple = os.path.join(root, "simple")
    top = json.load(open(os.path.join(simple, "index.json")))
    assert top["meta"]["api-version"] == "1.1", top["meta"]
    names = [p["name"] for p in top["projects"]]
    assert names == sorted(names), "project list not sorted"
    p = Links()
    p.feed(open(os.path.join(simple, "index.html")).read())
    assert [l["href"].rstrip("/") for l in p.links] == names, "HTML and JSON project lists differ"
    nfiles = 0
    for name in names:
        page = json.load(open(os.path.join(simple, name, "index.json")))
        assert page["name"] == name and page["meta"]["api-version"] == "1.1" and isinstance(page["versions"], list)
        links = Links()
        links.feed(open(os.path.join(simple, name, "index.html")).read())
        from_html = {}
        for l in links.links:
            url, _, frag = l["href"].partition("#sha256=")
            assert url.startswith("../../files/"), url
            from_html[url] = (frag, l.get("data-core-metadata"), l.get("data-dist-info-metadata"),
                              l.get("data-requires-python"), l.get("data-yanked"))
        from_json = {}
        for f in page["files"]:
            assert f["core-metadata"] == f["dist-info-metadata"]
            yanked = f["yanked"]
            from_json[f["url"]] = (f["hashes"]["sha256"], "sha256=" + f["core-metadata"]["sha256"],
                                   "sha256=" + f["dist-info-metadata"]["sha256"], f.get("requires-python"),
                                   None if yanked is False else ("" if yanked is True else yanked))
            meta = os.path.join(simple, name, urllib.parse.unquote(f["url"])) + ".metadata"
            assert sha(meta) == f["core-metadata"]["sha256"], f"metadata hash mismatch: {meta}"
            text = open(meta).read()
            assert text.startswith("Metadata-Version: 2.1\n") and "\nVersion: " in text, meta
            if wheels and f["filename"].endswith(".whl"):
                whl = os.path.join(simple, name, urllib.parse.unquote(f["url"]))
                assert sha(whl) == f["hashes"]["sha256"] and os.path.getsize(whl) == f["size"], whl
                z = zipfile.ZipFile(whl)
                assert z.testzip() is None
                md = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
                assert len(md) == 1 and z.read(md[0]) == open(meta, "rb").read(), whl
            nfiles += 1
        assert from_html == from_json, f"{name}: HTML and JSON differ:\n{from_html}\n{from_json}"
    print(f"ok: {len(names)} projects, {nfiles} files")


if __name__ == "__main__":
    main()
