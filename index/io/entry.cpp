// libpyresolve_index_io.so's entry point (detail/backend.hpp: `io_entry_symbol`), which the
// lazy form of the I/O backend (index/lazy/lazy.cpp) looks up by name.
#include "detail/backend.hpp"

extern "C" __attribute__((visibility("default"))) const pyresolve::index::detail::io_backend*
pyresolve_index_io_backend() noexcept {
  return &pyresolve::index::detail::linked_io_backend();
}
