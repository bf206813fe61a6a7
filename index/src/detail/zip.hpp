#pragma once
// `*.dist-info/METADATA` out of a wheel (a zip), from its tail and byte ranges: the end of
// central directory record (ZIP64 too), the central directory, one local header, one member.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "pyresolve/support/result.hpp"

namespace pyresolve::index::detail {

/// Reads `length` bytes at `offset` of the archive (a range request); an error when it cannot.
using range_reader = std::function<result<std::string>(std::uint64_t offset, std::uint64_t length)>;

/// The METADATA of the wheel of `total` bytes whose last bytes are `tail` (all of it when the
/// whole archive is in memory); bytes outside the tail are asked from `read`. Classic and ZIP64
/// end records and ZIP64 extra fields are understood; stored and deflated members. A truncated
/// or inconsistent archive is an error naming `url` (redacted) and what is wrong.
[[nodiscard]] result<std::string> wheel_metadata(std::string_view tail, std::uint64_t total,
                                                 const range_reader& read, std::string_view url);

}  // namespace pyresolve::index::detail
