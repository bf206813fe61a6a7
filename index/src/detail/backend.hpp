#pragma once
// Libraries that only fetching and parsing need — libcurl (and, through it, TLS, Kerberos,
// LDAP, IDN...), libarchive (libxml2, ICU, compressors), libcrypto, gumbo and zlib — are opened
// with dlopen on first use instead of being linked: a warm resolve never calls them, and
// loading and relocating their ~40 shared objects was most of its start-up (cache/README.md,
// "Start-up"). The headers we compile against fix the ABI, so the sonames below are theirs.
// Compiled with CURL_DISABLE_TYPECHECK (index/CMakeLists.txt): curl's type-checking macros
// would otherwise wrap the calls through these tables.
#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <gumbo.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "detail/json_walk.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index::dl {

#define PYRESOLVE_DL_MEMBER(fn) decltype(&::fn) fn = nullptr;

// One X per line: clang-format reflows these lists differently on each pass otherwise.
// clang-format off
#define PYRESOLVE_DL_CURL(X)   \
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

#define PYRESOLVE_DL_ARCHIVE(X)         \
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

#define PYRESOLVE_DL_CRYPTO(X) X(EVP_Digest) X(EVP_sha256)

// inflateInit2 is a macro over inflateInit2_, which checks the caller's zlib version.
#define PYRESOLVE_DL_ZLIB(X) X(inflateInit2_) X(inflate) X(inflateEnd)

#define PYRESOLVE_DL_GUMBO(X) X(gumbo_parse_with_options) X(gumbo_destroy_output) X(gumbo_get_attribute)

// clang-format on

struct curl_api {
  PYRESOLVE_DL_CURL(PYRESOLVE_DL_MEMBER)
};
struct archive_api {
  PYRESOLVE_DL_ARCHIVE(PYRESOLVE_DL_MEMBER)
};
struct crypto_api {
  PYRESOLVE_DL_CRYPTO(PYRESOLVE_DL_MEMBER)
};
struct zlib_api {
  PYRESOLVE_DL_ZLIB(PYRESOLVE_DL_MEMBER)
};
struct gumbo_api {
  PYRESOLVE_DL_GUMBO(PYRESOLVE_DL_MEMBER)
  const GumboOptions* default_options = nullptr;  ///< `kGumboDefaultOptions`
};

/// The library's functions, loaded on the first call (thread-safe, once per process), or an
/// error naming the library and what `dlerror` said.
[[nodiscard]] const result<const curl_api*>& load_curl();
[[nodiscard]] const result<const archive_api*>& load_archive();
[[nodiscard]] const result<const crypto_api*>& load_crypto();
[[nodiscard]] const result<const gumbo_api*>& load_gumbo();
[[nodiscard]] const result<const zlib_api*>& load_zlib();

/// The PEP 691 page walk, from pyresolve's own libpyresolve_index_json.so (which holds
/// simdjson; see json_walk.hpp), opened beside the program on the first call.
[[nodiscard]] const result<detail::walk_json_page_fn>& load_json();

/// The same, for code that runs only after a successful `load_*` (handles it created exist).
inline const curl_api& curl() { return **load_curl(); }
inline const archive_api& archive() { return **load_archive(); }
inline const gumbo_api& gumbo() { return **load_gumbo(); }

}  // namespace pyresolve::index::dl
