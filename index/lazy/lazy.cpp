// The lazy form of the I/O backend (detail/backend.hpp): libpyresolve_index_io.so, which links
// the third-party libraries, is opened beside the program on the first call.
#include <dlfcn.h>

#include <cstring>
#include <string>

#include "detail/backend.hpp"
#include "pyresolve/support/own_library.hpp"

namespace pyresolve::index::detail {
namespace {

result<const io_backend*> open_io_library() {
  auto cannot = [](std::string why) {
    return unexpected<error>{error{errc::io_error, "cannot load the index's I/O library: " + std::move(why),
                                   io_library_soname, 0, 0}};
  };
  auto library = support::open_own_library(io_library_soname);
  if (!library) return cannot(std::move(library).error().message);
  void* symbol = ::dlsym(*library, io_entry_symbol);
  if (symbol == nullptr) return cannot(std::string(io_library_soname) + " has no symbol " + io_entry_symbol);
  // Object-to-function pointer casts are only conditionally supported; copying the bits is not.
  io_entry_fn entry = nullptr;
  static_assert(sizeof entry == sizeof symbol);
  std::memcpy(&entry, &symbol, sizeof entry);
  const io_backend* table = entry();
  if (table == nullptr) return cannot(std::string(io_library_soname) + " returned no backend");
  return table;
}

}  // namespace

const result<const io_backend*>& backend() {
  static const result<const io_backend*> loaded = open_io_library();
  return loaded;
}

}  // namespace pyresolve::index::detail
