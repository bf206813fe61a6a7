// Linked into the `-jemalloc` whole-process programs only (cmake/pyresolve_allocator_variants.cmake):
// jemalloc reads the executable's `malloc_conf` when it starts, before `main`, then
// `MALLOC_CONF` from the environment, whose keys win. See heap_tuning.hpp.
#include "pyresolve/allocator/heap_tuning.hpp"

extern "C" {
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables): jemalloc's interface
__attribute__((visibility("default"))) const char* malloc_conf =
    pyresolve::allocator::jemalloc_short_run_conf;
}
