#include "detail/checksum.hpp"

// Inlined (xxhash.h's header-only mode): one shared object fewer to map at every start. Built
// for the baseline x86-64 this file gets SSE2 code; checksum_avx2.cpp is the same function
// built for AVX2, which reads 32 bytes a step instead of 16 (2.2x the throughput on this VM's
// CPU for a 24 KB entry). Debian's libxxhash has such a dispatcher too, at the cost of a
// library to load in every run.
#define XXH_INLINE_ALL
#include <xxhash.h>

// glibc's header is C (`_Bool`), which clang's C++ rejects: clang builds (the fuzz preset)
// take libgcc's detection below.
#if defined(__x86_64__) && !defined(__clang__) && __has_include(<sys/platform/x86.h>)
#define PYRESOLVE_GLIBC_CPU_FEATURES 1
#include <sys/platform/x86.h>
#endif

namespace pyresolve::cache::detail {
namespace {

// Below XXH3's long-input threshold every vector build runs the same scalar code.
constexpr std::size_t vector_threshold = 240;

// glibc (2.33 and later) answers from the CPU features its loader recorded at start-up.
// __builtin_cpu_supports would link libgcc's own detection, a constructor that runs a dozen
// `cpuid`s at every start (each a trap to the hypervisor on a VM, ~8 µs here), before `main`
// and whether or not a checksum is ever taken.
bool cpu_has_avx2() noexcept {
#if defined(PYRESOLVE_GLIBC_CPU_FEATURES)
  return CPU_FEATURE_ACTIVE(AVX2);
#elif defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
#else
  return false;
#endif
}

}  // namespace

bool checksum_uses_avx2() noexcept {
  static const bool avx2 = cpu_has_avx2();
  return avx2;
}

std::uint64_t checksum(const void* data, std::size_t size) noexcept {
  if (size > vector_threshold && checksum_uses_avx2()) return checksum_avx2(data, size);
  return XXH3_64bits(data, size);
}

}  // namespace pyresolve::cache::detail
