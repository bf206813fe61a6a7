// `resolve`: see cli/README.md.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "pyresolve/allocator/heap_tuning.hpp"
#include "pyresolve/cli/app.hpp"
#include "pyresolve/resolver/index_provider.hpp"

#if PYRESOLVE_PROCESS_TRICKS
#include "tricks.hpp"
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PYRESOLVE_FULL_TEARDOWN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PYRESOLVE_FULL_TEARDOWN 1
#endif
#endif

int main(int argc, char** argv) {
  namespace alloc = pyresolve::allocator;
  // One run, then exit: whichever heap serves malloc gets its own short-run settings
  // (allocator/include/pyresolve/allocator/heap_tuning.hpp), unless PYRESOLVE_HEAP_TUNING=off.
  const auto tuning = alloc::heap_tuning_from_environment();
  if (!tuning) {
    std::cerr << "error: " << tuning.error().message << '\n';
    return 2;
  }
  [[maybe_unused]] const bool tuned = *tuning == alloc::heap_tuning::short_run &&
                                      alloc::tune_process_heap_for_short_run().starts_with("glibc");
  pyresolve::cli::start_hook before_workers;
#if PYRESOLVE_PROCESS_TRICKS
  // On top of it, huge pages for the heaps, and oneTBB started on a helper thread meanwhile
  // (cli/tool/tricks.hpp); the provider's workers start only once the helper is done.
  if (tuned) {
    static_cast<void>(pyresolve::cli::tool::advise_main_heap_huge_pages());
    pyresolve::cli::tool::start_up_helper(&pyresolve::resolver::warm_up_task_scheduler);
    before_workers = [] { static_cast<void>(pyresolve::cli::tool::join_start_up_helper()); };
  }
#endif
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
  const int code = pyresolve::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout,
                                       std::cerr, ::isatty(STDERR_FILENO) == 1, finish, before_workers);
  finish(code);  // the commands that do not resolve (--version, cache ...) end here
  return code;
}
