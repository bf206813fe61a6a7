#pragma once
// Test helpers: build make-index trees and run the test servers (tests/servers/) on
// 127.0.0.1, stopping them by PID. Header-only; tests only.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace pyresolve::test {

inline std::string source_dir() { return std::string(PYRESOLVE_TEST_DATA_DIR) + "/.."; }

/// Runs a shell command, returns its stdout (and sets `status`).
inline std::string run(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  if (status) *status = rc;
  return out;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

inline void spit(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

/// A fresh temporary folder removed at scope exit.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/pyresolve-test.XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

/// `make-index --universe <json> --out <dir> [extra]`; true on success.
inline bool make_index_universe(const std::filesystem::path& dir, const std::string& universe_json,
                                const std::string& extra = "") {
  std::filesystem::create_directories(dir);
  spit(dir / "universe.json", universe_json);
  int rc = 0;
  run(std::string(PYRESOLVE_MAKE_INDEX) + " -q --universe " + (dir / "universe.json").string() + " --out " +
          (dir / "idx").string() + " " + extra + " 2>&1",
      &rc);
  return rc == 0;
}

/// nginx.sh: `start DIR` prints `PORT PID STATE`.
struct nginx_server {
  int port = 0;
  long pid = 0;
  std::string state;
  explicit nginx_server(const std::filesystem::path& root) {
    std::istringstream in(run("bash " + source_dir() + "/tests/servers/nginx.sh start " + root.string() + " 2>/dev/null"));
    in >> port >> pid >> state;
  }
  ~nginx_server() {
    if (!state.empty()) run("bash " + source_dir() + "/tests/servers/nginx.sh stop " + state + " >/dev/null 2>&1");
  }
  nginx_server(const nginx_server&) = delete;
  nginx_server& operator=(const nginx_server&) = delete;
  [[nodiscard]] bool ok() const { return port != 0; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  /// The access log.
  [[nodiscard]] std::string log() const { return slurp(state + "/access.log"); }
  /// Access-log lines so far, probes included (for slicing the log). nginx writes a line
  /// just after the response is sent, so wait a moment for requests that just completed.
  [[nodiscard]] std::size_t log_lines() const {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto text = log();
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

/// fault_server.py ROOT --rules R --log L, started in the background; stopped by PID.
struct fault_server {
  int port = 0;
  long pid = 0;
  std::filesystem::path log_path;
  fault_server(const std::filesystem::path& root, const std::string& rules_json, const std::filesystem::path& work) {
    spit(work / "rules.json", rules_json);
    log_path = work / "fault.log";
    auto port_file = work / "fault.port";
    std::filesystem::remove(port_file);
    auto out = run("python3 " + source_dir() + "/tests/servers/fault_server.py " + root.string() + " --rules " +
                   (work / "rules.json").string() + " --log " + log_path.string() + " > " + port_file.string() +
                   " 2>/dev/null & echo $!");
    pid = std::stol(out);
    for (int i = 0; i < 100 && port == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::istringstream in(slurp(port_file));
      in >> port;
    }
  }
  ~fault_server() {
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGTERM);
  }
  fault_server(const fault_server&) = delete;
  fault_server& operator=(const fault_server&) = delete;
  [[nodiscard]] bool ok() const { return port != 0; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  [[nodiscard]] std::string log() const { return slurp(log_path); }
};

}  // namespace pyresolve::test
