#include "detail/io_pool.hpp"

#include <system_error>
#include <utility>

namespace pyresolve::resolver::detail {

io_pool::~io_pool() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    threads.swap(m_threads);
  }
  m_ready.notify_all();
  for (auto& t : threads) t.join();
}

void io_pool::post(std::function<void()> task) {
  std::unique_lock lock(m_mutex);
  // Every idle thread takes one queued task: start another only when the queue, with this
  // task, outnumbers them. Started before the task is queued, so that a thread the system
  // refuses leaves nothing queued when no thread could ever run it.
  if (m_queue.size() + 1 > m_idle && m_threads.size() < m_max_threads) {
    try {
      m_threads.emplace_back([this] { run(); });
    } catch (const std::system_error&) {
      if (m_threads.empty()) throw;  // the caller runs the task itself
    }
  }
  m_queue.push_back(std::move(task));
  const bool wake = m_idle > 0;
  lock.unlock();
  if (wake) m_ready.notify_one();
}

std::size_t io_pool::threads() const {
  std::lock_guard lock(m_mutex);
  return m_threads.size();
}

void io_pool::run() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    if (!m_queue.empty()) {
      auto task = std::move(m_queue.front());
      m_queue.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // its captures go before the thread takes the next one
      lock.lock();
      continue;
    }
    if (m_stopping) return;
    ++m_idle;
    m_ready.wait(lock);
    --m_idle;
  }
}

}  // namespace pyresolve::resolver::detail
