// Which version of a package to try (see detail/version_selector.hpp).

#include "detail/version_selector.hpp"

#include <algorithm>

#include "detail/candidates.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::resolver::detail {

using packaging::version;

version_selector::version_selector(package_table& packages, const resolve_options& options, provider& source,
                                   const version& root_version, std::optional<std::string>& unreadable)
    : m_packages(packages),
      m_options(options),
      m_provider(source),
      m_root_version(root_version),
      m_unreadable(unreadable),
      m_preferences(options.memory) {
  if (options.upgrade) return;
  std::string storage;
  for (const auto& pref : options.preferences) {
    m_preferences.emplace(std::pmr::string(packaging::normalized_name(pref.name, storage), options.memory),
                          pref.version);
  }
  for (const auto& name : options.upgrade_packages) {
    const auto it = m_preferences.find(packaging::normalized_name(name, storage));
    if (it != m_preferences.end()) m_preferences.erase(it);
  }
}

void version_selector::load_versions(pkg_id p) {
  package_state& s = m_packages[p];
  if (s.versions_loaded) return;
  s.versions_loaded = true;
  if (s.base != p) {
    load_versions(s.base);
    const package_state& b = m_packages[s.base];
    m_packages[p].candidates = b.candidates;
    m_packages[p].last_index_rank = b.last_index_rank;
    m_packages[p].not_found = b.not_found;
    m_packages[p].versions_error = b.versions_error;
    return;
  }
  auto got = m_provider.versions(s.name);
  if (!got) {
    s.not_found = got.error().code == errc::not_found;
    s.versions_error = got.error().message;
    if (got.error().code == errc::io_error && !m_unreadable) m_unreadable = got.error().message;
    return;
  }
  s.candidates = *got;
  for (const candidate& c : s.candidates) s.last_index_rank = std::max(s.last_index_rank, c.index_rank);
}

std::optional<version> version_selector::choose(pkg_id p, bool any_python) {
  const package_state& s0 = m_packages[p];
  if (p == root_id) {
    if (s0.accum.set.contains(m_root_version)) return m_root_version;
    return std::nullopt;
  }
  load_versions(p);
  const package_state& s = m_packages[p];
  const package_state& base = m_packages[s.base];
  const auto strategy = m_options.strategy;
  const bool highest = strategy == resolution_strategy::highest ||
                       (strategy == resolution_strategy::lowest_direct && !base.direct && !s.direct);
  const auto mode = m_options.prerelease;
  const bool explicit_pre = base.explicit_pre || s.explicit_pre;
  // Only `allow` ranks pre-releases with final releases. A requirement that names a
  // pre-release makes pre-releases of that package eligible, but a final release in range is
  // still preferred (uv's current rule: `a>=0.1.0a1` over 0.3.0 and 1.0.0a1 picks 0.3.0).
  const bool pre_as_final = mode == prerelease_mode::allow;
  const bool pre_fallback = mode == prerelease_mode::if_necessary ||
                            mode == prerelease_mode::if_necessary_or_explicit ||
                            (explicit_pre && mode == prerelease_mode::explicit_only);
  // `usable` does not test set membership: the scan below visits only candidates inside the
  // intervals of the set (a binary search per interval instead of `contains` per candidate).
  auto usable = [&](const candidate& c) {
    // PEP 592 as uv reads it: a yanked version only for the user's own `==` pin, never for a
    // pin some dependency carries (uv's `transitive_yanked_and_unyanked_dependency`).
    if (c.yanked && !(s.user_pinned || base.user_pinned)) return false;
    return c.has_compatible_dist && (c.requires_python_ok || any_python);
  };
  // A preferred version (an existing pin) wins while it stays acceptable.
  if (auto pref =
          m_preferences.empty() ? m_preferences.end() : m_preferences.find(std::string_view(base.name));
      pref != m_preferences.end()) {
    const auto pos = first_not_below(s.candidates, pref->second);
    if (pos != s.candidates.end() && pos->version == pref->second && s.accum.set.contains(pos->version) &&
        usable(*pos) && (!pos->version.is_prerelease() || mode != prerelease_mode::disallow)) {
      return pos->version;
    }
  }
  std::optional<version> fallback_pre;
  const auto& intervals = s.accum.set.intervals();
  const auto first = s.candidates.begin();
  const auto last = s.candidates.end();
  const std::size_t count = intervals.size();
  // Under `unsafe-first-match` the versions of each index are exhausted before the next
  // index's are tried: one pass per index rank (one pass in all otherwise).
  for (std::uint8_t rank = 0; rank <= s.last_index_rank; ++rank) {
    for (std::size_t k = 0; k < count; ++k) {
      const auto& range = intervals[highest ? count - 1 - k : k];
      const auto lo = range.lower ? first_not_below(s.candidates, *range.lower) : first;
      const auto hi = range.upper ? first_not_below({lo, last}, *range.upper) : last;
      const auto n = static_cast<std::size_t>(hi - lo);
      for (std::size_t j = 0; j < n; ++j) {
        const candidate& c = lo[static_cast<std::ptrdiff_t>(highest ? n - 1 - j : j)];
        if (c.index_rank != rank || !usable(c)) continue;
        if (c.version.is_prerelease() && !pre_as_final) {
          if (pre_fallback && !fallback_pre) fallback_pre = c.version;
          continue;
        }
        return c.version;
      }
    }
    if (rank == 255) break;
  }
  return fallback_pre;
}

}  // namespace pyresolve::resolver::detail
