// bin/resolve's pthread_getattr_np (cli/tool/main_thread_stack.cpp), linked into this test
// too when the build has the process-level measures, against glibc's own, which reads /proc/self/maps for the
// main thread.
#include <dlfcn.h>
#include <doctest/doctest.h>
#include <pthread.h>
#include <sys/resource.h>

#include <cstdint>
#include <thread>

#if PYRESOLVE_PROCESS_TRICKS
#include "tricks.hpp"

namespace {

struct stack {
  std::uintptr_t low = 0;
  std::size_t size = 0;
  [[nodiscard]] std::uintptr_t top() const { return low + size; }
};

using getattr_fn = int (*)(pthread_t, pthread_attr_t*);

stack stack_from(getattr_fn getattr) {
  pthread_attr_t attr;
  REQUIRE(getattr(::pthread_self(), &attr) == 0);
  void* low = nullptr;
  stack out;
  REQUIRE(::pthread_attr_getstack(&attr, &low, &out.size) == 0);
  ::pthread_attr_destroy(&attr);
  out.low = reinterpret_cast<std::uintptr_t>(low);
  return out;
}

getattr_fn glibcs() { return reinterpret_cast<getattr_fn>(::dlsym(RTLD_NEXT, "pthread_getattr_np")); }

}  // namespace

TEST_CASE("main thread stack: what glibc finds through /proc/self/maps, without it") {
  const bool found = glibcs() != nullptr;
  REQUIRE(found);
  const stack glibc = stack_from(glibcs());
  ::rlimit limit{};
  REQUIRE(::getrlimit(RLIMIT_STACK, &limit) == 0);
  std::uintptr_t top = 0, size = 0;
  if (limit.rlim_cur == RLIM_INFINITY) {
    CHECK_FALSE(pyresolve::cli::tool::main_thread_stack(top, size));
    return;
  }
  REQUIRE(pyresolve::cli::tool::main_thread_stack(top, size));
  CHECK(top == glibc.top());
  CHECK(size == glibc.size);  // (unless a mapping lies closer below than the limit reaches)
  const int here = 0;
  const auto at = reinterpret_cast<std::uintptr_t>(&here);
  CHECK(at < top);
  CHECK(at >= top - size);
  // What the program's callers get, through the replacement (this test links it too).
  const stack replaced = stack_from(&::pthread_getattr_np);
  CHECK(replaced.top() == glibc.top());
  CHECK(replaced.size == size);
  // Another thread's answer is glibc's own.
  stack other_replaced, other_glibc;
  std::thread([&] {
    other_replaced = stack_from(&::pthread_getattr_np);
    other_glibc = stack_from(glibcs());
  }).join();
  CHECK(other_replaced.low == other_glibc.low);
  CHECK(other_replaced.size == other_glibc.size);
  CHECK(other_replaced.top() != glibc.top());
}

#endif  // PYRESOLVE_PROCESS_TRICKS
