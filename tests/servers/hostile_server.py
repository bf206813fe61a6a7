#!/usr/bin/env python3
"""A hostile package index: a small valid index plus projects whose pages, redirects and
metadata attack the client. Standard library only; one process.

Usage: hostile_server.py [--port 0] [--log FILE] [--planted DIR]
Prints "PORT ALT_PORT" on one line once listening: the index is at http://127.0.0.1:PORT/simple;
ALT_PORT is a second listener of the same server (another origin, for credential checks).
Stop it with kill <pid> (SIGTERM).

--planted DIR names a local folder holding planted-1.0-py3-none-any.whl.metadata (written by the
test): pages that link to file: URLs point there, so a client that follows them would read it
and then ask this server for the project it requires (the log shows it).

Projects (GET /simple/<name>/; the mode is chosen by the name):
  good          1.0 and 2.0, PEP 691 JSON, PEP 658 metadata (no requirements)
  crossorigin   1.0, its file and metadata on ALT_PORT (credentials must not follow)
  endless       200, JSON type, chunked body that never ends
  gzipbomb      Content-Encoding: gzip, chunked, a few MB that inflate to 2 GiB of zeros
  drip          200, JSON type, a valid page sent at 16 bytes/s
  bigheaders    200 with 16 MiB of headers
  redirfile     302 to file:///etc/passwd
  redirloop     302 to itself, forever
  liarlength    Content-Length of 1 TiB, a small body, then close
  shortlength   Content-Length of 100000, 10 bytes, then close
  filelink      JSON page whose file URL is file://<planted>/planted-1.0-py3-none-any.whl
  basefile      HTML page with <base href="file://<planted>/"> and a relative link
  traversal     JSON page with filename evil-1.0-1/../../x-py3-none-any.whl
  traversalhtml HTML page linking /files/evil-1.0-1%2F..%2F..%2Fx-py3-none-any.whl
  deephtml      HTML page: 1 MiB of nested <div>s around a valid link
  deepmarker    1.0 (fine) and 2.0, whose metadata has a marker nested 20,000 parentheses deep
  wrongname     1.0, whose metadata says Name: other and requires leaked-wrongname
  leaked-*      404 (asking for one shows that a planted requirement was followed)
Files: /files/<project>-<version>-py3-none-any.whl.metadata on both ports.
Log: one line per request, tab-separated: PORT METHOD PATH AUTH(yes/no) and the raw request
headers (escaped), so a test can check what reached the server.
"""
import argparse
import http.server
import json
import os
import socketserver
import threading
import time
import zlib

JSON_CT = "application/vnd.pypi.simple.v1+json"


def metadata(name, version, requires=(), shown_name=None):
    lines = ["Metadata-Version: 2.1", f"Name: {shown_name or name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n").encode()


def deep_marker(depth):
    return "leaked-deepmarker ; " + "(" * depth + 'python_version >= "3"' + ")" * depth


# project -> version -> metadata bytes
METADATA = {
    "good": {"1.0": metadata("good", "1.0"), "2.0": metadata("good", "2.0")},
    "crossorigin": {"1.0": metadata("crossorigin", "1.0")},
    "deepmarker": {"1.0": metadata("deepmarker", "1.0"),
                   "2.0": metadata("deepmarker", "2.0", [deep_marker(20000)])},
    "wrongname": {"1.0": metadata("wrongname", "1.0", ["leaked-wrongname"], shown_name="other")},
    "drip": {"1.0": metadata("drip", "1.0")},
}


class State:
    def __init__(self, log_path, planted):
        self.lock = threading.Lock()
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.planted = os.path.abspath(planted) if planted else "/nonexistent"
        self.alt_port = 0

    def write_log(self, port, method, path, auth, headers):
        if self.log:
            with self.lock:
                self.log.write(f"{port}\t{method}\t{path}\t{auth}\t{headers!r}\n")


def json_page(name, files):
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()


def file_entry(filename, url, with_metadata=True):
    entry = {"filename": filename, "url": url, "hashes": {}}
    if with_metadata:
        entry["core-metadata"] = True
    return entry


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_one_request(self):
            try:
                super().handle_one_request()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        # --- helpers ---------------------------------------------------------------------

        def send_body(self, status, body, content_type, extra=()):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def start_chunked(self, content_type, extra=()):
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.close_connection = True

        def chunk(self, data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        def base(self):
            return f"http://127.0.0.1:{self.server.server_address[1]}"

        # --- routes ----------------------------------------------------------------------

        def do_GET(self):
            port = self.server.server_address[1]
            auth = "yes" if self.headers.get("Authorization") else "no"
            path = self.path.split("?", 1)[0]
            state.write_log(port, "GET", self.path, auth, str(self.headers))
            if path.startswith("/files/"):
                return self.serve_file(path[len("/files/"):])
            if path.startswith("/simple/") and path.endswith("/") and path.count("/") == 3:
                return self.serve_project(path[len("/simple/"):-1])
            self.send_body(404, b"not found", "text/plain")

        def serve_file(self, name):
            suffix = "-py3-none-any.whl.metadata"
            if name.endswith(suffix):
                project, _, version = name[: -len(suffix)].rpartition("-")
                body = METADATA.get(project, {}).get(version)
                if body is not None:
                    return self.send_body(200, body, "application/octet-stream")
            self.send_body(404, b"not found", "text/plain")

        def versions_page(self, name, base=None):
            base = base or self.base()
            files = [file_entry(f"{name}-{v}-py3-none-any.whl", f"{base}/files/{name}-{v}-py3-none-any.whl")
                     for v in METADATA[name]]
            return json_page(name, files)

        def serve_project(self, name):
            mode = getattr(self, "mode_" + name.replace("-", "_"), None)
            if mode is not None:
                return mode()
            if name in METADATA:
                return self.send_body(200, self.versions_page(name), JSON_CT)
            self.send_body(404, b"not found", "text/plain")

        def mode_crossorigin(self):
            alt = f"http://127.0.0.1:{state.alt_port}"
            self.send_body(200, self.versions_page("crossorigin", alt), JSON_CT)

        def mode_endless(self):
            self.start_chunked(JSON_CT)
            block = b'{"files": [' + b" " * 65536
            while True:
                self.chunk(block)

        def mode_gzipbomb(self):
            self.start_chunked(JSON_CT, [("Content-Encoding", "gzip")])
            comp = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = bytes(1 << 20)
            for _ in range(2048):  # 2 GiB inflated, about 2 MB on the wire
                out = comp.compress(zeros)
                if out:
                    self.chunk(out)
            self.chunk(comp.flush())
            self.wfile.write(b"0\r\n\r\n")

        def mode_drip(self):
            # Long enough that it never completes within a low-speed window (4 KB: over 4 minutes).
            body = b" " * 4096 + self.versions_page("drip")
            self.send_response(200)
            self.send_header("Content-Type", JSON_CT)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.close_connection = True
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(1 / 16)

        def mode_bigheaders(self):
            self.send_response(200)
            self.send_header("Content-Type", JSON_CT)
            line = "x" * 1000
            for i in range(16 * 1024):
                self.send_header(f"X-Filler-{i}", line)
            body = self.versions_page("good")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def mode_redirfile(self):
            self.send_body(302, b"", "text/plain", [("Location", "file:///etc/passwd")])

        def mode_redirloop(self):
            self.send_body(302, b"", "text/plain", [("Location", "/simple/redirloop/")])

        def mode_liarlength(self):
            self.send_response(200)
            self.send_header("Content-Type", JSON_CT)
            self.send_header("Content-Length", str(1 << 40))
            self.end_headers()
            self.wfile.write(b'{"files": []}')
            self.close_connection = True

        def mode_shortlength(self):
            self.send_response(200)
            self.send_header("Content-Type", JSON_CT)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"files": ')
            self.close_connection = True

        def mode_filelink(self):
            url = f"file://{state.planted}/planted-1.0-py3-none-any.whl"
            self.send_body(200, json_page("filelink", [file_entry("filelink-1.0-py3-none-any.whl", url)]), JSON_CT)

        def mode_basefile(self):
            body = (f'<!DOCTYPE html><html><head><base href="file://{state.planted}/"></head><body>'
                    '<a href="basefile-1.0-py3-none-any.whl" data-core-metadata="true">basefile</a>'
                    "</body></html>").encode()
            self.send_body(200, body, "text/html")

        def mode_traversal(self):
            name = "evil-1.0-1/../../x-py3-none-any.whl"
            self.send_body(200, json_page("traversal", [file_entry(name, f"{self.base()}/files/{name}")]), JSON_CT)

        def mode_traversalhtml(self):
            body = (b'<html><body><a href="/files/evil-1.0-1%2F..%2F..%2Fx-py3-none-any.whl" '
                    b'data-core-metadata="true">x</a></body></html>')
            self.send_body(200, body, "text/html")

        def mode_deephtml(self):
            depth = (1 << 20) // 5
            body = (b"<html><body>" + b"<div>" * depth +
                    b'<a href="/files/deephtml-1.0-py3-none-any.whl">x</a>' + b"</div>" * depth + b"</body></html>")
            self.send_body(200, body, "text/html")

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--planted")
    args = ap.parse_args()
    state = State(args.log, args.planted)
    handler = make_handler(state)
    main_server = Server(("127.0.0.1", args.port), handler)
    alt_server = Server(("127.0.0.1", 0), handler)
    state.alt_port = alt_server.server_address[1]
    threading.Thread(target=alt_server.serve_forever, daemon=True).start()
    print(main_server.server_address[1], state.alt_port, flush=True)
    try:
        main_server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
