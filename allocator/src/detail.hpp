#pragma once
// Private helpers shared by the strategies: thread numbering, sanitizer annotations, dlopen.

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>

#include "pyresolve/support/result.hpp"

#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);  // NOLINT(bugprone-reserved-identifier)
extern "C" void __tsan_release(void* addr);  // NOLINT(bugprone-reserved-identifier)
#endif

namespace pyresolve::allocator::detail {

/// Numbers for the calling thread. `serial` is never reused (so a free can tell threads
/// apart even after one exits and another starts); `slot` is reused once its thread exits,
/// so per-thread counter arrays stay small. `slot` is below `slot_limit` or equals it when
/// every small slot is taken.
struct thread_numbers {
  std::uint32_t serial;
  std::uint32_t slot;
};
inline constexpr std::uint32_t slot_limit = 64;
[[nodiscard]] const thread_numbers& this_thread_numbers() noexcept;

// mimalloc, jemalloc and tbbmalloc are not built with ThreadSanitizer, so it cannot see the
// synchronisation inside them: a block freed on thread B and handed out again on thread A
// would look like a race between B's last use and A's first. These annotations give TSan the
// same happens-before edge its own malloc interceptor adds (free releases, malloc acquires).
inline void annotate_allocated([[maybe_unused]] void* p) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(p);
#endif
}
inline void annotate_freed([[maybe_unused]] void* p) noexcept {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(p);
#endif
}

/// An open shared library. Loaded RTLD_LOCAL so its `malloc` never replaces the process's,
/// and RTLD_NODELETE because an allocator must never be unmapped: threads still hold its
/// thread-local caches and run its thread-exit destructors after we are done with it.
class shared_library {
 public:
  static result<shared_library> open(const char* soname);
  shared_library(shared_library&& other) noexcept : m_handle(other.m_handle) { other.m_handle = nullptr; }
  shared_library& operator=(shared_library&&) = delete;
  shared_library(const shared_library&) = delete;
  shared_library& operator=(const shared_library&) = delete;
  ~shared_library();

  /// The address of `name`, or nullptr.
  [[nodiscard]] void* symbol(const char* name) const noexcept;

 private:
  explicit shared_library(void* handle) noexcept : m_handle(handle) {}
  void* m_handle;
};

/// `symbol` cast to a function pointer type; C function pointers round-trip through void*
/// on every platform dlsym exists on (POSIX requires it).
template <class F>
[[nodiscard]] F symbol_as(const shared_library& lib, const char* name) noexcept {
  return reinterpret_cast<F>(lib.symbol(name));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

}  // namespace pyresolve::allocator::detail
