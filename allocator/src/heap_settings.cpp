#include "heap_settings.hpp"

#include <mimalloc.h>
#include <oneapi/tbb/scalable_allocator.h>

#include <cstdlib>

namespace pyresolve::allocator::detail {

std::string tune_mimalloc(mi_option_set_fn set) {
  if (set == nullptr) return {};
  struct setting {
    mi_option_t option;
    const char* name;
    const char* variable;
    long value;
  };
  static constexpr setting settings[] = {
      {mi_option_large_os_pages, "large_os_pages", "MIMALLOC_LARGE_OS_PAGES", 1},
      {mi_option_eager_commit_delay, "eager_commit_delay", "MIMALLOC_EAGER_COMMIT_DELAY", 0},
      {mi_option_allow_decommit, "allow_decommit", "MIMALLOC_ALLOW_DECOMMIT", 0},
  };
  std::string applied;
  for (const auto& s : settings) {
    if (std::getenv(s.variable) != nullptr) continue;
    set(s.option, s.value);
    applied += std::string(" ") + s.name + "=" + std::to_string(s.value);
  }
  return applied;
}

std::string tune_tbbmalloc(scalable_mode_fn mode) {
  if (mode == nullptr || std::getenv("TBB_MALLOC_USE_HUGE_PAGES") != nullptr) return {};
  return mode(TBBMALLOC_USE_HUGE_PAGES, 1) == TBBMALLOC_OK ? " use_huge_pages=1" : std::string{};
}

}  // namespace pyresolve::allocator::detail
