#pragma once
// PubGrub terms: a positive term `p in S` or a negative term `p not in S`, over version_ranges.
// A negative term also holds when p is not selected at all, so `not in *` is no contradiction
// and `in *` is not "any": only `not in {}` is the term every partial solution satisfies.

#include <optional>
#include <vector>

#include "pyresolve/packaging/version_ranges.hpp"

namespace pyresolve::resolver::detail {

using packaging::version_ranges;

struct term {
  bool positive = false;
  version_ranges set;  // empty negative set: the term every assignment satisfies
};

// Allocation-free subset and disjointness tests on the sorted, disjoint interval lists: unit
// propagation asks these for every term it inspects, and building the intersection or
// complement just to test it for emptiness dominated the solve.
namespace intervals {
using list = packaging::interval_list;
// b.lower <= a.lower (missing lower bound = -infinity)
inline bool lower_le(const std::optional<packaging::version>& b, const std::optional<packaging::version>& a) {
  if (!b) return true;
  if (!a) return false;
  return *b <= *a;
}
// a.upper <= b.upper (missing upper bound = +infinity)
inline bool upper_le(const std::optional<packaging::version>& a, const std::optional<packaging::version>& b) {
  if (!b) return true;
  if (!a) return false;
  return *a <= *b;
}
// upper <= lower: an interval ending at `upper` lies wholly below one starting at `lower`.
inline bool ends_before(const std::optional<packaging::version>& upper,
                        const std::optional<packaging::version>& lower) {
  if (!upper || !lower) return false;
  return *upper <= *lower;
}
inline bool subset(const list& a, const list& b) {
  std::size_t j = 0;
  for (const auto& ia : a) {
    while (j < b.size() && ends_before(b[j].upper, ia.lower)) ++j;
    if (j == b.size()) return false;
    if (!lower_le(b[j].lower, ia.lower) || !upper_le(ia.upper, b[j].upper)) return false;
  }
  return true;
}
inline bool disjoint(const list& a, const list& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (ends_before(a[i].upper, b[j].lower)) {
      ++i;
    } else if (ends_before(b[j].upper, a[i].lower)) {
      ++j;
    } else {
      return false;
    }
  }
  return true;
}
}  // namespace intervals

inline term any_term() { return term{false, {}}; }
inline bool is_any(const term& t) { return !t.positive && t.set.is_empty(); }
inline bool is_none(const term& t) { return t.positive && t.set.is_empty(); }
inline term negate(const term& t) { return term{!t.positive, t.set}; }

inline term intersect(const term& a, const term& b) {
  if (a.positive && b.positive) return term{true, a.set.intersect(b.set)};
  if (a.positive) return term{true, a.set.subtract(b.set)};
  if (b.positive) return term{true, b.set.subtract(a.set)};
  return term{false, a.set.unite(b.set)};
}

inline term unite(const term& a, const term& b) { return negate(intersect(negate(a), negate(b))); }

// a ⊆ b
inline bool is_subset(const term& a, const term& b) {
  const auto& x = a.set.intervals();
  const auto& y = b.set.intervals();
  if (a.positive && b.positive) return intervals::subset(x, y);
  if (a.positive) return intervals::disjoint(x, y);
  if (b.positive) return false;  // a admits absence, b does not
  return intervals::subset(y, x);
}

inline bool is_disjoint(const term& a, const term& b) {
  const auto& x = a.set.intervals();
  const auto& y = b.set.intervals();
  if (a.positive && b.positive) return intervals::disjoint(x, y);
  if (a.positive) return intervals::subset(x, y);
  if (b.positive) return intervals::subset(y, x);
  return false;  // both admit absence
}

}  // namespace pyresolve::resolver::detail
