// The main thread's stack for pthread_getattr_np, without reading /proc/self/maps.
//
// oneTBB asks for the stack of every thread that joins its scheduler, the main thread
// included (task_arena::initialize, in the provider's constructor). glibc knows the stack of
// every thread it started, but for the main thread it opens /proc/self/maps and scans it with
// sscanf for the mapping that holds the stack: 40-100 µs here, on the solver's thread, in
// every run (benches/results/2026-11-27-resolver-performance-log.md). The kernel already says where that
// mapping ends: it copies the program's path (AT_EXECFN) to the very top of it, followed by one null pointer,
// so the page-aligned end is right after them; glibc's answer follows from that end,
// __libc_stack_end and RLIMIT_STACK. This definition in the executable comes first
// in symbol lookup, for libtbb's calls as for every other; it answers for the main thread
// asking about itself and passes every other call to glibc's.
//
// Only what callers here use is filled: the stack, as glibc gives it unless another mapping
// lies closer below than RLIMIT_STACK reaches (glibc then stops there; it matters only to a
// stack that grows that far).
#include <dlfcn.h>
#include <pthread.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "tricks.hpp"

namespace {

using getattr_fn = int (*)(pthread_t, pthread_attr_t*);

getattr_fn glibc_getattr() {
  static const auto next = reinterpret_cast<getattr_fn>(::dlsym(RTLD_NEXT, "pthread_getattr_np"));  // NOLINT
  return next;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int pthread_getattr_np(pthread_t thread,
                                                                         pthread_attr_t* attr) {
  std::uintptr_t top = 0;
  std::uintptr_t size = 0;
  if (::pthread_equal(thread, ::pthread_self()) != 0 && ::gettid() == ::getpid() &&
      pyresolve::cli::tool::main_thread_stack(top, size)) {
    if (const int failed = ::pthread_attr_init(attr); failed != 0) return failed;
    return ::pthread_attr_setstack(attr, reinterpret_cast<void*>(top - size), size);  // NOLINT
  }
  const getattr_fn next = glibc_getattr();
  return next != nullptr ? next(thread, attr) : ENOSYS;
}

extern "C" void* __libc_stack_end;  // NOLINT(bugprone-reserved-identifier): glibc's loader sets it

namespace pyresolve::cli::tool {

bool main_thread_stack(std::uintptr_t& top, std::uintptr_t& size) noexcept {
  const auto* path = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));  // NOLINT
  const long page = ::sysconf(_SC_PAGESIZE);
  ::rlimit limit{};
  if (path == nullptr || page <= 0 || ::getrlimit(RLIMIT_STACK, &limit) != 0 ||
      limit.rlim_cur == RLIM_INFINITY) {
    return false;
  }
  const auto mask = static_cast<std::uintptr_t>(page) - 1;
  const std::uintptr_t mapping_end =
      reinterpret_cast<std::uintptr_t>(path) + std::strlen(path) + 1 + sizeof(void*);  // NOLINT
  if ((mapping_end & mask) != 0) return false;  // not the layout described above: ask glibc
  // As glibc counts: the stack ends with the page holding __libc_stack_end (what lies above,
  // the arguments and environment, is not for the program to grow into), and the limit
  // covers the whole mapping.
  top = (reinterpret_cast<std::uintptr_t>(__libc_stack_end) & ~mask) +
        static_cast<std::uintptr_t>(page);  // NOLINT
  if (top > mapping_end || mapping_end - top >= limit.rlim_cur) return false;
  size = (static_cast<std::uintptr_t>(limit.rlim_cur) - (mapping_end - top)) & ~mask;
  return size != 0 && size <= top;
}

}  // namespace pyresolve::cli::tool
