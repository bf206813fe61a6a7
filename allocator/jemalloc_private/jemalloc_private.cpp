// libpyresolve_jemalloc.so: a private copy of jemalloc for the `jemalloc` strategy.
//
// Debian's libjemalloc is unprefixed: linking it replaces `malloc` for the whole process,
// and dlopen()ing it fails ("cannot allocate memory in static TLS block") because it uses
// initial-exec TLS. So this shared object links the PIC archive (libjemalloc_pic.a) with
// --exclude-libs,ALL: jemalloc's malloc/free stay hidden inside it, and only the three
// functions below are exported. Being a normal link-time dependency, it is loaded at start-up,
// where its static TLS is reserved.

#include <cstddef>

extern "C" {
void* mallocx(std::size_t size, int flags);
void sdallocx(void* ptr, std::size_t size, int flags);
int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp, std::size_t newlen);

#define PYRESOLVE_EXPORT __attribute__((visibility("default")))

PYRESOLVE_EXPORT void* pyresolve_je_mallocx(std::size_t size, int flags) { return mallocx(size, flags); }
PYRESOLVE_EXPORT void pyresolve_je_sdallocx(void* ptr, std::size_t size, int flags) {
  sdallocx(ptr, size, flags);
}
PYRESOLVE_EXPORT int pyresolve_je_mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                                          std::size_t newlen) {
  return mallctl(name, oldp, oldlenp, newp, newlen);
}
}
