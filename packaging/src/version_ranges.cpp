#include "pyresolve/packaging/version_ranges.hpp"

#include "pyresolve/packaging/specifier.hpp"

namespace pyresolve::packaging {

version_ranges version_ranges::full() {
  version_ranges r;
  r.m_intervals.push_back(version_interval{std::nullopt, std::nullopt});
  return r;
}

bool version_ranges::contains(const version& v) const noexcept {
  for (const version_interval& i : m_intervals) {
    if ((!i.lower || *i.lower <= v) && (!i.upper || v < *i.upper)) return true;
  }
  return false;
}

// Placeholder until the exact conversion lands: every specifier admits everything.
version_ranges specifier::to_ranges() const { return version_ranges::full(); }
version_ranges specifier_set::to_ranges() const { return version_ranges::full(); }

}  // namespace pyresolve::packaging
