#include "detail/dl.hpp"

#include <dlfcn.h>

#include <cstring>
#include <string>

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

unexpected<error> cannot_load(const char* soname, const std::string& what) {
  return unexpected<error>{error{errc::io_error, std::string("cannot load ") + soname + ": " + what, soname, 0, 0}};
}

void* open(const char* soname) { return ::dlopen(soname, RTLD_NOW | RTLD_LOCAL); }

std::string last_dl_error() {
  const char* e = ::dlerror();
  return e != nullptr ? e : "unknown error";
}

#define PYRESOLVE_DL_BIND(fn) \
  if (!bind(library, #fn, api.fn)) return cannot_load(soname, "no symbol " #fn);

// The handles stay open for the life of the process, like linked libraries.
result<const curl_api*> open_curl() {
  static curl_api api;
  const char* soname = "libcurl.so.4";
  void* library = open(soname);
  if (library == nullptr) return cannot_load(soname, last_dl_error());
  PYRESOLVE_DL_CURL(PYRESOLVE_DL_BIND)
  return &api;
}

result<const archive_api*> open_archive() {
  static archive_api api;
  const char* soname = "libarchive.so.13";
  void* library = open(soname);
  if (library == nullptr) return cannot_load(soname, last_dl_error());
  PYRESOLVE_DL_ARCHIVE(PYRESOLVE_DL_BIND)
  return &api;
}

result<const crypto_api*> open_crypto() {
  static crypto_api api;
  const char* soname = "libcrypto.so.3";
  void* library = open(soname);
  if (library == nullptr) return cannot_load(soname, last_dl_error());
  PYRESOLVE_DL_CRYPTO(PYRESOLVE_DL_BIND)
  return &api;
}

result<const gumbo_api*> open_gumbo() {
  static gumbo_api api;
  const char* soname = "libgumbo.so.1";
  void* library = open(soname);
  if (library == nullptr) return cannot_load(soname, last_dl_error());
  PYRESOLVE_DL_GUMBO(PYRESOLVE_DL_BIND)
  if (!bind(library, "kGumboDefaultOptions", api.default_options)) return cannot_load(soname, "no symbol kGumboDefaultOptions");
  return &api;
}

#undef PYRESOLVE_DL_BIND

}  // namespace

const result<const curl_api*>& load_curl() {
  static const result<const curl_api*> loaded = open_curl();
  return loaded;
}
const result<const archive_api*>& load_archive() {
  static const result<const archive_api*> loaded = open_archive();
  return loaded;
}
const result<const crypto_api*>& load_crypto() {
  static const result<const crypto_api*> loaded = open_crypto();
  return loaded;
}
const result<const gumbo_api*>& load_gumbo() {
  static const result<const gumbo_api*> loaded = open_gumbo();
  return loaded;
}

}  // namespace pyresolve::index::dl
