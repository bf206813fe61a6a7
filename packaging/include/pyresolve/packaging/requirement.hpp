#pragma once
/// @file
/// PEP 508 dependency specifications: `name[extra1,extra2] (>=1.0) ; marker` and
/// `name[extra] @ url ; marker`.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/specifier.hpp"

namespace pyresolve::packaging {

/// A parsed requirement. Value type; thread-safe for concurrent reads.
struct requirement {
  std::string name;                 ///< as written
  std::vector<std::string> extras;  ///< as written, in source order, duplicates removed
  specifier_set specifiers;         ///< empty when the requirement has a URL
  std::string url;                  ///< `name @ url`, else empty
  std::optional<packaging::marker> marker;

  /// Parses one PEP 508 requirement. Errors name the text and the column, in the manner of
  /// `packaging.requirements.InvalidRequirement`.
  [[nodiscard]] static result<requirement> parse(std::string_view text,
                                                 std::pmr::memory_resource* memory = allocator::default_resource());

  /// The PEP 503-normalized name.
  [[nodiscard]] std::string normalized_name() const;

  /// As `str(Requirement(text))`: extras sorted, specifiers normalized, `@ url`, `; marker`.
  [[nodiscard]] std::string to_string() const;
};

}  // namespace pyresolve::packaging
