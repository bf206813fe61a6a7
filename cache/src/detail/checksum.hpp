#pragma once
// XXH3-64 for the cache (entry checksums, file names), with the widest vector code this CPU runs.
#include <cstddef>
#include <cstdint>

namespace pyresolve::cache::detail {

/// XXH3-64 of `size` bytes: the same value whatever code path computes it.
[[nodiscard]] std::uint64_t checksum(const void* data, std::size_t size) noexcept;

/// The AVX2 build of XXH3-64 (checksum_avx2.cpp, compiled with -mavx2); call only where
/// the CPU has AVX2.
[[nodiscard]] std::uint64_t checksum_avx2(const void* data, std::size_t size) noexcept;

/// Whether `checksum` uses the AVX2 build here (for tests).
[[nodiscard]] bool checksum_uses_avx2() noexcept;

}  // namespace pyresolve::cache::detail
