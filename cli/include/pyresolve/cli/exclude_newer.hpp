#pragma once
/// @file
/// `--exclude-newer` values, read as `uv pip compile` reads them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace pyresolve::cli {

/// An RFC 3339 timestamp (`2006-12-02T02:07:43Z`, an offset, a fraction: `index::parse_rfc3339`),
/// or a local date `yyyy-mm-dd`, which uv reads as the first moment of the next day in the
/// system's time zone (`TZ`, else `/etc/localtime`), so that files of the whole day count.
/// Microseconds since the Unix epoch; nullopt when the text is neither.
[[nodiscard]] std::optional<std::int64_t> parse_exclude_newer(std::string_view text);

}  // namespace pyresolve::cli
