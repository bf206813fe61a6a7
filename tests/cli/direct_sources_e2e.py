#!/usr/bin/python3
"""End-to-end tests of `resolve` with direct sources: `name @ URL` archives (file://, http://,
https://), bare paths and URLs, project directories with a static pyproject.toml, editables and
git repositories (git+file:// and git+http:// through `git http-backend` behind nginx).

usage: direct_sources_e2e.py BIN_DIR SOURCE_DIR FIXTURE_DIR [unittest args...]

The index is a make-index `--universe` tree under FIXTURE_DIR. The wheels, sdists, project
directories and git repositories are written by this script into a temp dir of the test class,
deterministically (fixed zip and tar timestamps, fixed commit dates). Every server listens on
127.0.0.1 and is stopped by its PID; every run gets its own cache directory. With
ONLY_FIXTURES=1 in the environment, the script builds the fixtures, checks that the servers
serve them (an HTTP download and a `git clone` over HTTP) and exits.
"""
import base64
import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import unittest
import urllib.request
import zipfile

from index_trees import file_url, index_trees, read

BIN, SRC, FIXTURES = (os.path.abspath(a) for a in sys.argv[1:4])
RESOLVE = os.path.join(BIN, "resolve")
MAKE_INDEX = os.path.join(BIN, "make-index")
NGINX_SH = os.path.join(SRC, "tests", "servers", "nginx.sh")
NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")
FCGIWRAP = "/usr/sbin/fcgiwrap"
TARGET = ["--python-version", "3.11", "--python-platform", "linux"]
TIMEOUT = 120

# The index side. Its app 2.0, lib 3.0 and gitpkg 9.0 are newer than the direct sources: an
# answer that takes the index's release instead of the direct one shows in the pins. urldep's
# metadata requires a package by URL, which only the user may do.
UNIVERSE = {"packages": {
    "app": {"2.0": {}},
    "lib": {"1.0": {}, "2.0": {}, "3.0": {}},
    "extra-dep": {"1.0": {"requires_dist": ["lib"]}},
    "gitpkg": {"9.0": {}},
    "urldep": {"1.0": {"requires_dist": ["x @ https://example.invalid/x-1.0-py3-none-any.whl"]}},
}}

# Fixed dates and no user or system configuration: the same commits on every machine.
GIT_ENV = {
    "GIT_AUTHOR_NAME": "pyresolve tests", "GIT_AUTHOR_EMAIL": "tests@pyresolve.invalid",
    "GIT_COMMITTER_NAME": "pyresolve tests", "GIT_COMMITTER_EMAIL": "tests@pyresolve.invalid",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
}


_trees = index_trees(MAKE_INDEX, FIXTURES)
build_index, universe_index = _trees.build_index, _trees.universe_index


def stop_process(process):
    """Stops a server this test started: SIGTERM, then SIGKILL after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- fixture builders ---------------------------------------------------------------------

def metadata_text(version_field, name, version, requires=(), extras=None, requires_python=None, dynamic=()):
    lines = [f"Metadata-Version: {version_field}", f"Name: {name}", f"Version: {version}"]
    lines += [f"Dynamic: {field}" for field in dynamic]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires]
    for extra, reqs in (extras or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f"Requires-Dist: {r} ; extra == \"{extra}\"" for r in reqs]
    return "\n".join(lines) + "\n"


def make_wheel(folder, name, version, requires=(), extras=None, requires_python=None):
    """A pure-Python wheel written with zipfile: a module, METADATA, WHEEL and RECORD."""
    os.makedirs(folder, exist_ok=True)
    escaped = re.sub(r"[-_.]+", "_", name)  # PEP 427: a filename's name part holds no '-'
    path = os.path.join(folder, f"{escaped}-{version}-py3-none-any.whl")
    dist_info = f"{escaped}-{version}.dist-info"
    files = [
        (f"{escaped}/__init__.py", f"__version__ = \"{version}\"\n".encode()),
        (f"{dist_info}/METADATA", metadata_text("2.1", name, version, requires, extras, requires_python).encode()),
        (f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: pyresolve-tests\nRoot-Is-Purelib: true\n"
                               b"Tag: py3-none-any\n"),
    ]
    record = ""
    for arcname, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record += f"{arcname},sha256={digest},{len(data)}\n"
    files.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    with zipfile.ZipFile(path, "w") as z:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return path


def pyproject_text(name, version, dependencies=None, optional=None, requires_python=None, dynamic=()):
    text = ('[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n')
    if requires_python:
        text += f'requires-python = "{requires_python}"\n'
    if dynamic:
        text += "dynamic = [" + ", ".join(f'"{d}"' for d in dynamic) + "]\n"
    if dependencies is not None:
        text += "dependencies = [" + ", ".join(json.dumps(d) for d in dependencies) + "]\n"
    if optional:
        text += "\n[project.optional-dependencies]\n"
        for extra, reqs in optional.items():
            text += f"{extra} = [" + ", ".join(json.dumps(r) for r in reqs) + "]\n"
    return text


def make_sdist(folder, name, version, requires=(), dynamic=()):
    """A `.tar.gz` sdist with PKG-INFO (Metadata-Version 2.2) and pyproject.toml."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}-{version}.tar.gz")
    base = f"{name}-{version}"
    if "Requires-Dist" in dynamic:
        pyproject = pyproject_text(name, version, dynamic=["dependencies"])
    else:
        pyproject = pyproject_text(name, version, list(requires))
    members = [
        (f"{base}/PKG-INFO", metadata_text("2.2", name, version, requires, dynamic=dynamic)),
        (f"{base}/pyproject.toml", pyproject),
        (f"{base}/{name}/__init__.py", f"__version__ = \"{version}\"\n"),
    ]
    raw = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for arcname, text in members:
                data = text.encode()
                info = tarfile.TarInfo(arcname)
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                tar.addfile(info, io.BytesIO(data))
    with open(path, "wb") as f:
        f.write(raw.getvalue())
    return path


def tools_index(root):
    """A PEP 503 index (HTML pages, file:// links) of the setuptools and wheel wheels Debian ships
    (python3-setuptools-whl, python3-wheel-whl): what an isolated build environment is made of."""
    simple = os.path.join(root, "tools", "simple")
    for name in ("setuptools", "wheel"):
        wheels = sorted(glob.glob(f"/usr/share/python-wheels/{name}-*-py3-none-any.whl"))
        if not wheels:
            raise unittest.SkipTest(f"no {name} wheel in /usr/share/python-wheels")
        os.makedirs(os.path.join(simple, name))
        with open(os.path.join(simple, name, "index.html"), "w") as f:
            for wheel in wheels:
                f.write(f'<a href="file://{wheel}#sha256={sha256_of(wheel)}">{os.path.basename(wheel)}</a>\n')
    return "file://" + simple


def make_project(folder, files):
    """A project directory: {relative path: text}."""
    for rel, text in files.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    return folder


def git(cwd, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    return subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                           "-c", "tag.gpgsign=false", *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout.strip()


def make_git_repo(folder):
    """gitpkg: v1.0 (annotated tag, also branch `legacy`) needs lib<2; main's head is 2.0 and
    needs lib>=2. sub/ holds subpkg 0.1 (needs extra-dep) in both commits. Returns (v1.0 sha,
    main sha)."""
    os.makedirs(folder)
    git(folder, "init", "-q")
    make_project(folder, {
        "pyproject.toml": pyproject_text("gitpkg", "1.0", ["lib<2"]),
        "gitpkg/__init__.py": "",
        "sub/pyproject.toml": pyproject_text("subpkg", "0.1", ["extra-dep"]),
        "sub/subpkg/__init__.py": "",
    })
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "gitpkg 1.0")
    git(folder, "tag", "-a", "v1.0", "-m", "gitpkg 1.0")
    git(folder, "branch", "legacy")
    first = git(folder, "rev-parse", "HEAD")
    make_project(folder, {"pyproject.toml": pyproject_text("gitpkg", "2.0", ["lib>=2"])})
    git(folder, "commit", "-q", "-a", "-m", "gitpkg 2.0")
    second = git(folder, "rev-parse", "HEAD")
    return first, second


def build_fixtures(root):
    """Every direct source the tests name, under root; returns a dict of what tests need."""
    dist = os.path.join(root, "dist")
    fx = {"root": root, "dist": dist}
    fx["app"] = make_wheel(dist, "app", "1.0", ["lib<3"], extras={"cli": ["extra-dep"]})
    fx["helper"] = make_wheel(dist, "helper", "1.0")
    fx["lib25"] = make_wheel(dist, "lib", "2.5")
    fx["top"] = make_wheel(dist, "top", "1.0", ["x @ https://example.invalid/x-1.0-py3-none-any.whl", "lib"])
    fx["tool"] = make_sdist(dist, "tool", "1.0", ["lib==1.0"])
    fx["dyntool"] = make_sdist(dist, "dyntool", "1.0", ["lib"], dynamic=["Requires-Dist"])
    fx["mylib"] = make_project(os.path.join(root, "mylib"), {
        "pyproject.toml": pyproject_text("mylib", "0.5", ["lib>=2"], optional={"cli": ["extra-dep"]},
                                         requires_python=">=3.8"),
        "mylib/__init__.py": "",
    })
    fx["dynlib"] = make_project(os.path.join(root, "dynlib"), {
        "pyproject.toml": pyproject_text("dynlib", "1.0", dynamic=["dependencies"]) +
        '\n[tool.setuptools.dynamic]\ndependencies = {file = ["requirements.txt"]}\n',
        "requirements.txt": "lib\n",
        "dynlib/__init__.py": "",
    })
    fx["setuplib"] = make_project(os.path.join(root, "setuplib"), {
        "setup.py": "from setuptools import setup\nsetup(name='setuplib', version='1.0', install_requires=['lib'])\n",
        "setuplib/__init__.py": "",
    })
    fx["repo"] = os.path.join(root, "repo")
    fx["sha1"], fx["sha2"] = make_git_repo(fx["repo"])
    # What the HTTP servers publish: the archives under files/ (simple/ answers nginx.sh's probe),
    # and a bare clone of the repository for git http-backend.
    web = os.path.join(root, "web")
    os.makedirs(os.path.join(web, "simple"))
    with open(os.path.join(web, "simple", "index.html"), "w") as f:
        f.write("<html><body></body></html>\n")
    shutil.copytree(dist, os.path.join(web, "files"))
    fx["web"] = web
    fx["gitroot"] = os.path.join(root, "gitroot")
    os.makedirs(fx["gitroot"])
    git(root, "clone", "-q", "--bare", fx["repo"], os.path.join(fx["gitroot"], "repo.git"))
    return fx


# --- servers ------------------------------------------------------------------------------

class archive_server:
    """tests/servers/nginx.sh serving the fixtures' web/ folder (files under /files/)."""

    def __init__(self, web, tls=None):
        self.state = tempfile.mkdtemp(prefix="pyresolve-direct-nginx-")
        env = dict(os.environ)
        scheme = "http"
        if tls:
            env["NGINX_TLS_CERT"], env["NGINX_TLS_KEY"] = tls
            scheme = "https"
        out = subprocess.run(["bash", NGINX_SH, "start", web, self.state], check=True, capture_output=True,
                             text=True, env=env).stdout.split()
        self.pid = int(out[1])
        self.files = f"{scheme}://127.0.0.1:{out[0]}/files/"

    def log(self):
        path = os.path.join(self.state, "access.log")
        return read(path) if os.path.exists(path) else ""

    def stop(self):
        if self.state:
            subprocess.run(["bash", NGINX_SH, "stop", self.state], check=False)
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None


class git_http_server:
    """Repositories under ROOT served over HTTP on 127.0.0.1: `git http-backend` behind nginx
    through fcgiwrap (the smart protocol), both started here and stopped by their PIDs. Where
    fcgiwrap is missing, nginx serves the bare repositories as files (git's dumb protocol)."""

    def __init__(self, gitroot):
        self.state = tempfile.mkdtemp(prefix="pyresolve-git-http-")
        os.makedirs(os.path.join(self.state, "tmp"))
        self.fcgiwrap = self.nginx = self.fcgiwrap_log = None
        self.smart = os.access(FCGIWRAP, os.X_OK)
        try:
            self._start(gitroot)
        except BaseException:
            self.stop()
            raise

    def _start(self, gitroot):
        backend = os.path.join(subprocess.run(["git", "--exec-path"], check=True, capture_output=True,
                                              text=True).stdout.strip(), "git-http-backend")
        sock = os.path.join(self.state, "fcgiwrap.sock")
        if self.smart:
            self.fcgiwrap_log = open(os.path.join(self.state, "fcgiwrap.log"), "w")
            self.fcgiwrap = subprocess.Popen([FCGIWRAP, "-s", "unix:" + sock, "-p", backend],
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=self.fcgiwrap_log)
            for _ in range(100):
                if os.path.exists(sock) or self.fcgiwrap.poll() is not None:
                    break
                time.sleep(0.05)
            if not os.path.exists(sock):
                raise RuntimeError("fcgiwrap did not start: " + read(os.path.join(self.state, "fcgiwrap.log")))
            location = f"""
      fastcgi_pass unix:{sock};
      fastcgi_param SCRIPT_FILENAME {backend};
      fastcgi_param GIT_PROJECT_ROOT {gitroot};
      fastcgi_param GIT_HTTP_EXPORT_ALL "";
      fastcgi_param PATH_INFO $uri;
      fastcgi_param QUERY_STRING $query_string;
      fastcgi_param REQUEST_METHOD $request_method;
      fastcgi_param CONTENT_TYPE $content_type;
      fastcgi_param CONTENT_LENGTH $content_length;
      fastcgi_param REMOTE_ADDR $remote_addr;
      fastcgi_param SERVER_PROTOCOL $server_protocol;
      fastcgi_param GATEWAY_INTERFACE CGI/1.1;"""
            probe = "/repo.git/info/refs?service=git-upload-pack"
        else:
            for name in os.listdir(gitroot):
                git(os.path.join(gitroot, name), "update-server-info")
            location = ""
            probe = "/repo.git/info/refs"
        user_line = "user root;" if os.geteuid() == 0 else ""  # else workers run as nobody
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        for _ in range(5):
            port = free_port()
            conf = os.path.join(self.state, "nginx.conf")
            with open(conf, "w") as f:
                f.write(f"""{user_line}
worker_processes 1;
daemon off;
pid {self.state}/nginx.pid;
error_log {self.state}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log {self.state}/access.log;
  client_body_temp_path {self.state}/tmp/body;
  proxy_temp_path {self.state}/tmp/proxy;
  fastcgi_temp_path {self.state}/tmp/fastcgi;
  uwsgi_temp_path {self.state}/tmp/uwsgi;
  scgi_temp_path {self.state}/tmp/scgi;
  default_type application/octet-stream;
  server {{
    listen 127.0.0.1:{port};
    root {gitroot};
    location / {{{location}
    }}
  }}
}}
""")
            self.nginx = subprocess.Popen([NGINX, "-p", self.state, "-c", conf, "-e", self.state + "/error.log"],
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)
            for _ in range(50):
                if self.nginx.poll() is not None:
                    break
                try:
                    with opener.open(f"http://127.0.0.1:{port}{probe}", timeout=5) as r:
                        if r.status == 200:
                            self.url = f"http://127.0.0.1:{port}"
                            return
                except OSError:
                    pass
                time.sleep(0.1)
            self._stop_nginx()
        raise RuntimeError("nginx for git did not start: " + read(os.path.join(self.state, "error.log")))

    def log(self):
        path = os.path.join(self.state, "access.log")
        return read(path) if self.state and os.path.exists(path) else ""

    def _stop_nginx(self):
        if self.nginx is not None:
            stop_process(self.nginx)
            self.nginx = None

    def stop(self):
        self._stop_nginx()
        if self.fcgiwrap is not None:
            stop_process(self.fcgiwrap)
            self.fcgiwrap = None
        if self.fcgiwrap_log is not None:
            self.fcgiwrap_log.close()
            self.fcgiwrap_log = None
        if self.state:
            shutil.rmtree(self.state, ignore_errors=True)
            self.state = None


class connection_trap:
    """A listening socket on 127.0.0.1 named as every proxy: a run that tries the network
    connects here instead (no DNS lookup is made for a proxied URL)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.env = {k: url for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                     "all_proxy")}

    def attempts(self):
        self.sock.setblocking(False)
        count = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except BlockingIOError:
                return count
            conn.close()
            count += 1

    def close(self):
        self.sock.close()


# --- the tests ----------------------------------------------------------------------------

class direct_sources_test(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.uni = universe_index("cli-direct-sources", UNIVERSE)
        cls.index = file_url(cls.uni)
        cls.root = tempfile.mkdtemp(prefix="pyresolve-direct-")
        cls.tools_url = tools_index(cls.root)
        cls.http = None
        try:
            cls.fx = build_fixtures(cls.root)
            cls.http = archive_server(cls.fx["web"])
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.http:
            cls.http.stop()
        shutil.rmtree(cls.root, ignore_errors=True)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pyresolve-direct-run-")
        self.cache = os.path.join(self.tmp, "cache")
        self.fx = type(self).fx

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # helpers

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PYRESOLVE_") and k != "NO_COLOR" and k.lower() not in (
                   "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ssl_cert_file")}
        env.update(extra)
        return env

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def copy(self, what, dest):
        """A fixture (file or directory) copied to dest under the run's temp dir."""
        src, target = self.fx[what], os.path.join(self.tmp, dest)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, target)
        else:
            shutil.copyfile(src, target)
        return target

    def resolve(self, *args, env=None, cache=None, cwd=None):
        argv = [RESOLVE, *args, "-i", self.index, "--cache-dir", cache or self.cache, *TARGET]
        return subprocess.run(argv, capture_output=True, text=True, env=env or self.env(), cwd=cwd or self.tmp,
                              stdin=subprocess.DEVNULL, timeout=TIMEOUT)

    def ok(self, *args, **kw):
        out = self.resolve(*args, **kw)
        self.assertEqual(out.returncode, 0, out.stderr)
        return out

    def compile(self, text, *args, name="requirements.in", **kw):
        """Writes the requirements file and resolves it without header; the output text."""
        self.write(name, text)
        return self.ok(name, "--no-header", *args, **kw).stdout

    def fails(self, code, text, *args, name="requirements.in", **kw):
        """Writes the requirements file, expects exit `code`; the error text."""
        self.write(name, text)
        out = self.resolve(name, "--no-header", *args, **kw)
        self.assertEqual(out.returncode, code, (text, out.stdout, out.stderr))
        self.assertEqual(out.stdout, "")
        if code == 2:
            self.assertRegex(out.stderr, r"(?m)^error: ", out.stderr)
        return out.stderr

    def url(self, what):
        return "file://" + self.fx[what]

    def json_packages(self, text, *args):
        self.write("requirements.in", text)
        doc = json.loads(self.ok("requirements.in", "--format", "json", *args).stdout)
        return {p["name"]: p for p in doc["packages"]}

    # --- archives -----------------------------------------------------------------------

    def test_wheel_by_file_url_reads_its_metadata(self):
        """A file:// wheel is taken as given (not the index's newer app), its METADATA's
        Requires-Dist resolves from the index, and the pin line is the URL as written."""
        out = self.compile(f"app @ {self.url('app')}\n")
        self.assertEqual(out, f"app @ {self.url('app')}\n    # via -r requirements.in\n"
                              "lib==2.0\n    # via app\n")

    def test_direct_package_satisfies_transitive_requirements(self):
        """A direct wheel of lib 2.5 serves extra-dep's requirement on lib: the index's newer
        lib 3.0 is not taken, and both requesters are named."""
        out = self.compile(f"extra-dep\nlib @ {self.url('lib25')}\n")
        self.assertEqual(out, "extra-dep==1.0\n    # via -r requirements.in\n"
                              f"lib @ {self.url('lib25')}\n    # via\n    #   -r requirements.in\n"
                              "    #   extra-dep\n")

    def test_wheel_over_http_with_extra(self):
        """An http:// wheel is downloaded from the server; its extra pulls extra-dep."""
        url = self.http.files + "app-1.0-py3-none-any.whl"
        out = self.compile(f"app[cli] @ {url}\n")
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^app(\[cli\])? @ " + re.escape(url) + "$")
        self.assertEqual(lines[1:], ["    # via -r requirements.in",
                                     "extra-dep==1.0", "    # via app",
                                     "lib==2.0", "    # via", "    #   app", "    #   extra-dep"])
        self.assertIn("/files/app-1.0-py3-none-any.whl", self.http.log())

    def test_credentials_in_a_url_are_neither_written_nor_printed(self):
        """A password in a wheel's URL reaches the server but not the output, nor an error."""
        url = self.http.files.replace("http://", "http://user:s3cret@") + "app-1.0-py3-none-any.whl"
        out = self.compile(f"app @ {url}\n")
        self.assertNotIn("s3cret", out)
        self.assertIn("app @ http://", out)
        for fmt in ("json", "pylock.toml"):
            self.assertNotIn("s3cret", self.ok("requirements.in", "--format", fmt).stdout)
        err = self.fails(2, f"app @ {url.replace('app-1.0', 'app-9.0')}\n")
        self.assertNotIn("s3cret", err)

    def test_wheel_over_https_needs_the_ca(self):
        """An https:// wheel from a self-signed 127.0.0.1 server: refused (exit 2) until
        SSL_CERT_FILE names its certificate, then read, bare URL included."""
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        server = archive_server(self.fx["web"], tls=(cert, key))
        self.addCleanup(server.stop)
        app = server.files + "app-1.0-py3-none-any.whl"
        helper = server.files + "helper-1.0-py3-none-any.whl"
        self.fails(2, f"app @ {app}\n")
        out = self.compile(f"app @ {app}\n{helper}\n", env=self.env(SSL_CERT_FILE=cert))
        self.assertEqual(out, f"app @ {app}\n    # via -r requirements.in\n"
                              f"helper @ {helper}\n    # via -r requirements.in\n"
                              "lib==2.0\n    # via app\n")

    def test_sdist_with_static_metadata(self):
        """An sdist whose PKG-INFO (2.2) has static Requires-Dist is read without a build: by
        file:// URL, over http:// and as a bare relative path named from its metadata."""
        for req in (f"tool @ {self.url('tool')}", f"tool @ {self.http.files}tool-1.0.tar.gz"):
            out = self.compile(req + "\n")
            self.assertEqual(out, f"lib==1.0\n    # via tool\n{req}\n    # via -r requirements.in\n")
        self.copy("tool", "dist/tool-1.0.tar.gz")
        out = self.compile("./dist/tool-1.0.tar.gz\n")
        self.assertEqual(out, "lib==1.0\n    # via tool\n"
                              "tool @ ./dist/tool-1.0.tar.gz\n    # via -r requirements.in\n")

    def test_sdist_with_dynamic_requires_dist_is_an_error_with_no_build(self):
        """An sdist whose Requires-Dist is dynamic would need a build: under --no-build, exit 2,
        no guess (while the static one beside it resolves)."""
        self.assertIn("lib==1.0", self.compile(f"tool @ {self.url('tool')}\n", "--no-build").splitlines())
        self.assertIn("--no-build", self.fails(2, f"dyntool @ {self.url('dyntool')}\n", "--no-build"))

    # --- --find-links -------------------------------------------------------------------

    def test_find_links_folder_merges_with_the_index(self):
        """A folder of wheels: a project the index lacks and a newer version of one it has are
        candidates beside the index's, by flag and by a file's option (relative to that file)."""
        wheels = os.path.join(self.tmp, "sub", "wheels")
        make_wheel(wheels, "onlyflat", "1.0", ["lib<3"])
        make_wheel(wheels, "extra-dep", "2.0", ["lib"])
        self.write(os.path.join(wheels, "notes.txt"), "not a distribution\n")
        expected = ("extra-dep==2.0\n    # via -r {f}\nlib==2.0\n    # via\n    #   extra-dep\n    #   onlyflat\n"
                    "onlyflat==1.0\n    # via -r {f}\n")
        out = self.compile("onlyflat\nextra-dep\n", "-f", wheels)
        self.assertEqual(out, expected.format(f="requirements.in"))
        out = self.compile("--find-links ./wheels\nonlyflat\nextra-dep\n", name="sub/r.in")
        self.assertEqual(out, expected.format(f="sub/r.in"))
        # Without it, the index alone: no onlyflat.
        self.assertIn("onlyflat", self.fails(1, "onlyflat\n"))

    def test_emit_find_links_and_index_annotation(self):
        """--emit-find-links writes the locations in effect (a file's, relative to it, made
        absolute) before the pins; --emit-index-annotation names the index under each pin that
        came from one, and nothing under those from the folder. Neither location shows in the
        header without its flag."""
        wheels = os.path.join(self.tmp, "sub", "wheels")
        make_wheel(wheels, "onlyflat", "1.0", ["lib<3"])
        self.write("sub/r.in", "--find-links ./wheels\nonlyflat\n")
        out = self.ok("sub/r.in", "--emit-find-links", "--emit-index-annotation", "--no-annotate").stdout
        lines = out.splitlines()
        self.assertNotIn("wheels", lines[1])  # the header: a file's option, not an argument
        self.assertEqual(lines[2:], [f"--find-links {wheels}", "", "lib==2.0", f"    # from {self.index}",
                                     "onlyflat==1.0"])
        out = self.ok("sub/r.in", "-f", wheels, "--no-annotate").stdout
        self.assertNotIn("--find-links", out)
        self.assertNotIn("wheels", out.splitlines()[1])
        out = self.ok("sub/r.in", "-f", wheels, "--emit-find-links", "--no-annotate").stdout
        self.assertIn(f"-f {wheels}", out.splitlines()[1])

    def test_find_links_html_page_over_http(self):
        """An HTML page of links on a server: its wheels are candidates (read through the page's
        relative links), a missing location is exit 2 naming it."""
        with open(os.path.join(self.fx["web"], "files", "links.html"), "w") as f:
            f.write('<html><body><a href="helper-1.0-py3-none-any.whl">helper</a></body></html>\n')
        out = self.compile("helper\n", "--find-links", self.http.files + "links.html")
        self.assertEqual(out, "helper==1.0\n    # via -r requirements.in\n")
        self.assertIn("/files/helper-1.0-py3-none-any.whl", self.http.log())
        err = self.fails(2, "helper\n", "--find-links", os.path.join(self.tmp, "nowhere"))
        self.assertIn("nowhere", err)

    # --- PEP 517 builds -----------------------------------------------------------------

    def tools(self):
        """--extra-index-url of the index of Debian's setuptools and wheel wheels."""
        return ["--extra-index-url", type(self).tools_url]

    def test_setup_py_project_is_built_in_isolation_and_cached(self):
        """A setup.py project: its install_requires come from setuptools run in an environment of
        the index's setuptools and wheel wheels. A second run builds nothing (no python3 on
        PATH); changing setup.py builds again."""
        self.copy("setuplib", "setuplib")
        out = self.compile("./setuplib\n", *self.tools())
        self.assertEqual(out, "lib==3.0\n    # via setuplib\nsetuplib @ ./setuplib\n    # via -r requirements.in\n")
        self.assertEqual(self.compile("./setuplib\n", *self.tools(), env=self.env(PATH="/nonexistent")), out)
        time.sleep(0.01)
        self.write("setuplib/setup.py",
                   "from setuptools import setup\nsetup(name='setuplib', version='1.1', install_requires=['lib<2'])\n")
        out = self.compile("./setuplib\n", *self.tools())
        self.assertEqual(out, "lib==1.0\n    # via setuplib\nsetuplib @ ./setuplib\n    # via -r requirements.in\n")

    def test_build_constraints_narrow_the_build_environment(self):
        """-b FILE constrains what a build environment is made of: a setuptools no index has
        makes the build fail naming it (exit 2), a constraint it meets changes nothing."""
        self.copy("setuplib", "setuplib")
        self.write("build-ok.txt", "setuptools>=1\n")
        out = self.compile("./setuplib\n", *self.tools(), "-b", "build-ok.txt")
        self.assertIn("setuplib @ ./setuplib", out.splitlines())
        self.write("build-none.txt", "setuptools<1\n")
        self.copy("setuplib", "setuplib2")  # another source: nothing cached for it
        self.write("setuplib2/setup.py",
                   "from setuptools import setup\nsetup(name='setuplib2', version='1.0', install_requires=['lib'])\n")
        err = self.fails(2, "./setuplib2\n", *self.tools(), "--build-constraints", "build-none.txt")
        self.assertIn("setuptools", err)

    def test_config_settings_reach_the_backend(self):
        """-C KEY=VALUE reaches every hook as PEP 517 config_settings (a key given twice as a
        list); the built metadata is cached per settings, so other settings build again."""
        self.write("cfg/pyproject.toml", '[build-system]\nrequires = []\nbuild-backend = "cfgbackend"\n'
                                         'backend-path = ["."]\n')
        self.write("cfg/cfgbackend.py", (
            "import os\n"
            "def get_requires_for_build_wheel(config_settings=None):\n"
            "    return []\n"
            "def prepare_metadata_for_build_wheel(directory, config_settings=None):\n"
            "    dep = (config_settings or {}).get('dep', 'lib')\n"
            "    deps = dep if isinstance(dep, list) else [dep]\n"
            "    info = os.path.join(directory, 'cfg-1.0.dist-info')\n"
            "    os.makedirs(info)\n"
            "    with open(os.path.join(info, 'METADATA'), 'w') as f:\n"
            "        f.write('Metadata-Version: 2.1\\nName: cfg\\nVersion: 1.0\\n')\n"
            "        for d in deps:\n"
            "            f.write('Requires-Dist: %s\\n' % d)\n"
            "    return 'cfg-1.0.dist-info'\n"))
        pins = lambda *args: [l for l in self.compile("./cfg\n", "--no-annotate", *args).splitlines()
                              if l.startswith("lib")]
        self.assertEqual(pins(), ["lib==3.0"])
        self.assertEqual(pins("-C", "dep=lib<2"), ["lib==1.0"])
        self.assertEqual(pins("-C", "dep=lib<3", "--config-setting", "dep=lib>=2"), ["lib==2.0"])
        self.assertIn("KEY=VALUE", self.fails(2, "./cfg\n", "-C", "novalue"))

    def test_editable_setup_py_project(self):
        """-e ./setuplib builds through the editable hooks and is written as given."""
        self.copy("setuplib", "setuplib")
        out = self.compile("-e ./setuplib\n", *self.tools())
        self.assertEqual(out, "lib==3.0\n    # via setuplib\n-e ./setuplib\n    # via -r requirements.in\n")

    def test_build_failure_shows_the_backends_message(self):
        """A syntax error in setup.py: exit 2 naming the project, with Python's own message."""
        self.write("broken/setup.py", "from setuptools import setup\nsetup(\n")
        err = self.fails(2, "./broken\n", *self.tools())
        self.assertIn("./broken", err)
        self.assertIn("SyntaxError", err)

    def test_build_requirements_missing_from_the_index(self):
        """Without setuptools on any index, the build cannot start: exit 2 naming setuptools."""
        self.copy("setuplib", "setuplib")
        err = self.fails(2, "./setuplib\n")
        self.assertIn("setuptools", err)

    def test_no_build_isolation_uses_the_interpreters_packages(self):
        """--no-build-isolation --python X: X's own setuptools builds, no index needed for it."""
        probe = subprocess.run([sys.executable, "-c", "import setuptools, wheel"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("the test's interpreter lacks setuptools or wheel")
        self.copy("setuplib", "setuplib")
        out = self.compile("./setuplib\n", "--no-build-isolation", "--python", sys.executable)
        self.assertIn("setuplib @ ./setuplib", out.splitlines())

    def test_sdist_directory_and_git_sources_are_built(self):
        """An sdist whose PKG-INFO is not final, a directory with dynamic dependencies, and a git
        commit without static metadata: each built (from the extracted archive, in place, from a
        checkout in the cache)."""
        out = self.compile(f"dyntool @ {self.url('dyntool')}\n", *self.tools())
        self.assertIn(f"dyntool @ {self.url('dyntool')}", out.splitlines())
        # dynlib's dependencies come from [tool.setuptools.dynamic] (requirements.txt: lib).
        out = self.compile(f"dynlib @ {self.url('dynlib')}\n", *self.tools())
        self.assertEqual(out, f"dynlib @ {self.url('dynlib')}\n    # via -r requirements.in\nlib==3.0\n    # via dynlib\n")
        repo = os.path.join(self.tmp, "legacy-repo")
        os.makedirs(repo)
        git(repo, "init", "-q")
        make_project(repo, {"setup.py": "from setuptools import setup\n"
                                        "setup(name='legacy', version='3.0', install_requires=['lib<3'])\n"})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "legacy")
        sha = git(repo, "rev-parse", "HEAD")
        out = self.compile(f"legacy @ git+file://{repo}\n", *self.tools())
        self.assertEqual(out, "legacy @ git+file://" + repo + "@" + sha + "\n    # via -r requirements.in\n"
                              "lib==2.0\n    # via legacy\n")

    def test_bare_paths_and_urls_take_the_name_from_metadata(self):
        """./dist/x.whl, an absolute path and a bare http:// URL: named from METADATA, written
        as `name @ ` what the user wrote."""
        self.copy("app", "dist/app-1.0-py3-none-any.whl")
        helper_url = self.http.files + "helper-1.0-py3-none-any.whl"
        out = self.compile(f"./dist/app-1.0-py3-none-any.whl\n{helper_url}\n{self.fx['tool']}\n")
        self.assertEqual(out, "app @ ./dist/app-1.0-py3-none-any.whl\n    # via -r requirements.in\n"
                              f"helper @ {helper_url}\n    # via -r requirements.in\n"
                              "lib==1.0\n    # via\n    #   app\n    #   tool\n"
                              f"tool @ {self.fx['tool']}\n    # via -r requirements.in\n")

    def test_relative_paths_are_relative_to_the_requirements_file(self):
        """Paths in sub/requirements.in and in a nested `-r sub/more.in` are taken from sub/, not
        from the working directory, and written as given."""
        self.copy("app", "dist/app-1.0-py3-none-any.whl")
        self.copy("mylib", "sub/proj")
        out = self.compile("../dist/app-1.0-py3-none-any.whl\n./proj[cli]\n", name="sub/requirements.in")
        lines = out.splitlines()
        self.assertEqual(lines[:2], ["app @ ../dist/app-1.0-py3-none-any.whl", "    # via -r sub/requirements.in"])
        self.assertEqual(lines[2:4], ["extra-dep==1.0", "    # via mylib"])
        self.assertEqual(lines[4:9], ["lib==2.0", "    # via", "    #   app", "    #   extra-dep", "    #   mylib"])
        self.assertRegex(lines[9], r"^mylib(\[cli\])? @ \./proj$")
        self.assertEqual(lines[10:], ["    # via -r sub/requirements.in"])
        self.write("sub/more.in", "./proj\n")
        out = self.compile("-r sub/more.in\n")
        self.assertEqual(out, "lib==3.0\n    # via mylib\nmylib @ ./proj\n    # via -r sub/more.in\n")

    # --- project directories and editables ----------------------------------------------

    def test_project_directory_with_static_pyproject(self):
        """A directory's [project] table is read directly: by file:// URL, as ../, / and ./
        paths, with and without the `cli` extra."""
        mylib = self.fx["mylib"]
        out = self.compile(f"mylib @ file://{mylib}\n")
        self.assertEqual(out, f"lib==3.0\n    # via mylib\nmylib @ file://{mylib}\n    # via -r requirements.in\n")
        out = self.compile(f"{mylib}\n")
        self.assertEqual(out, f"lib==3.0\n    # via mylib\nmylib @ {mylib}\n    # via -r requirements.in\n")
        self.copy("mylib", "proj")
        out = self.compile("../proj\n", name="work/requirements.in")
        self.assertEqual(out, "lib==3.0\n    # via mylib\nmylib @ ../proj\n    # via -r work/requirements.in\n")
        out = self.compile(f"mylib[cli] @ file://{mylib}\n")
        lines = out.splitlines()
        self.assertEqual(lines[:5], ["extra-dep==1.0", "    # via mylib",
                                     "lib==3.0", "    # via", "    #   extra-dep"])
        self.assertEqual(lines[5], "    #   mylib")
        self.assertRegex(lines[6], r"^mylib(\[cli\])? @ " + re.escape(f"file://{mylib}") + "$")

    def test_editables(self):
        """`-e ./proj` and `-e file:///abs/proj` resolve their static dependencies and are
        written back exactly as given."""
        self.copy("mylib", "proj")
        out = self.compile("-e ./proj\n")
        self.assertEqual(out, "lib==3.0\n    # via mylib\n-e ./proj\n    # via -r requirements.in\n")
        url = self.url("mylib")
        out = self.compile(f"-e {url}\n")
        self.assertEqual(out, f"lib==3.0\n    # via mylib\n-e {url}\n    # via -r requirements.in\n")

    def test_directories_that_need_a_build_are_refused_with_no_build(self):
        """dynamic = ["dependencies"] and a setup.py-only project under --no-build: exit 2 naming
        the source and --no-build."""
        for text in (f"dynlib @ {self.url('dynlib')}\n", f"{self.fx['setuplib']}\n"):
            err = self.fails(2, text, "--no-build")
            self.assertIn("--no-build", err)
        self.copy("setuplib", "setuplib")
        self.assertIn("./setuplib", self.fails(2, "-e ./setuplib\n", "--no-build"))

    def test_pyproject_dependencies_by_url(self):
        """`name @ URL` in a pyproject.toml's dependencies: a wheel and a git tag."""
        self.write("pyproject.toml", '[project]\nname = "demo"\nversion = "0.1"\ndependencies = [\n'
                                     f'  "app @ {self.url("app")}",\n  "gitpkg @ git+{self.url("repo")}@v1.0",\n]\n')
        out = self.ok("pyproject.toml", "--no-header").stdout
        self.assertEqual(out, f"app @ {self.url('app')}\n    # via demo (pyproject.toml)\n"
                              f"gitpkg @ git+{self.url('repo')}@{self.fx['sha1']}\n    # via demo (pyproject.toml)\n"
                              "lib==1.0\n    # via\n    #   app\n    #   gitpkg\n")

    # --- git ----------------------------------------------------------------------------

    def test_git_file_tag_branch_sha_and_head(self):
        """git+file:// at an annotated tag, a branch, a full sha and no ref: the metadata of that
        commit (never the index's gitpkg 9.0), written with the commit's full sha."""
        repo = "git+" + self.url("repo")
        sha1, sha2 = self.fx["sha1"], self.fx["sha2"]
        for ref, sha, lib in (("@v1.0", sha1, "1.0"), ("@legacy", sha1, "1.0"), ("@main", sha2, "3.0"),
                              ("@" + sha1, sha1, "1.0"), ("", sha2, "3.0")):
            out = self.compile(f"gitpkg @ {repo}{ref}\n")
            self.assertEqual(out, f"gitpkg @ {repo}@{sha}\n    # via -r requirements.in\n"
                                  f"lib=={lib}\n    # via gitpkg\n", ref)
        # The repository is read, never changed.
        self.assertEqual(git(self.fx["repo"], "status", "--porcelain"), "")
        self.assertEqual(git(self.fx["repo"], "rev-parse", "HEAD"), sha2)

    def test_git_subdirectory(self):
        """#subdirectory=sub names the project from sub/pyproject.toml; the fragment is kept
        after the commit's sha."""
        repo = "git+" + self.url("repo")
        for ref in ("", "@v1.0"):
            sha = self.fx["sha1"] if ref else self.fx["sha2"]
            out = self.compile(f"{repo}{ref}#subdirectory=sub\n")
            self.assertEqual(out, "extra-dep==1.0\n    # via subpkg\nlib==3.0\n    # via extra-dep\n"
                                  f"subpkg @ {repo}@{sha}#subdirectory=sub\n    # via -r requirements.in\n", ref)

    def test_git_over_http(self):
        """git+http:// at a tag, from git http-backend on 127.0.0.1."""
        server = git_http_server(self.fx["gitroot"])
        self.addCleanup(server.stop)
        repo = f"git+{server.url}/repo.git"
        out = self.compile(f"gitpkg @ {repo}@v1.0\n")
        self.assertEqual(out, f"gitpkg @ {repo}@{self.fx['sha1']}\n    # via -r requirements.in\n"
                              "lib==1.0\n    # via gitpkg\n")
        self.assertIn("/repo.git/", server.log())

    def test_git_commit_is_served_from_the_cache_when_the_server_is_gone(self):
        """A requirement pinned to a full sha, resolved once over HTTP: with the server stopped,
        the same cache gives the same answer, online and --offline; a new cache cannot."""
        server = git_http_server(self.fx["gitroot"])
        self.addCleanup(server.stop)
        text = f"gitpkg @ git+{server.url}/repo.git@{self.fx['sha1']}\n"
        first = self.compile(text)
        self.assertEqual(first, f"gitpkg @ git+{server.url}/repo.git@{self.fx['sha1']}\n"
                                "    # via -r requirements.in\nlib==1.0\n    # via gitpkg\n")
        server.stop()
        self.assertEqual(self.compile(text), first)
        self.assertEqual(self.compile(text, "--offline"), first)
        self.fails(2, text, cache=os.path.join(self.tmp, "other-cache"))

    # --- hashes -------------------------------------------------------------------------

    def test_sha256_fragment_is_checked(self):
        """#sha256= on a file:// URL, an http:// URL and a bare path: the right digest passes,
        a wrong one is exit 2 naming sha256."""
        good, bad = sha256_of(self.fx["app"]), "0" * 64
        self.copy("app", "dist/app-1.0-py3-none-any.whl")
        http = self.http.files + "app-1.0-py3-none-any.whl"
        for base in (f"app @ {self.url('app')}", f"app @ {http}", "./dist/app-1.0-py3-none-any.whl"):
            out = self.compile(f"{base}#sha256={good}\n")
            self.assertIn("lib==2.0", out.splitlines())
            self.assertTrue(out.startswith("app @ "), out)
            err = self.fails(2, f"{base}#sha256={bad}\n")
            self.assertIn("sha256", err)

    # --- other formats ------------------------------------------------------------------

    def test_json_source_objects(self):
        """--format json: `source` is null for index packages and describes each direct one
        (archive, editable directory, git with subdirectory); their index is null."""
        self.copy("mylib", "proj")
        repo = "git+" + self.url("repo")
        packages = self.json_packages(f"app @ {self.url('app')}\n-e ./proj\n{repo}#subdirectory=sub\n")
        self.assertEqual(set(packages), {"app", "extra-dep", "lib", "mylib", "subpkg"})
        self.assertEqual({n: p["version"] for n, p in packages.items()},
                         {"app": "1.0", "extra-dep": "1.0", "lib": "2.0", "mylib": "0.5", "subpkg": "0.1"})
        self.assertEqual(packages["app"]["source"], {"kind": "archive", "url": self.url("app"), "editable": False,
                                                     "commit": None, "subdirectory": None})
        self.assertEqual(packages["mylib"]["source"], {"kind": "directory", "url": "./proj", "editable": True,
                                                       "commit": None, "subdirectory": None})
        self.assertEqual(packages["subpkg"]["source"], {
            "kind": "git", "url": f"{repo}@{self.fx['sha2']}#subdirectory=sub", "editable": False,
            "commit": self.fx["sha2"], "subdirectory": "sub"})
        for name in ("app", "mylib", "subpkg"):
            self.assertIsNone(packages[name]["index"], name)
            self.assertEqual(packages[name]["requested_by"], ["-r requirements.in"], name)
        for name in ("extra-dep", "lib"):
            self.assertIsNone(packages[name]["source"], name)
            self.assertEqual(packages[name]["index"], self.index, name)
        self.assertEqual(sorted(packages["lib"]["parents"]), ["app", "extra-dep", "mylib"])

    def test_pylock_toml_sources(self):
        """--format pylock.toml: archive (url or path, with sha256), directory (path as written,
        editable) and vcs (repository URL, commit-id, subdirectory); one source kind per package."""
        self.copy("mylib", "proj")
        self.copy("helper", "dist/helper-1.0-py3-none-any.whl")
        app_url = self.http.files + "app-1.0-py3-none-any.whl"
        self.write("requirements.in", f"app @ {app_url}\n./dist/helper-1.0-py3-none-any.whl\n-e ./proj\n"
                                      f"git+{self.url('repo')}#subdirectory=sub\n")
        out = self.ok("requirements.in", "--format", "pylock.toml", "-o", "pylock.toml")
        self.assertEqual(out.stdout, read(os.path.join(self.tmp, "pylock.toml")))
        doc = tomllib.loads(read(os.path.join(self.tmp, "pylock.toml")))
        packages = {p["name"]: p for p in doc["packages"]}
        self.assertEqual(set(packages), {"app", "extra-dep", "helper", "lib", "mylib", "subpkg"})
        kinds = {n: [k for k in ("archive", "directory", "vcs", "wheels", "sdist") if k in p]
                 for n, p in packages.items()}
        self.assertEqual(kinds["app"], ["archive"])
        self.assertEqual(kinds["helper"], ["archive"])
        self.assertEqual(kinds["mylib"], ["directory"])
        self.assertEqual(kinds["subpkg"], ["vcs"])
        self.assertIn("wheels", kinds["lib"])
        archive = packages["app"]["archive"]
        self.assertEqual(archive["url"], app_url)
        self.assertEqual(archive["hashes"]["sha256"], sha256_of(self.fx["app"]))
        archive = packages["helper"]["archive"]
        path = archive.get("path") or archive.get("url", "").removeprefix("file://")
        self.assertEqual(os.path.normpath(os.path.join(self.tmp, path)),
                         os.path.join(self.tmp, "dist", "helper-1.0-py3-none-any.whl"))
        self.assertEqual(archive["hashes"]["sha256"], sha256_of(self.fx["helper"]))
        self.assertEqual(packages["mylib"]["directory"]["path"], "./proj")
        self.assertIs(packages["mylib"]["directory"]["editable"], True)
        vcs = packages["subpkg"]["vcs"]
        self.assertEqual({k: vcs.get(k) for k in ("type", "url", "commit-id", "subdirectory")},
                         {"type": "git", "url": self.url("repo"), "commit-id": self.fx["sha2"], "subdirectory": "sub"})

    def test_output_file_rerun_keeps_direct_lines(self):
        """-o requirements.txt holding direct lines (URL, editable, git) is read back on the
        next run and written again unchanged."""
        self.copy("mylib", "proj")
        self.write("requirements.in", f"app @ {self.url('app')}\n-e ./proj\ngitpkg @ git+{self.url('repo')}@main\n")
        self.ok("requirements.in", "-o", "requirements.txt", "--no-header")
        first = read(os.path.join(self.tmp, "requirements.txt"))
        self.assertIn(f"gitpkg @ git+{self.url('repo')}@{self.fx['sha2']}\n", first)
        self.assertIn("-e ./proj\n", first)
        self.ok("requirements.in", "-o", "requirements.txt", "--no-header")
        self.assertEqual(read(os.path.join(self.tmp, "requirements.txt")), first)

    # --- errors -------------------------------------------------------------------------

    def test_name_differs_from_metadata(self):
        """`other @ <app's wheel>`: exit 2 naming both names (the same line as `app @` resolves)."""
        self.assertIn("lib==2.0", self.compile(f"app @ {self.url('app')}\n").splitlines())
        err = self.fails(2, f"other @ {self.url('app')}\n")
        self.assertIn("other", err)
        self.assertIn("app", err)

    def test_two_urls_for_one_name_conflict(self):
        """Two different URLs for app (one file, or across `-r`): exit 2, `conflicting`; the same
        URL twice is no conflict."""
        http = self.http.files + "app-1.0-py3-none-any.whl"
        self.assertIn("conflicting", self.fails(2, f"app @ {self.url('app')}\napp @ {http}\n"))
        self.write("more.in", f"app @ {http}\n")
        self.assertIn("conflicting", self.fails(2, f"app @ {self.url('app')}\n-r more.in\n"))
        out = self.compile(f"app @ {self.url('app')}\napp @ {self.url('app')}\n")
        self.assertIn(f"app @ {self.url('app')}", out.splitlines())

    def test_url_dependency_of_a_package_is_refused_without_network(self):
        """An index package whose Requires-Dist names a URL the user did not give cannot be
        used (exit 1, the explanation names the URL's host and `direct`), and no connection is
        tried. (A direct source's own URL requirements are read, as uv reads them.)"""
        trap = connection_trap()
        try:
            err = self.fails(1, "urldep\n", env=self.env(**trap.env))
            self.assertEqual(trap.attempts(), 0)
        finally:
            trap.close()
        self.assertIn("example.invalid", err)
        self.assertIn("direct", err)

    def test_a_remote_source_cannot_require_a_local_one(self):
        """A wheel fetched over HTTP whose metadata requires `x @ file:///...`: exit 2, nothing
        local read; the same requirement in a local project is followed."""
        make_wheel(os.path.join(self.fx["web"], "files"), "sneaky", "1.0", [f"mylib @ file://{self.fx['mylib']}"])
        err = self.fails(2, f"sneaky @ {self.http.files}sneaky-1.0-py3-none-any.whl\n")
        self.assertIn("remote source may require only remote ones", err)
        make_wheel(os.path.join(self.tmp, "dist"), "sneaky", "1.0", [f"mylib @ file://{self.fx['mylib']}"])
        out = self.compile("./dist/sneaky-1.0-py3-none-any.whl\n")
        self.assertIn(f"mylib @ file://{self.fx['mylib']}", out.splitlines())

    def test_direct_version_against_a_specifier_has_no_solution(self):
        """app 1.0 by URL and app>=2 (which the index has): exit 1, the URL's version is the only one."""
        err = self.fails(1, f"app @ {self.url('app')}\napp>=2\n")
        self.assertIn("app", err)

    def test_unknown_git_ref(self):
        """A git ref that is neither a branch, a tag nor a commit: exit 2 naming it (an existing
        tag of the same repository resolves)."""
        self.assertIn("lib==1.0", self.compile(f"gitpkg @ git+{self.url('repo')}@v1.0\n").splitlines())
        err = self.fails(2, f"gitpkg @ git+{self.url('repo')}@no-such-ref\n")
        self.assertIn("no-such-ref", err)

    def test_missing_paths(self):
        """A missing wheel path, directory, file:// URL or editable: exit 2 naming the path (the
        existing ones resolve)."""
        self.copy("app", "here/app-1.0-py3-none-any.whl")
        self.copy("mylib", "proj")
        out = self.compile("./here/app-1.0-py3-none-any.whl\n-e ./proj\n")
        self.assertIn("-e ./proj", out.splitlines())
        cases = [("./nothere/app-1.0-py3-none-any.whl\n", "nothere/app-1.0-py3-none-any.whl"),
                 ("./nodir\n", "nodir"),
                 (f"mylib @ file://{self.fx['root']}/absent\n", f"{self.fx['root']}/absent"),
                 ("-e ./gone\n", "gone")]
        for text, needle in cases:
            self.assertIn(needle, self.fails(2, text))


def check_fixtures():
    """ONLY_FIXTURES=1: builds the fixtures and checks both servers, without running `resolve`."""
    root = tempfile.mkdtemp(prefix="pyresolve-direct-check-")
    try:
        fx = build_fixtures(root)
        again = build_fixtures(tempfile.mkdtemp(dir=root))
        for key in ("app", "helper", "lib25", "top", "tool", "dyntool"):
            assert sha256_of(fx[key]) == sha256_of(again[key]), key
        assert (fx["sha1"], fx["sha2"]) == (again["sha1"], again["sha2"])
        with zipfile.ZipFile(fx["app"]) as z:
            print(z.read("app-1.0.dist-info/METADATA").decode())
        with tarfile.open(fx["tool"]) as t:
            print(t.extractfile("tool-1.0/PKG-INFO").read().decode())
        print("shas", fx["sha1"], fx["sha2"], "tag", git(fx["repo"], "rev-parse", "v1.0^{commit}"))
        web = archive_server(fx["web"])
        try:
            with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    web.files + "app-1.0-py3-none-any.whl") as r:
                assert r.read() == open(fx["app"], "rb").read()
            print("archive server ok:", web.files)
        finally:
            web.stop()
        server = git_http_server(fx["gitroot"])
        try:
            clone = os.path.join(root, "clone")
            git(root, "clone", "-q", server.url + "/repo.git", clone)
            assert git(clone, "rev-parse", "HEAD") == fx["sha2"]
            assert git(clone, "rev-parse", "v1.0^{commit}") == fx["sha1"]
            print("git server ok (smart: %s):" % server.smart, server.url)
            print(server.log())
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get("ONLY_FIXTURES"):
        check_fixtures()
        sys.exit(0)
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
