#pragma once
/// @file
/// Where a run's messages go: `error:` and `warning:` lines, explanations, `-v` information,
/// the library's diagnostics and the progress line, all to one stream under one lock.

#include <iosfwd>
#include <mutex>
#include <string>

#include "pyresolve/support/diagnostics.hpp"

namespace pyresolve::cli {

/// Colours only what a user should spot: the `error:` / `warning:` prefix and explanations.
/// Every message is printed with its control characters escaped (escape_controls): names,
/// markers and metadata quoted in them come from files and indexes. Verbosity: -1 with `-q`
/// (errors and explanations only), 0 by default, 1 and up with `-v`.
class reporter {
 public:
  reporter(std::ostream& err, bool color, int verbosity)
      : m_err(err), m_color(color), m_verbosity(verbosity) {}

  void error(const std::string& message) { line("error", "31", message); }
  void warning(const std::string& message) {
    if (m_verbosity >= 0) line("warning", "33", message);
  }
  void info(const std::string& message);
  /// What uv says on every run (`Resolved 5 packages in 12ms`); not with -q.
  void status(const std::string& message);
  void explanation(const std::string& text);
  /// The library's diagnostics: warnings always (unless -q), debug with -vv.
  log_sink sink();
  [[nodiscard]] int verbosity() const { return m_verbosity; }

  /// The progress line: drawn under the same lock as messages, which erase it first so that
  /// a warning never lands at the end of the progress line (the next redraw brings it back).
  void progress(const std::string& text);

 private:
  void line(const char* prefix, const char* code, const std::string& message);
  // Diagnostics arrive from worker threads too.
  void print(const std::string& text);
  std::ostream& m_err;
  bool m_color;
  int m_verbosity;
  bool m_progress_shown = false;
  std::mutex m_mutex;
};

}  // namespace pyresolve::cli
