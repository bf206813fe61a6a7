#include "pyresolve/cli/progress.hpp"

#include <fmt/format.h>

namespace pyresolve::cli {

std::string progress_line(const progress_counts& counts) {
  return fmt::format(
      "Resolving: {} packages resolved, {} seen, {} downloads in flight, {} requests, {:.1f} MiB",
      counts.resolved, counts.discovered, counts.in_flight, counts.requests,
      static_cast<double>(counts.bytes) / (1024.0 * 1024.0));
}

progress_display::progress_display(writer write, std::function<std::string()> line)
    : m_write(std::move(write)), m_line(std::move(line)) {
  // The first line is drawn before the thread exists, so that even a run shorter than the
  // thread's start-up shows one (and the terminal test is deterministic).
  m_write(std::string(erase_line) + m_line());
  m_thread = std::thread([this] {
    std::unique_lock lock(m_mutex);
    while (!m_wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return m_stopping; })) {
      m_write(std::string(erase_line) + m_line());
    }
    m_write(std::string(erase_line));
  });
}

void progress_display::stop() {
  {
    const std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  if (m_thread.joinable()) m_thread.join();
}

progress_display::~progress_display() { stop(); }

}  // namespace pyresolve::cli
