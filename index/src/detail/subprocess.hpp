#pragma once
// Runs a program (not a shell) with a deadline, capturing its output up to a bound.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "pyresolve/support/result.hpp"

namespace pyresolve::index::detail {

struct subprocess_options {
  /// `NAME=value` entries added to (or replacing those of) the caller's environment.
  std::vector<std::string> environment;
  /// Where it runs; empty: the caller's working directory.
  std::filesystem::path working_directory;
  std::chrono::milliseconds timeout{600'000};
  /// The most bytes kept of standard output; a program writing more is stopped (an error).
  std::size_t max_output = std::size_t{16} << 20U;
};

struct subprocess_result {
  int exit_code = -1;  ///< the program's exit status; -1 when it was ended by a signal
  std::string out;     ///< standard output
  std::string err;     ///< the last 8 KiB of standard error
};

/// Runs `argv[0]` (looked up on PATH) with `argv`, standard input from /dev/null. An error
/// when it cannot be started, when it outlives `timeout` (it is killed with its process
/// group) or writes more than `max_output`; a non-zero exit is a result, for the caller to
/// judge.
[[nodiscard]] result<subprocess_result> run_subprocess(const std::vector<std::string>& argv,
                                                       const subprocess_options& options);

}  // namespace pyresolve::index::detail
