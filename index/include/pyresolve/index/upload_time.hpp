#pragma once
/// @file
/// Upload times of distribution files (PEP 700 `upload-time`), as microseconds since the Unix
/// epoch, UTC.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "pyresolve/support/export.hpp"

namespace pyresolve::index {

/// A file's upload time when the index gives none (HTML pages never do).
inline constexpr std::int64_t no_upload_time = std::numeric_limits<std::int64_t>::min();
/// 9999-12-31T23:59:59.999999Z, the latest time `parse_upload_time` gives.
inline constexpr std::int64_t max_upload_time = 253'402'300'799'999'999;

/// Parses a PEP 700 `upload-time`: `yyyy-mm-ddThh:mm:ss[.f{1,6}]Z`, UTC, as PyPI writes it
/// (`2023-09-07T21:12:01.123456Z`). The PEP requires the `Z`, so no other offset is accepted;
/// the year must be 1970..9999 and every field in range (no leap second). Nullopt when the
/// text is anything else; never reads past `text`.
[[nodiscard]] PYRESOLVE_API std::optional<std::int64_t> parse_upload_time(std::string_view text) noexcept;

/// Parses an RFC 3339 timestamp as `uv --exclude-newer` takes it: `yyyy-mm-dd`, `T` (or `t`,
/// or a space), `hh:mm:ss`, an optional fraction (up to 9 digits, kept to the microsecond),
/// then `Z`/`z` or an offset `+hh:mm`/`-hh:mm`. Years 1970..9999. Nullopt otherwise.
[[nodiscard]] PYRESOLVE_API std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept;

/// Days since 1970-01-01 of a proleptic Gregorian date (no range check; `month` 1..12).
[[nodiscard]] PYRESOLVE_API std::int64_t days_from_civil(std::int64_t year, unsigned month,
                                                         unsigned day) noexcept;

/// The calendar fields of a time in microseconds since the epoch (UTC).
struct utc_fields {
  std::int64_t year = 1970;
  unsigned month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
};
/// `micros` (>= 0) as calendar fields.
[[nodiscard]] PYRESOLVE_API utc_fields utc_fields_of(std::int64_t micros) noexcept;

/// `yyyy-mm-ddThh:mm:ss[.ffffff]Z` (the fraction only when not zero); what `parse_upload_time`
/// reads back. `micros` must not be `no_upload_time`.
[[nodiscard]] PYRESOLVE_API std::string format_upload_time(std::int64_t micros);

}  // namespace pyresolve::index
