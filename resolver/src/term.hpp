#pragma once
// PubGrub terms: a positive term `p in S` or a negative term `p not in S`, over version_ranges.
// A negative term also holds when p is not selected at all, so `not in *` is no contradiction
// and `in *` is not "any": only `not in {}` is the term every partial solution satisfies.

#include "pyresolve/packaging/version_ranges.hpp"

namespace pyresolve::resolver::detail {

using packaging::version_ranges;

struct term {
  bool positive = false;
  version_ranges set;  // empty negative set: the term every assignment satisfies
};

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
  if (a.positive && b.positive) return a.set.is_subset_of(b.set);
  if (a.positive) return a.set.is_disjoint(b.set);
  if (b.positive) return false;  // a admits absence, b does not
  return b.set.is_subset_of(a.set);
}

inline bool is_disjoint(const term& a, const term& b) {
  if (a.positive && b.positive) return a.set.is_disjoint(b.set);
  if (a.positive) return a.set.is_subset_of(b.set);
  if (b.positive) return b.set.is_subset_of(a.set);
  return false;  // both admit absence
}

}  // namespace pyresolve::resolver::detail
