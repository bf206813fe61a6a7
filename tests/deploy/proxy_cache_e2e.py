#!/usr/bin/python3
"""End-to-end test of deploy/nginx/pyresolve-proxy.conf: `resolve` through the nginx cache tier.

usage: proxy_cache_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR [unittest args...]

An upstream nginx (configured here: short max-age, ETag, PEP 691 negotiation, an access log
with If-None-Match) serves a make-index tree on two ports, one for pages and one for files, as
pypi.org and files.pythonhosted.org; the tree's pages link files by absolute URL like PyPI's.
The proxy reaches each port through delay_relay.py, which holds every connection for
RELAY_DELAY seconds so that concurrent clients' misses overlap. The proxy is the deployed configuration with its EDIT values replaced by local ones. Servers
listen on 127.0.0.1 and are stopped by PID; everything is written under one temp dir and the
fixture dir. The tests run in order (their names): each one builds on the cache the previous
ones filled.
"""
import base64
import collections
import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BIN, SRC, FIXTURES = (os.path.abspath(a) for a in sys.argv[1:4])
del sys.argv[1:4]
sys.path.insert(0, os.path.join(SRC, "tests", "cli"))
from index_trees import index_trees  # noqa: E402

RESOLVE = os.path.join(BIN, "resolve")
MAKE_INDEX = os.path.join(BIN, "make-index")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
PROXY_CONF = os.path.join(SRC, "deploy", "nginx", "pyresolve-proxy.conf")
DELAY_RELAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "delay_relay.py")
TARGET = ["--python-version", "3.11", "--python-platform", "linux", "--no-progress"]
# The upstream's Cache-Control max-age: long enough for the concurrent cold run to finish inside
# it (a revalidation there would be a second request), short enough to wait out twice.
MAX_AGE = 5
CLIENTS = 6
# How long each connection from the proxy to the upstream is held: the clients' requests for one
# URL then reach the proxy while its first request is still out (without it, on loopback, the
# first client's request is over before the next client starts, and the lock is never needed).
RELAY_DELAY = 0.3

# lib 3.0 appears in the second version of the index: only lib's page and lib 3.0's metadata differ.
UNIVERSE_V1 = {"packages": {
    "app": {"1.0": {"requires_dist": ["lib>=1"]},
            "2.0": {"requires_dist": ["lib>=2", "speed; extra == 'fast'"]}},
    "lib": {"1.0": {}, "2.0": {}},
    "speed": {"1.0": {"requires_dist": ["lib"]}},
}}
UNIVERSE_V2 = json.loads(json.dumps(UNIVERSE_V1))
UNIVERSE_V2["packages"]["lib"]["3.0"] = {}
REQUIREMENTS = "app[fast]\n"
PIP_ACCEPT = ("application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
              "text/html; q=0.01")

# What both nginx servers start with: one instance as the current user, its files in STATE.
MAIN_CONF = """{{user}}
worker_processes {workers};
pid {{state}}/nginx.pid;
error_log {{state}}/error.log warn;
daemon on;
events {{{{ worker_connections {connections}; }}}}
http {{{{
  client_body_temp_path {{state}}/tmp/body;
  proxy_temp_path {{state}}/tmp/proxy;
  fastcgi_temp_path {{state}}/tmp/fastcgi;
  uwsgi_temp_path {{state}}/tmp/uwsgi;
  scgi_temp_path {{state}}/tmp/scgi;
"""

# The upstream: nginx.sh's PyPI imitation with two listeners, a short max-age and a log that
# records the listener, status and If-None-Match of every request (tab-separated).
UPSTREAM_CONF = MAIN_CONF.format(workers=1, connections=256) + """  log_format upstream "$server_port\\t$request_method\\t$request_uri\\t$status\\t$http_if_none_match\\t$http_accept\\t$msec";
  access_log {state}/access.log upstream;
  types {{
    text/html html;
    application/vnd.pypi.simple.v1+json json;
    text/plain metadata;
  }}
  default_type application/octet-stream;
  map $http_accept $simple_index {{
    default index.html;
    "~application/vnd\\.pypi\\.simple\\.v1\\+json" index.json;
  }}
  server {{
    listen 127.0.0.1:{index_port};
    listen 127.0.0.1:{files_port};
    root {root};
    etag on;
    gzip on;
    gzip_min_length 0;
    gzip_types application/vnd.pypi.simple.v1+json text/plain;
    add_header Cache-Control "max-age={max_age}";
    add_header Vary Accept;
    location ~ ^/simple/(.*/)?$ {{
      try_files $uri$simple_index =404;
    }}
    location / {{ }}
  }}
}}
"""

# The proxy: the deployed file inside a minimal main configuration.
PROXY_MAIN_CONF = MAIN_CONF.format(workers=2, connections=512) + """  access_log off;
  default_type application/octet-stream;
  include {state}/pyresolve-proxy.conf;
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def edit(text, old, new, count):
    """Replaces an EDIT value of the deployed configuration outside its comment lines; it must
    be there `count` times."""
    lines = text.split("\n")
    code = [i for i, line in enumerate(lines) if not line.lstrip().startswith("#")]
    found = sum(lines[i].count(old) for i in code)
    if found != count:
        raise AssertionError(f"pyresolve-proxy.conf: expected {count} x {old!r}, found {found}")
    for i in code:
        lines[i] = lines[i].replace(old, new)
    return "\n".join(lines)


class nginx_server:
    """An nginx started from a configuration template, stopped by the PID in its pid file."""

    def __init__(self, state, template, ports, **values):
        self.state = state
        os.makedirs(os.path.join(state, "tmp"), exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""  # root's workers would be "nobody"
        write(os.path.join(state, "nginx.conf"), template.format(user=user, state=state, **values))
        subprocess.run([NGINX, "-p", state, "-c", os.path.join(state, "nginx.conf"), "-e",
                        os.path.join(state, "error.log")], check=True, capture_output=True)
        self.pid = int(read(os.path.join(state, "nginx.pid")))
        deadline = time.monotonic() + 5
        for port in ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise
                    time.sleep(0.05)

    def stop(self):
        if self.pid is None:
            return
        try:
            os.kill(self.pid, 15)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None


class relay:
    """delay_relay.py in front of one upstream listener, stopped by its PID."""

    def __init__(self, target):
        self.proc = subprocess.Popen([sys.executable, DELAY_RELAY, str(target), str(RELAY_DELAY)],
                                     stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise OSError("delay_relay.py did not start")
        self.port = int(line)

    def stop(self):
        if self.pid is None:
            return
        os.kill(self.pid, 15)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()
        self.pid = None


class upstream_log:
    """The upstream's access log as records, read from a given line on."""
    Record = collections.namedtuple("Record", "port method uri status if_none_match accept msec")

    def __init__(self, path):
        self.path = path

    def records(self, start=0):
        if not os.path.exists(self.path):
            return []
        lines = read(self.path).splitlines()[start:]
        out = []
        for line in lines:
            port, method, uri, status, inm, accept, msec = line.split("\t")
            out.append(self.Record(int(port), method, uri, int(status), "" if inm == "-" else inm, accept,
                                   float(msec)))
        return out

    def mark(self):
        return len(self.records())


class proxy_cache_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        trees = index_trees(MAKE_INDEX, FIXTURES)
        cls.tree_v1 = trees.universe_index("deploy-proxy-v1", UNIVERSE_V1)
        cls.tree_v2 = trees.universe_index("deploy-proxy-v2", UNIVERSE_V2)
        cls.tmp = tempfile.mkdtemp(prefix="pyresolve-deploy-proxy-")
        write(os.path.join(cls.tmp, "reqs.in"), REQUIREMENTS)
        cls.servers = []
        try:
            cls.start_servers()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_servers(cls):
        cls.root = os.path.join(cls.tmp, "upstream-root")
        for attempt in range(5):
            cls.index_port, cls.files_port, cls.proxy_port = free_port(), free_port(), free_port()
            if len({cls.index_port, cls.files_port, cls.proxy_port}) < 3:
                continue
            try:
                # The proxy reaches each listener through a relay that delays every connection.
                cls.index_relay = relay(cls.index_port)
                cls.servers.append(cls.index_relay)
                cls.files_relay = relay(cls.files_port)
                cls.servers.append(cls.files_relay)
                shutil.rmtree(cls.root, ignore_errors=True)
                cls.sync_tree(cls.tree_v1)
                state = os.path.join(cls.tmp, f"upstream-{attempt}")
                cls.upstream = nginx_server(state, UPSTREAM_CONF, [cls.index_port, cls.files_port], root=cls.root,
                                            index_port=cls.index_port, files_port=cls.files_port, max_age=MAX_AGE)
                cls.servers.append(cls.upstream)
                state = os.path.join(cls.tmp, f"proxy-{attempt}")
                os.makedirs(state)
                cls.proxy_log = os.path.join(state, "proxy.access.log")
                write(os.path.join(state, "pyresolve-proxy.conf"), cls.proxy_conf(state))
                cls.proxy = nginx_server(state, PROXY_MAIN_CONF, [cls.proxy_port])
                cls.servers.append(cls.proxy)
                break
            except (subprocess.CalledProcessError, OSError):  # a port taken meanwhile: again
                for server in cls.servers:
                    server.stop()
                cls.servers = []
        else:
            raise RuntimeError("could not start the upstream and the proxy")
        cls.upstream_log = upstream_log(os.path.join(cls.upstream.state, "access.log"))
        cls.proxy_url = f"http://127.0.0.1:{cls.proxy_port}/simple"

    @classmethod
    def proxy_conf(cls, state):
        text = read(PROXY_CONF)
        text = edit(text, "/var/cache/nginx/pyresolve", os.path.join(state, "cache"), 1)
        text = edit(text, "listen 80;", f"listen 127.0.0.1:{cls.proxy_port};", 1)
        text = edit(text, "/var/log/nginx/pyresolve-proxy.access.log", os.path.join(state, "proxy.access.log"), 1)
        text = edit(text, "https://pypi.org", f"http://127.0.0.1:{cls.index_relay.port}", 2)
        return edit(text, "https://files.pythonhosted.org", f"http://127.0.0.1:{cls.files_relay.port}", 2)

    @classmethod
    def sync_tree(cls, tree):
        """Makes the upstream's root `tree` with absolute file links (as PyPI's pages have), writing
        only the files whose bytes change, so the others keep their mtime and so their ETag."""
        files_base = f"http://127.0.0.1:{cls.files_relay.port}/files/"
        for dirpath, _, names in os.walk(tree):
            for name in names:
                if name.startswith(".") or name.endswith(".json") and dirpath == tree:
                    continue
                src = os.path.join(dirpath, name)
                dst = os.path.join(cls.root, os.path.relpath(src, tree))
                with open(src, "rb") as f:
                    data = f.read()
                if os.path.relpath(dirpath, tree).startswith("simple"):
                    data = data.replace(b"../../files/", files_base.encode())
                if os.path.exists(dst):
                    with open(dst, "rb") as f:
                        if f.read() == data:
                            continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                with open(dst, "wb") as f:
                    f.write(data)

    @classmethod
    def tearDownClass(cls):
        for server in cls.servers:
            server.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------------

    def env(self):
        drop = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_COLOR"}
        return {k: v for k, v in os.environ.items() if not k.startswith("PYRESOLVE_") and k.lower() not in drop}

    def argv(self, index, *extra):
        cache = tempfile.mkdtemp(prefix="cache-", dir=self.tmp)
        return [RESOLVE, "reqs.in", "-i", index, "--cache-dir", cache, *TARGET, *extra]

    def resolve(self, index, *extra):
        return subprocess.run(self.argv(index, *extra), capture_output=True, text=True, env=self.env(),
                              cwd=self.tmp, timeout=120)

    def pins(self, text):
        return {line.split("==")[0]: line.split("==")[1] for line in text.splitlines() if "==" in line}

    def get(self, path, headers):
        req = urllib.request.Request(f"http://127.0.0.1:{self.proxy_port}{path}", headers=headers)
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()

    def proxy_statuses(self, start=0):
        """(request path, X-Cache-Status) of the proxy's log lines from `start` on."""
        out = []
        for line in read(self.proxy_log).splitlines()[start:]:
            path = line.split('"')[1].split(" ")[1]
            out.append((path, line.split("cache=")[1].split(" ")[0]))
        return out

    def wait_until_expired(self):
        """Sleeps until every entry the proxy stored has outlived the upstream's max-age."""
        last = max(r.msec for r in self.upstream_log.records())
        time.sleep(max(0.0, last + MAX_AGE + 1.0 - time.time()))

    # --- the tests, in order ----------------------------------------------------------------

    def test_1_concurrent_cold_clients_fetch_each_url_once(self):
        """CLIENTS resolves at once, each with its own cache: one answer, one upstream fetch per URL."""
        started = time.monotonic()
        procs = [subprocess.Popen(self.argv(self.proxy_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=self.env(), cwd=self.tmp) for _ in range(CLIENTS)]
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
        elapsed = time.monotonic() - started
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        for code, _, err in results:
            self.assertEqual(code, 0, err)
        self.assertEqual(len({out for _, out, _ in results}), 1, [out for _, out, _ in results])
        self.assertEqual(self.pins(results[0][1]), {"app": "2.0", "lib": "2.0", "speed": "1.0"})

        records = self.upstream_log.records()
        per_url = collections.Counter((r.port, r.uri) for r in records)
        self.assertEqual({k: n for k, n in per_url.items() if n != 1}, {},
                         f"fetched more than once (the run took {elapsed:.1f} s, max-age is {MAX_AGE} s)")
        # The pages and metadata the answer needs (pyresolve may fetch a little more ahead).
        index, files = self.index_port, self.files_port
        self.assertLessEqual({
            (index, "/simple/app/"), (index, "/simple/lib/"), (index, "/simple/speed/"),
            (files, "/files/app-2.0-py3-none-any.whl.metadata"),
            (files, "/files/lib-2.0-py3-none-any.whl.metadata"),
            (files, "/files/speed-1.0-py3-none-any.whl.metadata")}, set(per_url))
        # Pages from the index's host, files from the file host: the links were rewritten to /dist/.
        for port, uri in per_url:
            self.assertEqual(port, index if uri.startswith("/simple/") else files, uri)
            self.assertTrue(uri.startswith(("/simple/", "/files/")), uri)
        for r in records:
            self.assertEqual((r.method, r.status, r.if_none_match), ("GET", 200, ""), r)
            if r.uri.startswith("/simple/"):  # the canonical Accept of the JSON variant
                self.assertEqual(r.accept, "application/vnd.pypi.simple.v1+json", r)
        # Every client asked the proxy for every page and file: the misses were collapsed.
        asked = collections.Counter(path for path, _ in self.proxy_statuses())
        self.assertEqual(asked["/simple/app/"], CLIENTS)
        self.assertEqual(asked["/dist/files/lib-2.0-py3-none-any.whl.metadata"], CLIENTS)

    def test_2_accept_variants_and_authorization(self):
        """The key holds the normalised Accept; requests with credentials bypass the cache."""
        mark = self.upstream_log.mark()
        # pip's spelling of the JSON preference is the entry pyresolve's filled, links rewritten.
        status, headers, body = self.get("/simple/lib/", {"Accept": PIP_ACCEPT})
        self.assertEqual((status, headers["X-Cache-Status"]), (200, "HIT"))
        self.assertEqual(headers["Content-Type"], "application/vnd.pypi.simple.v1+json")
        # The upstream's Vary reaches the client though storage ignores it; a weak ETag survives
        # the link rewriting, and the client's conditional request is answered by the proxy.
        self.assertIn("Accept", headers["Vary"])
        self.assertTrue(headers["ETag"].startswith('W/"'), headers)
        with self.assertRaises(urllib.error.HTTPError) as not_modified:
            self.get("/simple/lib/", {"Accept": PIP_ACCEPT, "If-None-Match": headers["ETag"]})
        self.assertEqual(not_modified.exception.code, 304)
        urls = [f["url"] for f in json.loads(body)["files"]]
        self.assertEqual(urls, ["/dist/files/lib-1.0-py3-none-any.whl", "/dist/files/lib-2.0-py3-none-any.whl"])
        # Compressed for a client that asks.
        status, headers, body = self.get("/simple/lib/", {"Accept": PIP_ACCEPT, "Accept-Encoding": "gzip"})
        self.assertEqual((headers["X-Cache-Status"], headers.get("Content-Encoding")), ("HIT", "gzip"))
        self.assertIn(b"/dist/files/lib-2.0-py3-none-any.whl", gzip.decompress(body))
        # A legacy client's HTML is another entry.
        for expected in ("MISS", "HIT"):
            status, headers, body = self.get("/simple/lib/", {"Accept": "text/html"})
            self.assertEqual((status, headers["X-Cache-Status"]), (200, expected))
            self.assertTrue(headers["Content-Type"].startswith("text/html"), headers)
            self.assertIn(b'href="/dist/files/lib-2.0-py3-none-any.whl#sha256=', body)
        # Credentials: both requests reach the upstream, neither is stored nor served from the cache.
        auth = {"Accept": PIP_ACCEPT, "Authorization": "Basic " + base64.b64encode(b"user:secret").decode()}
        for _ in range(2):
            status, headers, _ = self.get("/simple/lib/", auth)
            self.assertEqual((status, headers["X-Cache-Status"]), (200, "BYPASS"))
        status, headers, _ = self.get("/simple/lib/", {"Accept": "application/vnd.pypi.simple.v1+json"})
        self.assertEqual(headers["X-Cache-Status"], "HIT")
        self.assertEqual([(r.uri, r.accept, r.status) for r in self.upstream_log.records(mark)], [
            ("/simple/lib/", "text/html", 200),
            ("/simple/lib/", "application/vnd.pypi.simple.v1+json", 200),
            ("/simple/lib/", "application/vnd.pypi.simple.v1+json", 200)])

    def test_3_expired_entries_are_revalidated(self):
        """After expiry a changed page comes back 200, the unchanged ones 304, to a conditional request."""
        self.sync_tree(self.tree_v2)
        self.wait_until_expired()
        mark, proxy_mark = self.upstream_log.mark(), len(self.proxy_statuses())
        out = self.resolve(self.proxy_url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.pins(out.stdout), {"app": "2.0", "lib": "3.0", "speed": "1.0"})
        seen = {r.uri: (r.status, bool(r.if_none_match)) for r in self.upstream_log.records(mark)}
        self.assertEqual(len(seen), len(self.upstream_log.records(mark)), "a URL fetched twice")
        self.assertLessEqual({"/simple/app/", "/simple/lib/", "/simple/speed/",
                              "/files/lib-3.0-py3-none-any.whl.metadata",
                              "/files/speed-1.0-py3-none-any.whl.metadata"}, set(seen))
        for uri, answer in seen.items():
            if uri == "/simple/lib/":  # changed: its stored ETag no longer matches
                self.assertEqual(answer, (200, True), uri)
            elif uri.startswith("/files/lib-3.0"):  # new: a plain miss
                self.assertEqual(answer, (200, False), uri)
            else:  # unchanged: asked with If-None-Match, refreshed without a body
                self.assertEqual(answer, (304, True), uri)
        verdicts = dict(self.proxy_statuses(proxy_mark))
        self.assertEqual(verdicts["/simple/app/"], "REVALIDATED")
        self.assertEqual(verdicts["/simple/lib/"], "EXPIRED")
        self.assertEqual(verdicts["/dist/files/lib-3.0-py3-none-any.whl.metadata"], "MISS")

    def test_4_stale_entries_are_served_while_the_upstream_is_down(self):
        """proxy_cache_use_stale error: expired entries answer when the upstream is gone."""
        self.wait_until_expired()
        self.upstream.stop()
        proxy_mark = len(self.proxy_statuses())
        out = self.resolve(self.proxy_url)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(self.pins(out.stdout), {"app": "2.0", "lib": "3.0", "speed": "1.0"})
        self.assertEqual({v for _, v in self.proxy_statuses(proxy_mark)}, {"STALE"})

    def test_5_dead_proxy_exit_2_naming_it(self):
        """Nothing listening on the proxy's port: exit 2, the URL in the message (credentials
        redacted); an --extra-index-url is asked first, so it is no fallback for the proxy."""
        self.proxy.stop()
        direct = "file://" + os.path.join(self.tree_v2, "simple")
        with_credentials = f"http://user:secret@127.0.0.1:{self.proxy_port}/simple"
        write(os.path.join(self.tmp, "missing.in"), "not-on-the-extra\n")
        missing = self.argv(self.proxy_url, "--extra-index-url", direct)
        missing[1] = "missing.in"
        runs = [self.argv(self.proxy_url), self.argv(with_credentials),
                self.argv(direct, "--extra-index-url", self.proxy_url),
                self.argv(self.proxy_url, "--extra-index-url", direct), missing]
        # At once: each dead run spends about a second on pyresolve's retries.
        procs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env(),
                                  cwd=self.tmp) for argv in runs]
        done = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
        plain, credentials, proxy_extra, direct_extra, missing = done
        self.assertEqual(plain.returncode, 2, plain.stderr)
        self.assertEqual(plain.stdout, "")
        self.assertIn(f"error: {self.proxy_url}/app/: request failed:", plain.stderr)
        self.assertEqual(credentials.returncode, 2, credentials.stderr)
        self.assertIn(f"error: http://***@127.0.0.1:{self.proxy_port}/simple/app/: request failed:",
                      credentials.stderr)
        self.assertNotIn("secret", credentials.stderr)
        # The proxy as an extra index: it is asked first, so its death fails the run.
        self.assertEqual(proxy_extra.returncode, 2, proxy_extra.stderr)
        self.assertIn(f"{self.proxy_url}/app/", proxy_extra.stderr)
        # The proxy as the index behind a direct extra: the extra answers every project it has,
        # so the run succeeds without asking the proxy at all (nothing to fall back from)...
        self.assertEqual(direct_extra.returncode, 0, direct_extra.stderr)
        self.assertEqual(self.pins(direct_extra.stdout), {"app": "2.0", "lib": "3.0", "speed": "1.0"})
        # ...and a project the extra lacks is asked of the proxy: exit 2, naming it.
        self.assertEqual(missing.returncode, 2, missing.stderr)
        self.assertIn(f"{self.proxy_url}/not-on-the-extra/", missing.stderr)

if __name__ == "__main__":
    unittest.main(verbosity=2)
