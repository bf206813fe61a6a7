// The short-lived helper thread of `resolve`'s start (see tricks.hpp): it prepares the
// arena the first worker will allocate from, then runs oneTBB's one-time start-up while the
// main thread reads its inputs. Creating a thread of its own for the latter alone measured
// slower: creating a thread costs the main thread more than it saves.
#include <mutex>
#include <system_error>
#include <thread>

#include "tricks.hpp"

namespace pyresolve::cli::tool {
namespace {

/// Joined by `join_start_up_helper`, else when the program's statics are destroyed.
struct helper_thread {
  std::mutex mutex;
  std::thread thread;
  huge_range advised;  // written by the thread, read after the join
  void join() {
    std::lock_guard lock(mutex);
    if (thread.joinable()) thread.join();
  }
  ~helper_thread() { join(); }
};
helper_thread helper;

}  // namespace

void start_up_helper(std::function<void()> meanwhile) noexcept {
  if (transparent_huge_page_size() == 0) return;
  try {
    std::lock_guard lock(helper.mutex);
    if (helper.thread.joinable()) return;
    helper.thread = std::thread([task = std::move(meanwhile)] {
      helper.advised = advise_this_thread_heap_huge_pages();
      if (task) {
        try {
          task();
        } catch (...) {  // optional start-up work: whoever needs it later does it then
        }
      }
    });
  } catch (...) {  // no thread to spare: the next thread's heap stays as it is
  }
}

huge_range join_start_up_helper() noexcept {
  helper.join();
  return helper.advised;
}

}  // namespace pyresolve::cli::tool
