#include "pyresolve/allocator/process_heap.hpp"

#include <malloc.h>

#include <cstdlib>
#include <string_view>

#include "heap_settings.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

namespace detail {

bool tune_glibc() {
  if (malloc_set_by_environment()) return false;
  constexpr int mmap_threshold = 32 << 20;  // glibc's own ceiling for its dynamic threshold
  constexpr int trim_threshold = 1 << 30;
  ::mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  ::mallopt(M_TRIM_THRESHOLD, trim_threshold);
  ::mallopt(M_TOP_PAD, short_run_top_pad);
  return true;
}

}  // namespace detail

namespace {

bool tune() { return process_allocator_name() == "glibc" && detail::tune_glibc(); }

}  // namespace

bool malloc_set_by_environment() noexcept {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::string_view(tunables).find("glibc.malloc.") != std::string_view::npos)
    return true;
  for (const char* name :
       {"MALLOC_ARENA_MAX", "MALLOC_TOP_PAD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

bool tune_glibc_heap_for_short_run() noexcept {
  try {
    static const bool applied = tune();
    return applied;
  } catch (...) {  // naming the allocator ran out of memory: leave the heap be
    return false;
  }
}

}  // namespace pyresolve::allocator
