// `resolve`: see cli/README section of the top-level README ("Command line").
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "pyresolve/allocator/process_heap.hpp"
#include "pyresolve/cli/app.hpp"
#include "pyresolve/resolver/index_provider.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PYRESOLVE_FULL_TEARDOWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PYRESOLVE_FULL_TEARDOWN 1
#endif
#endif

int main(int argc, char** argv) {
  // One run, then exit: grow the heap in large steps onto huge pages, and start oneTBB on the
  // tuning's helper thread meanwhile (see both functions' docs).
  static_cast<void>(
      pyresolve::allocator::tune_process_heap_for_short_run(&pyresolve::resolver::warm_up_task_scheduler));
  std::ios::sync_with_stdio(false);
  const auto finish = [](int code) {
#ifndef PYRESOLVE_FULL_TEARDOWN
    // Output written, cache settled: the rest would only free memory and unmap cache entries
    // (each unmap a TLB shootdown while a worker thread runs), or wait for the helper thread.
    // Sanitized builds tear down fully so leak checks still see everything.
    std::cout.flush();
    std::cerr.flush();
    std::_Exit(code);
#else
    static_cast<void>(code);
#endif
  };
  // Once only: where the loader drops GLIBC_TUNABLES (secure-execution mode), a second start
  // would ask again; it then reports why the strategy cannot load instead.
  const auto restart = [argv](const std::string& glibc_tunables) {
    if (std::getenv("PYRESOLVE_RESTARTED") != nullptr) return;
    std::cout.flush();
    std::cerr.flush();
    if (::setenv("GLIBC_TUNABLES", glibc_tunables.c_str(), 1) == 0 &&
        ::setenv("PYRESOLVE_RESTARTED", "1", 1) == 0) {
      ::execv("/proc/self/exe", argv);
    }
  };
  const int code = pyresolve::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout,
                                       std::cerr, ::isatty(STDERR_FILENO) == 1, finish, restart);
  finish(code);  // the commands that do not resolve (--version, cache ...) end here
  return code;
}
