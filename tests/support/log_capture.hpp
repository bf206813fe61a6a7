#pragma once
// A log_sink for tests: keeps every line the library logs, from any thread, so a test can
// look for a message (or check that a secret never appears).
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/support/diagnostics.hpp"

namespace pyresolve::test {

struct log_capture {
  std::mutex mutex;
  std::vector<std::string> lines;

  log_sink sink() {
    return [this](log_level, std::string_view message) {
      std::lock_guard lock(mutex);
      lines.emplace_back(message);
    };
  }
  [[nodiscard]] bool contains(std::string_view needle) {
    std::lock_guard lock(mutex);
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }
  /// Every line, each followed by a newline.
  [[nodiscard]] std::string text() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& l : lines) out += l + '\n';
    return out;
  }
};

}  // namespace pyresolve::test
