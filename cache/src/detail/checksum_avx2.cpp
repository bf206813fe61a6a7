// Compiled with -mavx2 (cache/CMakeLists.txt): only checksum() calls this, after checking the
// CPU. Nothing else may live in this file, since all of it may use AVX2 instructions.
#include "detail/checksum.hpp"

#define XXH_INLINE_ALL
#if defined(__AVX2__)
#define XXH_VECTOR XXH_AVX2
#endif
#include <xxhash.h>

namespace pyresolve::cache::detail {

std::uint64_t checksum_avx2(const void* data, std::size_t size) noexcept { return XXH3_64bits(data, size); }

}  // namespace pyresolve::cache::detail
