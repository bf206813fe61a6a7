#pragma once
/// @file
/// A one-line progress display on a terminal: redrawn in place a few times a second from
/// counters that the resolve updates, erased when the resolve ends.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace pyresolve::cli {

/// What the display shows.
struct progress_counts {
  std::uint64_t resolved = 0;    ///< packages whose dependencies were read
  std::uint64_t discovered = 0;  ///< packages whose versions were asked for
  std::uint64_t requests = 0;    ///< HTTP requests started
  std::uint64_t in_flight = 0;   ///< downloads not finished yet
  std::uint64_t bytes = 0;       ///< bytes received
};

/// Back to column 0 and clear the line: one line on the terminal whatever was there before.
inline constexpr std::string_view erase_line = "\r\x1b[2K";

/// The status line for `counts` (no control characters).
[[nodiscard]] std::string progress_line(const progress_counts& counts);

/// Redraws `line()` (no control characters: a resolve's `progress_line`, a batch's) every
/// 100 ms from a thread of its own until stopped; stop() (or the destructor) erases the line.
/// Text goes through `write`, which the caller serializes with its other messages to the same
/// terminal.
class progress_display {
 public:
  using writer = std::function<void(const std::string&)>;
  progress_display(writer write, std::function<std::string()> line);
  ~progress_display();
  progress_display(const progress_display&) = delete;
  progress_display& operator=(const progress_display&) = delete;
  void stop();

 private:
  writer m_write;
  std::function<std::string()> m_line;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace pyresolve::cli
