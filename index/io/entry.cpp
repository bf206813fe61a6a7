// libpyresolve_index_io.so's entry point and the identity of its table (detail/backend.hpp:
// `io_entry_symbol`, `io_identity_symbol`), which the lazy form of the I/O backend
// (index/lazy/lazy.cpp) looks up by name.
#include "detail/backend.hpp"

static_assert(sizeof(PYRESOLVE_INDEX_IO_LAYOUT) <= sizeof(pyresolve::index::detail::io_identity::layout));

extern "C" __attribute__((visibility("default")))
const pyresolve::index::detail::io_identity pyresolve_index_io_identity{
    sizeof(pyresolve::index::detail::io_identity), sizeof(pyresolve::index::detail::io_backend),
    PYRESOLVE_INDEX_IO_LAYOUT};

extern "C" __attribute__((visibility("default"))) const pyresolve::index::detail::io_backend*
pyresolve_index_io_backend() noexcept {
  return &pyresolve::index::detail::linked_io_backend();
}
