#include "detail/dl.hpp"

#include <dlfcn.h>

#include <cstring>
#include <string>

#include "pyresolve/support/own_library.hpp"

namespace pyresolve::index::dl {
namespace {

/// `dlsym` into a typed pointer (object-to-function pointer casts are only conditionally
/// supported, copying the bits is not).
template <class F>
bool bind(void* library, const char* name, F& out) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) return false;
  static_assert(sizeof(F) == sizeof(symbol));
  std::memcpy(&out, &symbol, sizeof out);
  return true;
}

/// Opens `soname` and binds `Api`'s functions with `bind_all(library, api)`, which returns the
/// name of a missing symbol or nullptr. The handle stays open for the life of the process,
/// like a linked library's.
template <class Api, class BindAll>
result<const Api*> open_library(const char* soname, BindAll bind_all) {
  static Api api;
  void* library = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  const char* why = library == nullptr ? ::dlerror() : nullptr;
  const char* missing = library == nullptr ? nullptr : bind_all(library, api);
  if (library != nullptr && missing == nullptr) return &api;
  const std::string what =
      library == nullptr ? (why != nullptr ? why : "unknown error") : std::string("no symbol ") + missing;
  return unexpected<error>{
      error{errc::io_error, std::string("cannot load ") + soname + ": " + what, soname, 0, 0}};
}

#define PYRESOLVE_DL_BIND(fn) \
  if (!bind(library, #fn, api.fn)) return #fn;

}  // namespace

const result<const curl_api*>& load_curl() {
  static const auto loaded =
      open_library<curl_api>("libcurl.so.4", [](void* library, curl_api& api) -> const char* {
        PYRESOLVE_DL_CURL(PYRESOLVE_DL_BIND)
        return nullptr;
      });
  return loaded;
}
const result<const archive_api*>& load_archive() {
  static const auto loaded =
      open_library<archive_api>("libarchive.so.13", [](void* library, archive_api& api) -> const char* {
        PYRESOLVE_DL_ARCHIVE(PYRESOLVE_DL_BIND)
        return nullptr;
      });
  return loaded;
}
const result<const crypto_api*>& load_crypto() {
  static const auto loaded =
      open_library<crypto_api>("libcrypto.so.3", [](void* library, crypto_api& api) -> const char* {
        PYRESOLVE_DL_CRYPTO(PYRESOLVE_DL_BIND)
        return nullptr;
      });
  return loaded;
}
const result<const gumbo_api*>& load_gumbo() {
  static const auto loaded =
      open_library<gumbo_api>("libgumbo.so.1", [](void* library, gumbo_api& api) -> const char* {
        PYRESOLVE_DL_GUMBO(PYRESOLVE_DL_BIND)
        if (!bind(library, "kGumboDefaultOptions", api.default_options)) return "kGumboDefaultOptions";
        return nullptr;
      });
  return loaded;
}

const result<const zlib_api*>& load_zlib() {
  static const auto loaded =
      open_library<zlib_api>("libz.so.1", [](void* library, zlib_api& api) -> const char* {
        PYRESOLVE_DL_ZLIB(PYRESOLVE_DL_BIND)
        return nullptr;
      });
  return loaded;
}

#undef PYRESOLVE_DL_BIND

const result<detail::walk_json_page_fn>& load_json() {
  static const auto loaded = []() -> result<detail::walk_json_page_fn> {
    auto library = support::open_own_library(detail::json_library_soname);
    if (!library) {
      return unexpected<error>{error{errc::io_error, "cannot parse JSON pages: " + library.error().message,
                                     detail::json_library_soname, 0, 0}};
    }
    detail::walk_json_page_fn walk = nullptr;
    if (!bind(*library, detail::walk_json_page_symbol, walk)) {
      return unexpected<error>{error{
          errc::io_error, std::string("cannot parse JSON pages: no symbol ") + detail::walk_json_page_symbol,
          detail::json_library_soname, 0, 0}};
    }
    return walk;
  }();
  return loaded;
}

}  // namespace pyresolve::index::dl
