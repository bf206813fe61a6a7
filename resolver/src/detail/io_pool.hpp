#pragma once
// The index provider's I/O threads: loads the cache cannot answer block on HTTP here, not on
// oneTBB workers. Plain std::thread, std::mutex and std::condition_variable, so the
// sanitizers see every hand-off.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pyresolve::resolver::detail {

/// Runs posted tasks on up to `max_threads` threads, in the order posted. A thread is started
/// when a task is posted and no started thread is idle for it, so a pool nobody posts to
/// starts none. The destructor runs what is still queued, then joins every thread.
class io_pool {
 public:
  explicit io_pool(std::size_t max_threads) : m_max_threads(max_threads == 0 ? 1 : max_threads) {}
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  /// Queues `task`; it runs on a pool thread. Thread-safe. `task` must not throw. Throws
  /// `std::system_error`, with nothing queued, only when the pool has no thread and the system
  /// refuses to start one: the caller then runs the task itself.
  void post(std::function<void()> task);
  /// Threads started so far (never more than `max_threads`).
  [[nodiscard]] std::size_t threads() const;

 private:
  void run();

  const std::size_t m_max_threads;
  mutable std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<std::function<void()>> m_queue;  // guarded by m_mutex
  std::vector<std::thread> m_threads;         // guarded by m_mutex
  std::size_t m_idle = 0;                     ///< threads waiting for a task; guarded by m_mutex
  bool m_stopping = false;                    // guarded by m_mutex
};

}  // namespace pyresolve::resolver::detail
