// The linked form of the I/O backend (detail/backend.hpp): the libraries are linked with the
// program, so the table is always there.
#include "detail/backend.hpp"

namespace pyresolve::index::detail {

const result<const io_backend*>& backend() {
  static const result<const io_backend*> linked = &linked_io_backend();
  return linked;
}

}  // namespace pyresolve::index::detail
