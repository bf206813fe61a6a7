#pragma once
// The short-run settings of glibc (`mallopt`), mimalloc and tbbmalloc; the last two through
// the library's own API (found with dlsym: the process's copy for the whole-process variants, the strategy's
// opened copy for the pmr strategies). Each returns what it set, as " name=value" words, and skips a setting
// the environment already gives (what a user asked for wins).

#include <cstdint>
#include <string>

namespace pyresolve::allocator::detail {

using mi_option_set_fn = void (*)(int option, long value);
using scalable_mode_fn = int (*)(int param, std::intptr_t value);

/// `large_os_pages` 1 (2 MiB pages, which implies eager commit), `eager_commit_delay` 0 (the
/// first segments are committed at once too), `allow_decommit` 0 (nothing is given back during
/// a run only to be faulted in again). No-op when `set` is null.
std::string tune_mimalloc(mi_option_set_fn set);

/// glibc's `mallopt` settings (process_heap.hpp), for a caller that already knows glibc serves
/// `malloc`; false, setting nothing, when the environment sets glibc's malloc parameters.
bool tune_glibc();

/// `TBBMALLOC_USE_HUGE_PAGES` 1. No-op when `mode` is null.
std::string tune_tbbmalloc(scalable_mode_fn mode);

}  // namespace pyresolve::allocator::detail
