#pragma once
/// @file
/// Sets of versions as sorted, disjoint unions of intervals: the version sets the PubGrub
/// solver intersects, unions and complements.
///
/// Every interval is half-open, `[lower, upper)`, over the total PEP 440 order extended with
/// the sentinels of `version` (`release_min`, `release_max`, `local_max`), so inclusive and
/// exclusive bounds of the specifiers all become one shape (`<=1.0` is `[-inf, 1.0+max)`).

#include <optional>
#include <string>
#include <vector>

#include "pyresolve/packaging/version.hpp"

namespace pyresolve::packaging {

/// A half-open interval `[lower, upper)`; a missing bound is unbounded.
struct version_interval {
  std::optional<version> lower;  ///< inclusive; nullopt = -infinity
  std::optional<version> upper;  ///< exclusive; nullopt = +infinity
  friend bool operator==(const version_interval&, const version_interval&) = default;
};

/// A set of versions. Value type; thread-safe for concurrent reads.
class version_ranges {
 public:
  /// The empty set.
  version_ranges() = default;

  [[nodiscard]] static version_ranges full();
  [[nodiscard]] static version_ranges empty_set() { return {}; }
  /// `[lower, upper)`; empty if `upper <= lower`.
  [[nodiscard]] static version_ranges between(std::optional<version> lower, std::optional<version> upper);
  /// Exactly `v` and nothing else: `[v, v.just_after())`.
  [[nodiscard]] static version_ranges singleton(const version& v);

  [[nodiscard]] bool is_empty() const noexcept { return m_intervals.empty(); }
  [[nodiscard]] bool is_full() const noexcept;
  [[nodiscard]] bool contains(const version& v) const noexcept;

  [[nodiscard]] version_ranges complement() const;
  [[nodiscard]] version_ranges intersect(const version_ranges& other) const;
  [[nodiscard]] version_ranges unite(const version_ranges& other) const;
  [[nodiscard]] version_ranges subtract(const version_ranges& other) const { return intersect(other.complement()); }
  [[nodiscard]] bool is_subset_of(const version_ranges& other) const { return subtract(other).is_empty(); }
  [[nodiscard]] bool is_disjoint(const version_ranges& other) const { return intersect(other).is_empty(); }

  [[nodiscard]] const std::vector<version_interval>& intervals() const noexcept { return m_intervals; }

  /// Human-readable, merged, in PEP 440 terms where possible (`>=1.0, <2.0`, `==1.5`, `*`).
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const version_ranges&, const version_ranges&) = default;

 private:
  std::vector<version_interval> m_intervals;  // sorted, disjoint, non-adjacent, non-empty
};

}  // namespace pyresolve::packaging
