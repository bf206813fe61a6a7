#include "detail.hpp"

#include <dlfcn.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "pyresolve/support/own_library.hpp"

namespace pyresolve::allocator::detail {

namespace {

// Free small slots, handed out lowest first. A mutex is fine: it is taken once per thread
// start and exit, never per allocation.
struct slot_registry {
  std::mutex mutex;
  std::vector<std::uint32_t> free_slots;
  std::uint32_t next = 0;

  std::uint32_t take() {
    const std::lock_guard lock(mutex);
    if (!free_slots.empty()) {
      const std::uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    return next < slot_limit ? next++ : slot_limit;
  }
  void give_back(std::uint32_t s) {
    if (s == slot_limit) return;
    const std::lock_guard lock(mutex);
    free_slots.push_back(s);
  }
};

slot_registry& registry() {
  // Leaked on purpose: threads may exit (and give their slot back) after static destruction.
  static auto* r = new slot_registry;  // NOLINT(cppcoreguidelines-owning-memory)
  return *r;
}

std::atomic<std::uint32_t> g_next_serial{1};

struct thread_numbers_owner {
  thread_numbers numbers{g_next_serial.fetch_add(1, std::memory_order_relaxed), registry().take()};
  thread_numbers_owner() = default;
  thread_numbers_owner(const thread_numbers_owner&) = delete;
  thread_numbers_owner& operator=(const thread_numbers_owner&) = delete;
  ~thread_numbers_owner() { registry().give_back(numbers.slot); }
};

}  // namespace

const thread_numbers& this_thread_numbers() noexcept {
  thread_local const thread_numbers_owner owner;
  return owner.numbers;
}

result<shared_library> shared_library::open(const char* soname) {
  void* handle = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    return fail(errc::not_found,
                std::string("cannot load ") + soname + ": " + support::dlopen_failure(soname));
  }
  return shared_library(handle);
}

shared_library::~shared_library() {
  if (m_handle != nullptr) ::dlclose(m_handle);  // RTLD_NODELETE keeps the code mapped
}

void* shared_library::symbol(const char* name) const noexcept { return ::dlsym(m_handle, name); }

}  // namespace pyresolve::allocator::detail
