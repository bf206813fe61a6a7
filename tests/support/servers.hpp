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

#include "test_servers.hpp"

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

/// The shared snapshot closure of uv's black.in and jupyter.in (tests/support/snapshot_tree.sh):
/// the make-index tree's directory, built by `make_index` on first use; empty when that failed.
inline std::filesystem::path snapshot_tree(const std::string& make_index) {
  int rc = 0;
  std::string out = run(source_dir() + "/tests/support/snapshot_tree.sh " + make_index, &rc);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  if (rc != 0) return {};
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

// The servers themselves (nginx_server, fault_server) live in test_servers.hpp.

}  // namespace pyresolve::test
