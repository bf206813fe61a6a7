// The entries' checksum: the AVX2 build and the baseline build must give the same XXH3-64,
// or every cache written on one kind of CPU reads as corrupt on the other.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "detail/checksum.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace pd = pyresolve::cache::detail;

TEST_CASE("checksum: XXH3-64 at every length, whichever build the CPU runs") {
  std::string data(70'000, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (char& c : data) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  CHECK(pd::checksum("", 0) == 0x2D06800538D394C2ULL);  // XXH3-64 of nothing, as published
  for (const std::size_t n :
       {1UL, 16UL, 17UL, 128UL, 129UL, 240UL, 241UL, 1023UL, 1024UL, 1025UL, 4096UL, 65'543UL, 70'000UL}) {
    CAPTURE(n);
    const auto expected = XXH3_64bits(data.data(), n);  // this file's build: the baseline
    CHECK(pd::checksum(data.data(), n) == expected);
    if (pd::checksum_uses_avx2())
      CHECK(pd::checksum_avx2(data.data() + 1, n - 1) == XXH3_64bits(data.data() + 1, n - 1));
  }
#if defined(__x86_64__)
  // The cache asks glibc's record of the CPU; libgcc's own detection must agree with it.
  __builtin_cpu_init();
  CHECK(pd::checksum_uses_avx2() == (__builtin_cpu_supports("avx2") != 0));
#endif
  const std::string used = pd::checksum_uses_avx2() ? "the AVX2 build" : "the baseline build";
  MESSAGE("checksum runs " << used);
}
