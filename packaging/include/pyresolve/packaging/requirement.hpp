#pragma once
/// @file
/// PEP 508 dependency specifications: `name[extra1,extra2] (>=1.0) ; marker` and
/// `name[extra] @ url ; marker`.

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/marker.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {

/// A parsed requirement. Value type; thread-safe for concurrent reads.
///
/// Its strings, lists and marker live in the resource given to `parse` (or to the cache
/// decoder that rebuilt it): requirements are decoded by the thousand on a resolve's hot path.
/// Members are `std::pmr` types, so a copy takes the default resource and a move keeps the
/// source's. Read them as `std::string_view`s.
struct PYRESOLVE_API requirement {
  std::pmr::string name;                      ///< as written
  std::pmr::vector<std::pmr::string> extras;  ///< as written, in source order, duplicates removed
  specifier_set specifiers;                   ///< empty when the requirement has a URL
  std::pmr::string url;                       ///< `name @ url`, else empty
  std::optional<packaging::marker> marker;

  requirement() = default;
  /// An empty requirement whose members allocate from `memory`.
  explicit requirement(std::pmr::memory_resource* memory)
      : name(memory), extras(memory), specifiers(memory), url(memory) {}

  /// Parses one PEP 508 requirement into `memory`. Errors name the text and the column, in the
  /// manner of `packaging.requirements.InvalidRequirement`.
  [[nodiscard]] static result<requirement> parse(
      std::string_view text, std::pmr::memory_resource* memory = support::default_resource());

  /// The PEP 503-normalized name.
  [[nodiscard]] std::string normalized_name() const;

  /// As `str(Requirement(text))`: extras sorted, specifiers normalized, `@ url`, `; marker`.
  [[nodiscard]] std::string to_string() const;
};

}  // namespace pyresolve::packaging
