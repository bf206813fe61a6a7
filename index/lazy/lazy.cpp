// The lazy form of the I/O backend (detail/backend.hpp): libpyresolve_index_io.so, which links
// the third-party libraries, is opened beside the program on the first call, and used only if
// its table has this program's layout (`io_identity`).
#include <dlfcn.h>
#include <link.h>

#include <cstring>
#include <string>

#include "detail/backend.hpp"
#include "pyresolve/support/own_library.hpp"

namespace pyresolve::index::detail {
namespace {

constexpr io_identity own_identity{sizeof(io_identity), sizeof(io_backend), PYRESOLVE_INDEX_IO_LAYOUT};
static_assert(sizeof(PYRESOLVE_INDEX_IO_LAYOUT) <= sizeof own_identity.layout);

/// The file `handle` was loaded from, else the soname.
std::string library_path(void* handle) {
  ::link_map* map = nullptr;
  if (::dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr && map->l_name != nullptr &&
      map->l_name[0] != '\0') {
    return map->l_name;
  }
  return io_library_soname;
}

std::string describe(const io_identity& identity) {
  return "table of " + std::to_string(identity.table_size) + " bytes, layout " +
         std::string(identity.layout, ::strnlen(identity.layout, sizeof identity.layout));
}

result<const io_backend*> open_io_library() {
  auto cannot = [](std::string why) {
    return unexpected<error>{error{errc::io_error, "cannot load the index's I/O library: " + std::move(why),
                                   io_library_soname, 0, 0}};
  };
  auto library = support::open_own_library(io_library_soname);
  if (!library) return cannot(std::move(library).error().message);
  const std::string path = library_path(*library);
  auto another_build = [&](const std::string& theirs) {
    return cannot(path + " is from another build (its identity: " + theirs +
                  "; this program's: " + describe(own_identity) + ")");
  };
  const void* identity_symbol = ::dlsym(*library, io_identity_symbol);
  if (identity_symbol == nullptr) return another_build(std::string("none, no symbol ") + io_identity_symbol);
  std::uint32_t identity_size = 0;
  std::memcpy(&identity_size, identity_symbol, sizeof identity_size);
  if (identity_size != sizeof(io_identity)) {
    return another_build("a record of " + std::to_string(identity_size) + " bytes, not " +
                         std::to_string(sizeof(io_identity)));
  }
  io_identity theirs;
  std::memcpy(&theirs, identity_symbol, sizeof theirs);
  if (theirs.table_size != own_identity.table_size ||
      std::strncmp(theirs.layout, own_identity.layout, sizeof theirs.layout) != 0) {
    return another_build(describe(theirs));
  }
  void* symbol = ::dlsym(*library, io_entry_symbol);
  if (symbol == nullptr) return cannot(path + " has no symbol " + io_entry_symbol);
  // Object-to-function pointer casts are only conditionally supported; copying the bits is not.
  io_entry_fn entry = nullptr;
  static_assert(sizeof entry == sizeof symbol);
  std::memcpy(&entry, &symbol, sizeof entry);
  const io_backend* table = entry();
  if (table == nullptr) return cannot(path + " returned no backend");
  return table;
}

}  // namespace

const result<const io_backend*>& backend() {
  static const result<const io_backend*> loaded = open_io_library();
  return loaded;
}

}  // namespace pyresolve::index::detail
