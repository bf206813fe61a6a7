#pragma once
/// @file
/// PEP 503 / PEP 508 project names and extras.

#include <string>
#include <string_view>

#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// Whether `name` is a valid PEP 508 name: ASCII letters and digits, with `.`, `_`, `-` only
/// between them (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
[[nodiscard]] bool is_valid_name(std::string_view name) noexcept;

/// PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`. Does not validate.
[[nodiscard]] std::string normalize_name(std::string_view name);

/// Validates, then normalizes; the error names the text and the first bad column.
[[nodiscard]] result<std::string> parse_name(std::string_view name);

/// Whether `name` is already in normalized form (cheap check before allocating).
[[nodiscard]] bool is_normalized_name(std::string_view name) noexcept;

}  // namespace pyresolve::packaging
