#!/usr/bin/env python3
"""A forward HTTP proxy for the proxy tests: absolute-URI requests (plain http) are forwarded,
CONNECT (https) is tunnelled. Standard library only; listens on 127.0.0.1.

Usage: proxy.py --log FILE [--port 0]
Prints the port on stdout (one line) once listening; stop it with SIGTERM.
Log: one line per request: "GET http://host:port/path" or "CONNECT host:port".
"""
import argparse
import http.client
import http.server
import select
import socket
import threading
import urllib.parse


def make_handler(log, lock):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _log(self, line):
            with lock:
                log.write(line + "\n")
                log.flush()

        def do_GET(self):
            self._log(f"{self.command} {self.path}")
            url = urllib.parse.urlsplit(self.path)
            if url.scheme != "http":
                self.send_error(400, "absolute http:// URL expected")
                return
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "connection")}
            try:
                conn.request(self.command, url.path + (("?" + url.query) if url.query else ""), headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except OSError as e:
                self.send_error(502, str(e))
                return
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "content-length", "keep-alive"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET

        def do_CONNECT(self):
            self._log(f"CONNECT {self.path}")
            host, _, port = self.path.rpartition(":")
            try:
                upstream = socket.create_connection((host, int(port)), timeout=30)
            except (OSError, ValueError) as e:
                self.send_error(502, str(e))
                return
            self.send_response(200, "Connection established")
            self.end_headers()
            self.close_connection = True
            sockets = [self.connection, upstream]
            try:
                while True:
                    ready, _, _ = select.select(sockets, [], [], 30)
                    if not ready:
                        break
                    for s in ready:
                        data = s.recv(65536)
                        if not data:
                            return
                        (upstream if s is self.connection else self.connection).sendall(data)
            finally:
                upstream.close()

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log = open(a.log, "a")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(log, threading.Lock()))
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
