#include <dlfcn.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "detail.hpp"
#include "pyresolve/allocator/resource.hpp"

namespace pyresolve::allocator {

namespace {

template <class F>
F global_symbol(const char* name) noexcept {
  return reinterpret_cast<F>(
      ::dlsym(RTLD_DEFAULT, name));  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
}

using malloc_fn = void* (*)(std::size_t);
using free_fn = void (*)(void*);

// Each check allocates through the `malloc` every caller gets (called through a pointer, so
// the compiler cannot elide the pair) and asks the named allocator whether it owns the block.
bool mimalloc_owns_malloc(malloc_fn do_malloc, free_fn do_free) {
  auto in_heap = global_symbol<bool (*)(const void*)>("mi_is_in_heap_region");
  if (in_heap == nullptr) return false;
  void* p = do_malloc(64);
  const bool owned = p != nullptr && in_heap(p);
  do_free(p);
  return owned;
}

bool jemalloc_owns_malloc(malloc_fn do_malloc, free_fn do_free) {
  auto mallctl = global_symbol<int (*)(const char*, void*, std::size_t*, void*, std::size_t)>("mallctl");
  if (mallctl == nullptr) return false;
  auto allocated = [&]() -> std::uint64_t {
    std::uint64_t value = 0;
    std::size_t size = sizeof(value);
    return mallctl("thread.allocated", &value, &size, nullptr, 0) == 0 ? value : 0;
  };
  const std::uint64_t before = allocated();
  void* p = do_malloc(1 << 16);
  const std::uint64_t after = allocated();
  do_free(p);
  return p != nullptr && after >= before + (1 << 16);
}

bool tbbmalloc_owns_malloc(malloc_fn do_malloc, free_fn do_free) {
  auto msize = global_symbol<std::size_t (*)(void*)>("scalable_msize");
  if (msize == nullptr) return false;
  void* p = do_malloc(64);
  const bool owned = p != nullptr && msize(p) >= 64;
  do_free(p);
  return owned;
}

}  // namespace

std::string process_allocator_name() {
  auto do_malloc = global_symbol<malloc_fn>("malloc");
  auto do_free = global_symbol<free_fn>("free");
  // When the `malloc` everyone gets is libc's own, nothing replaced it, and the object lookup
  // below (dladdr walks symbol tables) is not needed. (Not `__libc_malloc`: mimalloc and
  // tbbmalloc's proxy replace that name too.)
  if (void* libc = ::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD); libc != nullptr) {
    const bool own =
        do_malloc != nullptr && ::dlsym(libc, "malloc") == reinterpret_cast<void*>(do_malloc);  // NOLINT
    ::dlclose(libc);
    if (own) return "glibc";
  }
  Dl_info info{};
  if (do_malloc == nullptr || do_free == nullptr ||
      ::dladdr(reinterpret_cast<void*>(do_malloc), &info) == 0 || info.dli_fname == nullptr) {  // NOLINT
    return "unknown (malloc not found)";
  }
  const std::string_view object = info.dli_fname;
  const std::string_view base =
      object.substr(object.rfind('/') == std::string_view::npos ? 0 : object.rfind('/') + 1);
  auto unknown = [&] { return "unknown (" + std::string(object) + ")"; };
  auto has = [&](std::string_view part) { return base.find(part) != std::string_view::npos; };
  if (has("mimalloc")) return mimalloc_owns_malloc(do_malloc, do_free) ? "mimalloc" : unknown();
  if (has("jemalloc")) return jemalloc_owns_malloc(do_malloc, do_free) ? "jemalloc" : unknown();
  if (has("tbbmalloc")) return tbbmalloc_owns_malloc(do_malloc, do_free) ? "tbbmalloc" : unknown();
  if (has("libasan")) return "asan";
  if (has("libtsan")) return "tsan";
  if (base.starts_with("libc.so")) return "glibc";
  // A static link (for instance libjemalloc.a) puts malloc in the executable itself.
  if (jemalloc_owns_malloc(do_malloc, do_free)) return "jemalloc";
  if (mimalloc_owns_malloc(do_malloc, do_free)) return "mimalloc";
  return unknown();
}

}  // namespace pyresolve::allocator
