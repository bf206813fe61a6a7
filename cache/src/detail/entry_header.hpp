#pragma once
// The entry header's fixed fields, for the reader that checks a file's size against them
// before reading past its first bytes.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace pyresolve::cache::detail {

/// {magic, u32 format, u32 kind, u64 payload length, u64 checksum}: see format.cpp.
inline constexpr std::size_t header_size = 32;

/// Whether `head` (an entry's first bytes) starts with a header whose payload length makes the
/// entry exactly `file_size` bytes.
[[nodiscard]] inline bool declares_size(std::string_view head, std::uint64_t file_size) noexcept {
  if (head.size() < header_size || std::memcmp(head.data(), "PYRSLVC", 8) != 0) return false;
  std::uint64_t length = 0;
  std::memcpy(&length, head.data() + 16, 8);
  return length <= file_size && file_size - length == header_size;
}

}  // namespace pyresolve::cache::detail
