#pragma once
// Version sets read against a package's candidates (sorted by version): the lookups that
// selection, the dependency policy and the report share.

#include <algorithm>
#include <memory_resource>
#include <optional>
#include <span>

#include "pyresolve/resolver/provider.hpp"
#include "term.hpp"

namespace pyresolve::resolver::detail {

using candidate_iterator = std::span<const candidate>::iterator;

// The first candidate not below `v` (candidates are sorted).
inline candidate_iterator first_not_below(std::span<const candidate> cands, const packaging::version& v) {
  return std::lower_bound(cands.begin(), cands.end(), v,
                          [](const candidate& c, const packaging::version& x) { return c.version < x; });
}

// Exactly the candidates lo..hi among those that exist, bounded by the neighbouring candidates:
// it reads as the user would write it ("a>=1.0,<2.0"), and the ranges of neighbouring runs
// touch, so their union is one interval.
inline version_ranges run_range(std::span<const candidate> cands, std::size_t lo, std::size_t hi,
                                std::pmr::memory_resource* memory) {
  std::optional<packaging::version> lower;
  std::optional<packaging::version> upper;
  if (lo != 0) lower = cands[lo].version;
  if (hi + 1 < cands.size()) upper = cands[hi + 1].version;
  return version_ranges::between(std::move(lower), std::move(upper), memory);
}

// v as a set, widened to its neighbouring candidates (run_range): it holds no other version
// of p that exists, and the sets of neighbouring candidates touch, so ruling out a run of
// versions one by one leaves one interval in the accumulated term instead of a hole per
// version (awscli's hundreds of exact botocore pins made terms of ~900 intervals, which every
// assignment intersected). Messages print such a set back as `==v` (the report's range_text).
inline version_ranges candidate_range(std::span<const candidate> cands, const packaging::version& v,
                                      std::pmr::memory_resource* memory) {
  const auto pos = first_not_below(cands, v);
  if (pos == cands.end() || pos->version != v) return version_ranges::singleton(v, memory);
  const auto i = static_cast<std::size_t>(pos - cands.begin());
  return run_range(cands, i, i, memory);
}

}  // namespace pyresolve::resolver::detail
