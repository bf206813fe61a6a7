#pragma once
/// @file
/// Core metadata (the RFC 822-style `METADATA` of a wheel, `PKG-INFO` of an sdist, or a PEP 658
/// `.metadata` file), reduced to the fields resolution needs.

#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/packaging/requirement.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::packaging {

/// The fields of core metadata that resolution uses. Value type; thread-safe for reads.
///
/// Everything it holds lives in the resource given to `parse` (or to the cache decoder): a
/// warm resolve decodes hundreds of these. `std::pmr` members: a copy takes the default
/// resource, a move keeps the source's.
struct PYRESOLVE_API core_metadata {
  std::pmr::string metadata_version;  ///< as written (`2.1`); empty when the field is missing
  std::pmr::string name;              ///< as written (validated as a PEP 508 name)
  packaging::version version;
  std::pmr::vector<requirement> requires_dist;        ///< in file order
  std::optional<specifier_set> requires_python;       ///< nullopt when the field is missing
  std::pmr::vector<std::pmr::string> provides_extra;  ///< as written, in file order
  std::pmr::vector<std::pmr::string> dynamic;         ///< as written (Metadata 2.2+)

  core_metadata() = default;
  /// Empty metadata whose members allocate from `memory`.
  explicit core_metadata(std::pmr::memory_resource* memory)
      : metadata_version(memory),
        name(memory),
        requires_dist(memory),
        provides_extra(memory),
        dynamic(memory) {}

  /// Parses the header block: `Field: value` lines, continuation lines starting with a space
  /// or tab, field names compared case-insensitively, LF or CRLF line ends, an optional UTF-8
  /// BOM. Parsing stops at the first blank line (the body is the description). For a field that
  /// may appear once, the first occurrence counts, as `email.message.Message.get` does; fields
  /// that resolution does not use are ignored.
  ///
  /// `Name` and `Version` are required. Errors carry `source` and the line of the field, and
  /// read `METADATA:12: invalid Requires-Dist 'foo >=': <reason>` through `error::to_string()`.
  /// Everything parsed is allocated from `memory`.
  [[nodiscard]] static result<core_metadata> parse(
      std::string_view text, std::string_view source = "METADATA",
      std::pmr::memory_resource* memory = support::default_resource());

  /// The PEP 503-normalized name.
  [[nodiscard]] std::string normalized_name() const;

  /// Whether `requires_dist` cannot be trusted as the final dependencies, which matters for an
  /// sdist's `PKG-INFO`: true unless Metadata-Version is 2.2 or newer and `Requires-Dist` is
  /// not listed in `Dynamic` (PEP 643). A wheel's `METADATA` is always final, whatever this says.
  [[nodiscard]] bool requires_dist_is_dynamic() const;
};

}  // namespace pyresolve::packaging
