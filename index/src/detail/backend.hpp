#pragma once
// The boundary between the index client and the third-party libraries it calls: libcurl
// (transfers and URL parsing), libarchive (sdists), libcrypto (sha256), zlib (wheel members),
// gumbo (PEP 503 pages) and simdjson (PEP 691 pages, behind `walk_json_page`). The client's
// code (index/src) calls them only through an `io_backend`, a table of their functions; the
// code that fills it (index/io) is the only code that names them.
//
// Two ways to get the table (index/CMakeLists.txt chooses per program):
//   linked (pyresolve::index as installed, tests, benches, embedders): index/io/linked.cpp
//     returns the table of the directly linked libraries;
//   lazy (the `resolve` program): index/lazy/lazy.cpp opens pyresolve's own
//     libpyresolve_index_io.so, which holds index/io and links those libraries, on the first
//     call. A warm resolve never calls any of them, and mapping their ~40 shared objects at
//     start-up was most of its run time (cache/README.md, "Start-up").
// Both sides are built from this header by the same compiler, so C++ types cross the
// boundary; only the library's entry point has C linkage, to be found by name.
// Compiled with CURL_DISABLE_TYPECHECK: curl's type-checking macros would otherwise wrap the
// calls through the table.
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <gumbo.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <cstdint>

#include "detail/json_walk.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index::detail {

#define PYRESOLVE_IO_MEMBER(fn) decltype(&::fn) fn = nullptr;

// One X per line: clang-format reflows these lists differently on each pass otherwise.
// clang-format off
#define PYRESOLVE_IO_CURL(X)   \
  X(curl_global_init)          \
  X(curl_easy_init)            \
  X(curl_easy_cleanup)         \
  X(curl_easy_setopt)          \
  X(curl_easy_getinfo)         \
  X(curl_easy_strerror)        \
  X(curl_free)                 \
  X(curl_getdate)              \
  X(curl_multi_init)           \
  X(curl_multi_cleanup)        \
  X(curl_multi_setopt)         \
  X(curl_multi_add_handle)     \
  X(curl_multi_remove_handle)  \
  X(curl_multi_perform)        \
  X(curl_multi_info_read)      \
  X(curl_multi_poll)           \
  X(curl_multi_wakeup)         \
  X(curl_slist_append)         \
  X(curl_slist_free_all)       \
  X(curl_url)                  \
  X(curl_url_cleanup)          \
  X(curl_url_set)              \
  X(curl_url_get)

#define PYRESOLVE_IO_ARCHIVE(X)         \
  X(archive_read_new)                   \
  X(archive_read_free)                  \
  X(archive_read_support_filter_gzip)   \
  X(archive_read_support_filter_xz)     \
  X(archive_read_support_filter_bzip2)  \
  X(archive_read_support_format_tar)    \
  X(archive_read_support_format_zip)    \
  X(archive_read_open_memory)           \
  X(archive_read_next_header)           \
  X(archive_read_data)                  \
  X(archive_entry_pathname)             \
  X(archive_error_string)

#define PYRESOLVE_IO_CRYPTO(X) X(EVP_Digest) X(EVP_sha256)

// inflateInit2 is a macro over inflateInit2_, which checks the caller's zlib version.
#define PYRESOLVE_IO_ZLIB(X) X(inflateInit2_) X(inflate) X(inflateEnd)

#define PYRESOLVE_IO_GUMBO(X) X(gumbo_parse_with_options) X(gumbo_destroy_output) X(gumbo_get_attribute)

// clang-format on

struct curl_api {
  PYRESOLVE_IO_CURL(PYRESOLVE_IO_MEMBER)
};
struct archive_api {
  PYRESOLVE_IO_ARCHIVE(PYRESOLVE_IO_MEMBER)
};
struct crypto_api {
  PYRESOLVE_IO_CRYPTO(PYRESOLVE_IO_MEMBER)
};
struct zlib_api {
  PYRESOLVE_IO_ZLIB(PYRESOLVE_IO_MEMBER)
};
struct gumbo_api {
  PYRESOLVE_IO_GUMBO(PYRESOLVE_IO_MEMBER)
  const GumboOptions* default_options = nullptr;  ///< `kGumboDefaultOptions`
};

#undef PYRESOLVE_IO_MEMBER

/// Everything the client calls in third-party code. Every member is set.
struct io_backend {
  curl_api curl;
  archive_api archive;
  crypto_api crypto;
  zlib_api zlib;
  gumbo_api gumbo;
  walk_json_page_fn walk_json_page = nullptr;
};

/// The table, made on the first call (thread-safe, once per process): in the lazy form, an
/// error naming libpyresolve_index_io.so and why it would not load (which directories lack
/// it, or what `dlerror` said). Defined by the program's choice of form, a static library
/// linked with the program: exported, so that a shared libpyresolve_index.so finds it there.
[[nodiscard]] PYRESOLVE_API const result<const io_backend*>& backend();

/// The same, for code that runs only after a successful `backend()` (handles it created exist).
inline const io_backend& io() { return **backend(); }

/// The table of the linked libraries (index/io/io_backend.cpp): what `backend()` returns in
/// the linked form, and what libpyresolve_index_io.so's entry point returns.
[[nodiscard]] const io_backend& linked_io_backend() noexcept;

/// libpyresolve_index_io.so and its one entry point, `const io_backend* (*)() noexcept`.
inline constexpr const char* io_library_soname = "libpyresolve_index_io.so";
inline constexpr const char* io_entry_symbol = "pyresolve_index_io_backend";
using io_entry_fn = const io_backend* (*)() noexcept;

/// What the table of a libpyresolve_index_io.so is laid out as, exported beside its entry
/// point as the object `io_identity_symbol`: the lazy form reads it, and calls the entry point
/// only when it equals its own, so that a copy from another build is refused, not called.
/// `layout` is "<project version>/<SHA-256 of this header and json_walk.hpp>", computed by
/// index/CMakeLists.txt (PYRESOLVE_INDEX_IO_LAYOUT) whenever either changes. This struct's
/// own layout never changes: `identity_size` comes first, so that any other is told apart.
struct io_identity {
  std::uint32_t identity_size = 0;  ///< sizeof(io_identity)
  std::uint32_t table_size = 0;     ///< sizeof(io_backend)
  char layout[96] = {};             ///< NUL-terminated
};
inline constexpr const char* io_identity_symbol = "pyresolve_index_io_identity";

}  // namespace pyresolve::index::detail
