#pragma once
/// @file
/// Sets of versions as sorted, disjoint unions of intervals: the version sets the PubGrub
/// solver intersects, unions and complements.
///
/// Every interval is half-open, `[lower, upper)`, over the total PEP 440 order extended with
/// the sentinels of `version` (`release_min`, `release_max`, `local_max`), so inclusive and
/// exclusive bounds of the specifiers all become one shape (`<=1.0` is `[-inf, 1.0+max)`).
///
/// `specifier::to_ranges()` agrees with `specifier::contains(v, /*prereleases=*/true)` for
/// every version `v` without a local label, including packaging 23.0's string-based quirks of
/// `==X.*`/`~=` (`==1!1.*` rejects `1!1.0a1`, `==0.*` admits every version with an epoch,
/// `==1!1.0.*` rejects `1!1.0`), with these exceptions, which finitely many intervals cannot
/// express:
/// - `>V` with V a pre- or dev-release (not a post-release): packaging rejects post-releases
///   of later pre-releases of V's release (`>1.0a1` rejects `1.0a2.post1` but admits `1.0a2`
///   and `1.0a3`); the ranges admit them. Post-releases of the final release are excluded.
/// - `<V.postN` with N > 256: packaging admits the final release and `.postM` (M < N) but not
///   their `.devK`; up to N = 256 this is one interval per post-release, beyond it the ranges
///   admit all of `[V's release, V.postN)`.
/// - `===text`: the ranges hold the version `text` parses to when `text` is in normal form
///   (so `===1.0` also admits `1.0.0`, which prints differently), and nothing otherwise.
///
/// Local versions (like uv, approximated): `<=`, `>=`, `<`, `==V` and `!=V` are exact; `>V`
/// admits local versions of V's release above V (packaging rejects any local version whose
/// release equals V's) except those of V itself; `==X.*`/`~=` follow the public version.
///
/// `to_string()` is for messages: `<X` for an upper bound `X.release_min` and `>X` for a
/// lower bound `X.release_max` read as in PEP 440 (pre- resp. post-releases of X excluded);
/// other bounds read in plain version order.

#include <boost/container/small_vector.hpp>
#include <memory_resource>
#include <optional>
#include <string>

#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {

/// A half-open interval `[lower, upper)`; a missing bound is unbounded.
struct PYRESOLVE_API version_interval {
  std::optional<version> lower;  ///< inclusive; nullopt = -infinity
  std::optional<version> upper;  ///< exclusive; nullopt = +infinity
  friend bool operator==(const version_interval&, const version_interval&) = default;
};

/// The intervals of a set. Two inline slots: almost every set the solver builds is one or two
/// intervals (`>=1,<2`, or everything but one version), so a set copy allocates nothing.
/// Longer sets go to a `std::pmr` resource: the solver's own, or
/// `support::default_resource()`.
using interval_list =
    boost::container::small_vector<version_interval, 2, std::pmr::polymorphic_allocator<version_interval>>;

/// A set of versions. Value type; thread-safe for concurrent reads.
///
/// Memory: intervals beyond the two inline ones live in the set's resource. Unlike `std::pmr`
/// containers, a copy keeps the source's resource, so that the solver's sets stay in its
/// resource however often terms are copied. A set built by an operation lives in its left
/// operand's resource, or the right one's when the left has the default (an empty set nobody
/// gave a resource).
class PYRESOLVE_API version_ranges {
 public:
  /// The empty set, in the default resource (`support::default_resource()`).
  version_ranges() : version_ranges(support::default_resource()) {}
  /// The empty set, in `memory`.
  explicit version_ranges(std::pmr::memory_resource* memory)
      : m_intervals(
            interval_list::allocator_type(std::pmr::polymorphic_allocator<version_interval>(memory))) {}
  /// A copy of `other` in `memory`.
  version_ranges(const version_ranges& other, std::pmr::memory_resource* memory)
      : m_intervals(other.m_intervals, interval_list::allocator_type(
                                           std::pmr::polymorphic_allocator<version_interval>(memory))) {}
  /// A copy in `other`'s resource.
  version_ranges(const version_ranges& other)
      : m_intervals(other.m_intervals, other.m_intervals.get_allocator()) {}
  version_ranges(version_ranges&&) = default;
  version_ranges& operator=(const version_ranges&) = default;
  version_ranges& operator=(version_ranges&&) = default;
  ~version_ranges() = default;

  /// Where intervals beyond the inline two go.
  [[nodiscard]] std::pmr::memory_resource* resource() const noexcept {
    return m_intervals.get_allocator().resource();
  }

  [[nodiscard]] static version_ranges full(std::pmr::memory_resource* memory = support::default_resource());
  [[nodiscard]] static version_ranges empty_set() { return {}; }
  /// `[lower, upper)`; empty if `upper <= lower`.
  [[nodiscard]] static version_ranges between(
      std::optional<version> lower, std::optional<version> upper,
      std::pmr::memory_resource* memory = support::default_resource());
  /// Exactly `v` and nothing else: `[v, v.just_after())`.
  [[nodiscard]] static version_ranges singleton(
      const version& v, std::pmr::memory_resource* memory = support::default_resource());

  [[nodiscard]] bool is_empty() const noexcept { return m_intervals.empty(); }
  [[nodiscard]] bool is_full() const noexcept;
  [[nodiscard]] bool contains(const version& v) const noexcept;

  [[nodiscard]] version_ranges complement() const;
  [[nodiscard]] version_ranges intersect(const version_ranges& other) const;
  [[nodiscard]] version_ranges unite(const version_ranges& other) const;
  [[nodiscard]] version_ranges subtract(const version_ranges& other) const {
    return intersect(other.complement());
  }
  [[nodiscard]] bool is_subset_of(const version_ranges& other) const { return subtract(other).is_empty(); }
  [[nodiscard]] bool is_disjoint(const version_ranges& other) const { return intersect(other).is_empty(); }

  [[nodiscard]] const interval_list& intervals() const noexcept { return m_intervals; }

  /// Human-readable, merged, in PEP 440 terms where possible (`>=1.0, <2.0`, `==1.5`, `*`).
  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const version_ranges&, const version_ranges&) = default;

 private:
  interval_list m_intervals;  // sorted, disjoint, non-adjacent, non-empty
};

}  // namespace pyresolve::packaging
