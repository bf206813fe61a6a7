#pragma once
// XXH3-64 for the cache (entry checksums, file names), with the widest vector code this CPU runs.
#include <cstddef>
#include <cstdint>

#include "pyresolve/support/export.hpp"

// Exported (PYRESOLVE_API) for tests/cache/checksum_test.cpp, which calls them in a shared
// build too.
namespace pyresolve::cache::detail {

/// XXH3-64 of `size` bytes: the same value whatever code path computes it.
[[nodiscard]] PYRESOLVE_API std::uint64_t checksum(const void* data, std::size_t size) noexcept;

/// The AVX2 build of XXH3-64 (checksum_avx2.cpp, compiled with -mavx2); call only where
/// the CPU has AVX2.
[[nodiscard]] PYRESOLVE_API std::uint64_t checksum_avx2(const void* data, std::size_t size) noexcept;

/// Whether `checksum` uses the AVX2 build here (for tests).
[[nodiscard]] PYRESOLVE_API bool checksum_uses_avx2() noexcept;

}  // namespace pyresolve::cache::detail
