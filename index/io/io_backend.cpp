// The table of the third-party functions the index client calls (detail/backend.hpp): the
// one place that names them, so whatever links this file links libcurl, libarchive,
// libcrypto, zlib, gumbo and simdjson.
#include "detail/backend.hpp"

namespace pyresolve::index::detail {
namespace {

io_backend make_table() noexcept {
  io_backend table;
#define PYRESOLVE_IO_SET_CURL(fn) table.curl.fn = &::fn;
#define PYRESOLVE_IO_SET_ARCHIVE(fn) table.archive.fn = &::fn;
#define PYRESOLVE_IO_SET_CRYPTO(fn) table.crypto.fn = &::fn;
#define PYRESOLVE_IO_SET_ZLIB(fn) table.zlib.fn = &::fn;
#define PYRESOLVE_IO_SET_GUMBO(fn) table.gumbo.fn = &::fn;
  PYRESOLVE_IO_CURL(PYRESOLVE_IO_SET_CURL)
  PYRESOLVE_IO_ARCHIVE(PYRESOLVE_IO_SET_ARCHIVE)
  PYRESOLVE_IO_CRYPTO(PYRESOLVE_IO_SET_CRYPTO)
  PYRESOLVE_IO_ZLIB(PYRESOLVE_IO_SET_ZLIB)
  PYRESOLVE_IO_GUMBO(PYRESOLVE_IO_SET_GUMBO)
#undef PYRESOLVE_IO_SET_CURL
#undef PYRESOLVE_IO_SET_ARCHIVE
#undef PYRESOLVE_IO_SET_CRYPTO
#undef PYRESOLVE_IO_SET_ZLIB
#undef PYRESOLVE_IO_SET_GUMBO
  table.gumbo.default_options = &kGumboDefaultOptions;
  table.walk_json_page = &walk_json_page;
  return table;
}

}  // namespace

const io_backend& linked_io_backend() noexcept {
  static const io_backend table = make_table();
  return table;
}

}  // namespace pyresolve::index::detail
