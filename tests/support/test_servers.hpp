#pragma once
/// @file
/// RAII handles for the test index servers of `tests/servers/`: nginx (`nginx.sh`) and the
/// fault-injecting server (`fault_server.py`), both on 127.0.0.1 on a free port. Starting
/// returns an error value (the script's output) instead of throwing, so a suite can skip when
/// nginx or python3 is missing. Destruction stops the server by its PID and waits for it.
///
/// Link `pyresolve_test_support`: it adds this directory to the include path and defines
/// PYRESOLVE_TEST_SERVERS_DIR (the `tests/servers` folder).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pyresolve/support/result.hpp"

extern char** environ;  // NOLINT: POSIX

namespace pyresolve::test {

namespace detail {

inline error server_error(std::string message, std::string source = {}) {
  return error{errc::io_error, std::move(message), std::move(source), 0, 0};
}

/// Runs `argv` with stdout on a pipe and returns the child's PID and the pipe's read end.
inline result<std::pair<pid_t, int>> spawn_with_stdout(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return unexpected(server_error("pipe failed"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return unexpected(server_error("cannot start " + args[0]));
  }
  return std::pair{pid, fds[0]};
}

/// The first line the child prints, waiting at most `timeout` (servers print once listening).
inline std::optional<std::string> read_line(int fd, std::chrono::milliseconds timeout) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char c = 0;
    const auto n = ::read(fd, &c, 1);
    if (n <= 0) return line.empty() ? std::nullopt : std::optional{line};
    if (c == '\n') return line;
    line += c;
  }
}

/// True once `pid` is gone; a child of ours is reaped, anything else is polled.
inline bool wait_gone(pid_t pid, bool is_child, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (is_child) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) return true;
    } else if (::kill(pid, 0) != 0) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// Stops a server: SIGTERM, then SIGKILL if it does not go within five seconds.
inline void stop_pid(pid_t pid, bool is_child) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  if (!wait_gone(pid, is_child, std::chrono::seconds(5))) {
    ::kill(pid, SIGKILL);
    wait_gone(pid, is_child, std::chrono::seconds(5));
  }
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The file's text once it holds `needle`, or as it is after 2 s. Servers write their log line
/// just after sending the response, so a client can see the answer before the line exists.
inline std::string slurp_with(const std::filesystem::path& p, std::string_view needle) {
  std::string text = slurp(p);
  for (int i = 0; i < 100 && text.find(needle) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    text = slurp(p);
  }
  return text;
}

inline std::filesystem::path make_temp_dir(const char* prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / prefix).string() + ".XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return {};
  return templ;
}

}  // namespace detail

/// What both servers share: a state folder removed at the end, a port, and a PID stopped by
/// the destructor (`reap` when the server is our own child rather than a daemon).
class server_process {
 public:
  server_process(server_process&& o) noexcept
      : m_state(std::exchange(o.m_state, {})),
        m_port(o.m_port),
        m_pid(std::exchange(o.m_pid, 0)),
        m_reap(o.m_reap),
        m_error(std::move(o.m_error)) {}
  server_process& operator=(server_process&&) = delete;
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process() {
    detail::stop_pid(m_pid, m_reap);
    if (!m_state.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(m_state, ec);
    }
  }

  [[nodiscard]] bool ok() const noexcept { return m_port != 0; }
  /// Why the server did not start, when `!ok()`.
  [[nodiscard]] const error& start_error() const noexcept { return m_error; }
  [[nodiscard]] unsigned port() const noexcept { return m_port; }
  [[nodiscard]] pid_t pid() const noexcept { return m_pid; }
  /// `http://127.0.0.1:PORT` (no trailing slash); the index is at `base_url() + "/simple/"`.
  [[nodiscard]] std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }

 protected:
  explicit server_process(bool reap) : m_reap(reap) {}

  /// Starts `tests/servers/<script>` (python3, our child) with `args` and reads the port it
  /// prints once listening; the state folder `prefix.XXXXXX` is created first and passed to
  /// `args_for` (for log paths). Failures land in `m_error`.
  template <typename ArgsFor>
  void start_python(const char* script_name, const char* prefix, ArgsFor args_for) {
    m_state = detail::make_temp_dir(prefix);
    if (m_state.empty()) {
      m_error = detail::server_error("mkdtemp failed");
      return;
    }
    const std::string script = std::string(PYRESOLVE_TEST_SERVERS_DIR) + "/" + script_name;
    std::vector<std::string> args{"python3", script};
    for (auto& a : args_for(m_state)) args.push_back(std::move(a));
    auto child = detail::spawn_with_stdout(args);
    if (!child) {
      m_error = child.error();
      return;
    }
    auto [pid, fd] = *child;
    m_pid = pid;  // from here on the destructor stops it
    auto line = detail::read_line(fd, std::chrono::seconds(30));
    ::close(fd);
    if (!line) {
      m_error = detail::server_error(std::string(script_name) + " printed no port", script);
      return;
    }
    m_port = static_cast<unsigned>(std::strtoul(line->c_str(), nullptr, 10));
    if (m_port == 0)
      m_error = detail::server_error("unexpected " + std::string(script_name) + " output: " + *line, script);
  }

  std::filesystem::path m_state;
  unsigned m_port = 0;
  pid_t m_pid = 0;
  bool m_reap = false;
  error m_error;
};

/// Debian's nginx serving a make-index tree (PEP 691 by Accept, ETag, gzip, Range), started
/// with `nginx.sh start`. nginx daemonizes, so it is stopped by the PID it printed.
class nginx_server : public server_process {
 public:
  /// Starts nginx on `root`; check `ok()` (tests that prefer values use `start`).
  explicit nginx_server(const std::filesystem::path& root) : server_process(false) {
    m_state = detail::make_temp_dir("pyresolve-cpp-nginx");
    if (m_state.empty()) {
      m_error = detail::server_error("mkdtemp failed");
      return;
    }
    const std::string script = std::string(PYRESOLVE_TEST_SERVERS_DIR) + "/nginx.sh";
    auto child = detail::spawn_with_stdout({"bash", script, "start", root.string(), m_state.string()});
    if (!child) {
      m_error = child.error();
      return;
    }
    auto [pid, fd] = *child;
    auto line = detail::read_line(fd, std::chrono::seconds(30));
    ::close(fd);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!line || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      m_error = detail::server_error("nginx.sh start failed (see its error.log)", m_state.string());
      return;
    }
    std::istringstream in(*line);
    unsigned port = 0;
    pid_t daemon = 0;
    in >> port >> daemon;
    if (!in || port == 0 || daemon <= 0) {
      m_error = detail::server_error("unexpected nginx.sh output: " + *line, script);
      return;
    }
    m_port = port;
    m_pid = daemon;
  }

  [[nodiscard]] static result<nginx_server> start(const std::filesystem::path& root) {
    nginx_server s(root);
    if (!s.ok()) return unexpected(s.m_error);
    return s;
  }

  /// nginx's access log (combined format, one line per request).
  [[nodiscard]] std::filesystem::path log_path() const { return m_state / "access.log"; }
  [[nodiscard]] std::string log() const { return detail::slurp(log_path()); }
  /// The access log once it holds `needle`, or as it is after 2 s (see `detail::slurp_with`).
  [[nodiscard]] std::string log_with(std::string_view needle) const {
    return detail::slurp_with(log_path(), needle);
  }
  /// Access-log lines so far, probes included (for slicing the log). nginx writes a line just
  /// after the response is sent, so this waits a moment for requests that just completed.
  [[nodiscard]] std::size_t log_lines() const {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const std::string text = log();
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  /// Requests so far, not counting nginx.sh's readiness probes of `/simple/`.
  [[nodiscard]] std::size_t requests() const {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::istringstream in(log());
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);)
      if (line.find("\"GET /simple/ HTTP") == std::string::npos) ++n;
    return n;
  }
};

/// `fault_server.py` serving a tree, with optional fault rules (a JSON file, see the script).
/// It is our child: stopped with SIGTERM and reaped.
class fault_server : public server_process {
 public:
  /// Starts the server on `root` with the rules file `rules` (none if empty); check `ok()`.
  explicit fault_server(const std::filesystem::path& root, const std::filesystem::path& rules = {})
      : server_process(true) {
    start_python("fault_server.py", "pyresolve-cpp-fault", [&](const std::filesystem::path& state) {
      std::vector<std::string> args{root.string(), "--port", "0", "--log", (state / "requests.log").string()};
      if (!rules.empty()) {
        args.emplace_back("--rules");
        args.push_back(rules.string());
      }
      return args;
    });
  }

  /// Starts the server with fault rules given as JSON text (written next to its log).
  [[nodiscard]] static fault_server with_rules(const std::filesystem::path& root,
                                               const std::string& rules_json,
                                               const std::filesystem::path& work) {
    const auto rules = work / "rules.json";
    std::ofstream(rules, std::ios::binary) << rules_json;
    return fault_server(root, rules);
  }

  [[nodiscard]] static result<fault_server> start(const std::filesystem::path& root,
                                                  const std::filesystem::path& rules = {}) {
    fault_server s(root, rules);
    if (!s.ok()) return unexpected(s.m_error);
    return s;
  }

  /// One tab-separated line per request: METHOD PATH STATUS ACCEPT.
  [[nodiscard]] std::filesystem::path log_path() const { return m_state / "requests.log"; }
  [[nodiscard]] std::string log() const { return detail::slurp(log_path()); }
  /// The log once it holds `needle`, or as it is after 2 s (see `detail::slurp_with`).
  [[nodiscard]] std::string log_with(std::string_view needle) const {
    return detail::slurp_with(log_path(), needle);
  }
};

/// `proxy.py`, a forward proxy (absolute-URI GETs forwarded, CONNECT tunnelled) that logs
/// every request it sees. Point `http_proxy` / `HTTPS_PROXY` at `base_url()`.
class proxy_server : public server_process {
 public:
  proxy_server() : server_process(true) {
    start_python("proxy.py", "pyresolve-cpp-proxy", [](const std::filesystem::path& state) {
      return std::vector<std::string>{"--port", "0", "--log", (state / "proxy.log").string()};
    });
  }
  /// One line per request: `GET http://host:port/path` or `CONNECT host:port`.
  [[nodiscard]] std::string log() const { return detail::slurp(m_state / "proxy.log"); }
  /// The log once it holds `needle`, or as it is after 2 s (see `detail::slurp_with`).
  [[nodiscard]] std::string log_with(std::string_view needle) const {
    return detail::slurp_with(m_state / "proxy.log", needle);
  }
};

}  // namespace pyresolve::test
