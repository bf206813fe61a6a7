#include "pyresolve/cli/reporter.hpp"

#include <fmt/format.h>
#include <ostream>

#include "pyresolve/cli/progress.hpp"
#include "pyresolve/cli/terminal_text.hpp"

namespace pyresolve::cli {

void reporter::info(const std::string& message) {
  if (m_verbosity >= 1) print(escape_controls(message) + "\n");
}

void reporter::status(const std::string& message) {
  if (m_verbosity >= 0) print(escape_controls(message) + "\n");
}

void reporter::explanation(const std::string& text) {
  const std::string shown = escape_controls(text);
  print(m_color ? "\x1b[1m" + shown + "\x1b[0m\n" : shown + "\n");
}

log_sink reporter::sink() {
  return [this](log_level level, std::string_view message) {
    if (level >= log_level::warning && m_verbosity >= 0) {
      warning(std::string(message));
    } else if (level >= log_level::debug && m_verbosity >= 2) {
      print("debug: " + escape_controls(message) + "\n");
    } else if (m_verbosity >= 3) {
      print("trace: " + escape_controls(message) + "\n");
    }
  };
}

void reporter::progress(const std::string& text) {
  const std::lock_guard lock(m_mutex);
  m_progress_shown = text.size() > erase_line.size();
  m_err << text << std::flush;
}

void reporter::line(const char* prefix, const char* code, const std::string& message) {
  const std::string shown = escape_controls(message);
  print(m_color ? fmt::format("\x1b[1;{}m{}\x1b[0m: {}\n", code, prefix, shown)
                : fmt::format("{}: {}\n", prefix, shown));
}

void reporter::print(const std::string& text) {
  const std::lock_guard lock(m_mutex);
  if (m_progress_shown) m_err << erase_line;
  m_progress_shown = false;
  m_err << text << std::flush;
}

}  // namespace pyresolve::cli
