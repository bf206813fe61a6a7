#!/usr/bin/env python3
"""Serves a make-index tree like nginx.sh (PEP 691 negotiation by Accept) and injects
faults per path, so client retry/timeout/error paths can be tested. Standard library only.

Usage: fault_server.py ROOT [--port 0] [--rules RULES.json] [--log FILE]
Prints the port on stdout (one line) once listening. Stop it with kill <pid> (SIGTERM).

Rules: a JSON list, first match wins:
  {"path": "/simple/a/",          exact path (query ignored), or
   "path_regex": "^/files/.*",    a regex searched in the path,
   "fault": KIND, "times": N,     fault only the first N matching requests (default: all)
   ...kind options}
KIND:
  status     answer "status" (default 503) with a short text body (5xx, 404, ...)
  429        answer 429 with Retry-After: "retry_after" (default 1)
  stall      send nothing for "delay" s (default 30), then close
  slow       send the real response in "chunk" (default 64) byte pieces, "delay" s apart (0.2)
  truncate   Content-Length of the real body, but send only half of it, then close
  invalid    200 with the negotiated content type and a body that is not valid JSON/HTML
  wrong-type 200 with the real body but Content-Type "content_type" (default text/plain)
  redirect   "status" (default 302) to "location" (default: same path on this server + "?r=1")
  reset      close the connection with a TCP RST before answering
  auth       401 (WWW-Authenticate: Basic) unless the request carries Basic "credentials"
             ("user:password"); with them, the real response
Control endpoint: POST /_control/rules (body = the rules list) replaces rules and counters;
GET /_control/rules returns them. Control requests are not logged.
Log: one line per request, tab-separated: METHOD PATH STATUS ACCEPT ("-" when no status).
"""
import argparse
import base64
import json
import os
import re
import socket
import struct
import threading
import time
import http.server

JSON_CT = "application/vnd.pypi.simple.v1+json"


class State:
    def __init__(self, rules, log_path):
        self.lock = threading.Lock()
        self.set_rules(rules)
        self.log = open(log_path, "a", buffering=1) if log_path else None

    def set_rules(self, rules):
        with getattr(self, "lock", threading.Lock()):
            self.rules = list(rules)
            self.counts = [0] * len(self.rules)

    def match(self, path):
        """The rule that applies to this request (counting it), or None."""
        with self.lock:
            for i, r in enumerate(self.rules):
                hit = (r.get("path") == path) if "path" in r else bool(re.search(r.get("path_regex", "$^"), path))
                if not hit:
                    continue
                self.counts[i] += 1
                times = r.get("times")
                if times is not None and self.counts[i] > times:
                    return None
                return r
            return None

    def write_log(self, method, path, status, accept):
        if self.log:
            with self.lock:
                self.log.write(f"{method}\t{path}\t{status}\t{accept or '-'}\n")


def make_handler(root, state):
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, fmt, *args):
            pass

        def _path(self):
            return self.path.split("?", 1)[0].split("#", 1)[0]

        def _real(self):
            """(status, content-type, body) of the un-faulted response."""
            path = self._path()
            fs = self.translate_path(path)
            if os.path.isdir(fs):
                if not path.endswith("/"):
                    return 301, None, b""
                want_json = JSON_CT in self.headers.get("Accept", "")
                name, ct = ("index.json", JSON_CT) if want_json else ("index.html", "text/html")
                fs = os.path.join(fs, name)
                if not os.path.isfile(fs) and want_json:
                    fs, ct = os.path.join(os.path.dirname(fs), "index.html"), "text/html"
            else:
                ct = "text/plain" if fs.endswith(".metadata") else "application/octet-stream"
            if not os.path.isfile(fs):
                return 404, "text/plain", b"not found\n"
            with open(fs, "rb") as f:
                return 200, ct, f.read()

        def _send(self, status, ct, body, extra=(), length=None):
            self.send_response(status)
            if ct:
                self.send_header("Content-Type", ct)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.send_header("Vary", "Accept")
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self._status = status

        def do_GET(self):
            self._status = "-"
            try:
                self._handle()
            finally:
                if not self.path.startswith("/_control/"):
                    state.write_log(self.command, self.path, self._status, self.headers.get("Accept"))

        def do_POST(self):
            self._status = "-"
            if self._path() == "/_control/rules":
                n = int(self.headers.get("Content-Length", "0"))
                try:
                    state.set_rules(json.loads(self.rfile.read(n) or b"[]"))
                except ValueError as e:
                    self._send(400, "text/plain", str(e).encode())
                    self.wfile.write(str(e).encode())
                    return
                self._send(204, None, b"")
                return
            self._send(405, "text/plain", b"")

        def _handle(self):
            path = self._path()
            if path == "/_control/rules":
                body = json.dumps(state.rules).encode()
                self._send(200, "application/json", body)
                self.wfile.write(body)
                return
            rule = state.match(path)
            kind = rule.get("fault") if rule else None
            if kind == "reset":
                # SO_LINGER with zero timeout makes close() send RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if kind == "stall":
                time.sleep(float(rule.get("delay", 30)))
                self.close_connection = True
                return
            if kind == "status":
                status = int(rule.get("status", 503))
                body = f"fault {status}\n".encode()
                self._send(status, "text/plain", body)
                self.wfile.write(body)
                return
            if kind == "429":
                body = b"too many requests\n"
                self._send(429, "text/plain", body, [("Retry-After", str(rule.get("retry_after", 1)))])
                self.wfile.write(body)
                return
            if kind == "auth":
                want = "Basic " + base64.b64encode(rule.get("credentials", "").encode()).decode()
                if self.headers.get("Authorization") != want:
                    body = b"authentication required\n"
                    self._send(401, "text/plain", body, [("WWW-Authenticate", 'Basic realm="test"')])
                    self.wfile.write(body)
                    return
            if kind == "redirect":
                loc = rule.get("location") or (path + "?r=1")
                self._send(int(rule.get("status", 302)), "text/plain", b"", [("Location", loc)])
                return
            status, ct, body = self._real()
            if status == 301:
                self._send(301, "text/plain", b"", [("Location", path + "/")])
                return
            if kind == "invalid":
                body = b'{"meta": {"api-version": "1.1"}, "files": [' if ct == JSON_CT else b"<html><body><a href=\"\n"
            elif kind == "wrong-type":
                ct = rule.get("content_type", "text/plain")
            if kind == "truncate":
                self._send(status, ct, body, length=len(body))
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            self._send(status, ct, body, [("Cache-Control", "max-age=600")])
            if self.command == "HEAD":
                return
            if kind == "slow":
                chunk, delay = int(rule.get("chunk", 64)), float(rule.get("delay", 0.2))
                for i in range(0, len(body), chunk):
                    self.wfile.write(body[i : i + chunk])
                    self.wfile.flush()
                    time.sleep(delay)
                return
            self.wfile.write(body)

        do_HEAD = do_GET

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--rules")
    ap.add_argument("--log")
    a = ap.parse_args()
    rules = json.load(open(a.rules)) if a.rules else []
    state = State(rules, a.log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(os.path.abspath(a.root), state))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
