#pragma once
/// @file
/// PEP 503 / PEP 508 project names and extras.

#include <string>
#include <string_view>

#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// Whether `name` is a valid PEP 508 name: ASCII letters and digits, with `.`, `_`, `-` only
/// between them (`^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive).
[[nodiscard]] PYRESOLVE_API bool is_valid_name(std::string_view name) noexcept;

/// PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`. Does not validate.
[[nodiscard]] PYRESOLVE_API std::string normalize_name(std::string_view name);

/// Validates, then normalizes; the error names the text and the first bad column.
[[nodiscard]] PYRESOLVE_API result<std::string> parse_name(std::string_view name);

/// Whether `name` is already in normalized form (cheap check before allocating).
[[nodiscard]] PYRESOLVE_API bool is_normalized_name(std::string_view name) noexcept;

/// `name` normalized without allocating when it already is: a view of `name` itself, else of
/// `normalize_name(name)` kept in `storage`. Valid while both are. For hot paths that mostly
/// see normalized names (what the resolver passes around, most `Requires-Dist` names).
[[nodiscard]] PYRESOLVE_API std::string_view normalized_name(std::string_view name, std::string& storage);

}  // namespace pyresolve::packaging
