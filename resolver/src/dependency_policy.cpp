// Python's dependency policy: a version's requirements as incompatibilities (see
// detail/dependency_policy.hpp).

#include "detail/dependency_policy.hpp"

#include <algorithm>

#include "detail/candidates.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::resolver::detail {

using packaging::version;

namespace {

/// The requirement names one version: a URL, `===`, or `==` without a wildcard.
bool pins(const packaging::requirement& req) {
  if (!req.url.empty()) return true;
  return std::any_of(req.specifiers.specifiers().begin(), req.specifiers.specifiers().end(),
                     [](const auto& spec) {
                       return spec.op() == packaging::spec_op::arbitrary_equal ||
                              (spec.op() == packaging::spec_op::equal && !spec.has_wildcard());
                     });
}

}  // namespace

dependency_policy::dependency_policy(std::span<const packaging::requirement> requirements,
                                     const resolve_options& options, provider& source,
                                     package_table& packages, pubgrub_core& core, decision_queue& queue,
                                     std::optional<std::string>& unreadable, fork_context* fork)
    : m_requirements(requirements),
      m_environment(options.environment.or_default()),
      m_provider(source),
      m_packages(packages),
      m_core(core),
      m_queue(queue),
      m_unreadable(unreadable),
      m_fork(fork),
      m_memory(options.memory) {
  std::string storage;
  const auto key = [&](std::string_view name) {
    return std::pmr::string(packaging::normalized_name(name, storage), m_memory);
  };
  for (const auto& c : options.constraints)
    m_constraints.try_emplace(key(c.name)).first->second.push_back(&c);
  for (const auto& o : options.overrides) m_overrides.try_emplace(key(o.name)).first->second.push_back(&o);
  for (const auto& name : options.excludes) m_excluded.push_back(key(name));
  std::sort(m_excluded.begin(), m_excluded.end());
}

version_ranges dependency_policy::ranges_of(const packaging::specifier_set& set) {
  std::string& key = m_ranges_key;
  key.clear();
  for (const auto& spec : set.specifiers()) {
    const auto bits = spec.operand().packed_bits();
    // `===` compares text, and a version outside the packed form has no bits to key on.
    if (!bits || spec.op() == packaging::spec_op::arbitrary_equal)
      return version_ranges(set.to_ranges(), m_memory);
    const char head[2] = {static_cast<char>(spec.op()), static_cast<char>(spec.has_wildcard())};
    key.append(head, 2);
    key.append(reinterpret_cast<const char*>(&bits->key), sizeof bits->key);
    key.append(reinterpret_cast<const char*>(&bits->release_size), sizeof bits->release_size);
  }
  if (auto it = m_ranges.find(std::string_view(key)); it != m_ranges.end()) return it->second;
  // In the solver's resource: every term made from it stays there (copies keep the resource).
  version_ranges ranges(set.to_ranges(), m_memory);
  m_ranges.emplace(std::pmr::string(key, m_memory), ranges);
  return ranges;
}

void dependency_policy::add_dependency(pkg_id p, const version& v, pkg_id q, const version_ranges& range,
                                       dep_record& rec, const packaging::requirement* written) {
  rec.children.push_back(q);
  rec.conditions.push_back(written != nullptr && written->marker ? &*written->marker : nullptr);
  if (q == p) {
    if (range.contains(v)) return;
    incompat inc(m_memory);
    inc.terms.emplace_back(p, term{true, candidate_range(m_packages[p].candidates, v, m_memory)});
    inc.kind = cause_kind::unavailable;
    inc.reason = std::pmr::string("depends on itself with an incompatible version", m_memory);
    m_core.add_incompat(std::move(inc), true);
    return;
  }
  if (range.is_empty()) {
    // "q not in {}" holds always, so the usual incompatibility would leave q's term without a
    // satisfier; the version itself is what cannot be used.
    incompat inc(m_memory);
    inc.terms.emplace_back(p, term{true, candidate_range(m_packages[p].candidates, v, m_memory)});
    inc.kind = cause_kind::unavailable;
    // The root has no version to name: the requirement as written says what allows nothing
    // (`six===abc`: no version is spelled `abc`).
    inc.reason =
        std::pmr::string(p == root_id && written != nullptr
                             ? "you require " + written->to_string() +
                                   ", and no version is allowed (contradictory specifiers or constraints)"
                             : "depends on " + m_packages.display(q) +
                                   " with no version allowed (contradictory specifiers or constraints)",
                         m_memory);
    m_core.add_incompat(std::move(inc), true);
    return;
  }
  m_packages.touch(q);
  // v's index among p's candidates (absent for the root).
  const auto& cands = m_packages[p].candidates;
  const auto pos = first_not_below(cands, v);
  if (pos != cands.end() && pos->version == v) {
    const auto idx = static_cast<std::uint32_t>(pos - cands.begin());
    auto& groups = m_packages[p].groups[q];
    // Newest first: the solver tries versions in order, so the group to grow is a recent one.
    for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
      auto& g = *it;
      if (!(idx + 1 == g.lo || idx == g.hi + 1)) continue;
      if (m_core.incompat_at(g.id).terms[1].second.set != range) continue;
      const std::uint32_t lo = std::min(idx, g.lo);
      const std::uint32_t hi = std::max(idx, g.hi);
      incompat inc(m_memory);
      inc.terms.reserve(2);
      inc.terms.emplace_back(p, term{true, run_range(cands, lo, hi, m_memory)});
      inc.terms.emplace_back(q, term{false, range});
      inc.kind = cause_kind::dependency;
      const incompat_id id = m_core.add_incompat(std::move(inc), false);
      // The merged incompatibility takes the old one's place in both watch lists.
      m_core.incompat_at(id).indexed = true;
      m_packages[p].incompats[g.at_p] = id;
      m_packages[q].incompats[g.at_q] = id;
      g.id = id;
      g.lo = lo;
      g.hi = hi;
      return;
    }
    incompat inc(m_memory);
    inc.terms.reserve(2);
    inc.terms.emplace_back(p, term{true, run_range(cands, idx, idx, m_memory)});
    inc.terms.emplace_back(q, term{false, range});
    inc.kind = cause_kind::dependency;
    const auto at_p = static_cast<std::uint32_t>(m_packages[p].incompats.size());
    const auto at_q = static_cast<std::uint32_t>(m_packages[q].incompats.size());
    groups.push_back(
        package_state::dep_group{m_core.add_incompat(std::move(inc), true), idx, idx, at_p, at_q});
    return;
  }
  incompat inc(m_memory);
  inc.terms.reserve(2);
  inc.terms.emplace_back(p, term{true, candidate_range(m_packages[p].candidates, v, m_memory)});
  inc.terms.emplace_back(q, term{false, range});
  inc.kind = cause_kind::dependency;
  m_core.add_incompat(std::move(inc), true);
}

bool dependency_policy::add_dependencies(pkg_id p, const version& v) {
  if (m_packages[p].deps_at.contains(v)) return true;
  std::span<const packaging::requirement> reqs = m_requirements;
  if (p != root_id) {
    const package_state& s = m_packages[p];
    // A base package never has a requirement that needs an extra: the provider may skip them.
    auto got = s.extra.empty() ? m_provider.dependencies_without_extra_only(s.name, v)
                               : m_provider.dependencies(s.name, v);
    if (!got) {
      if (got.error().code == errc::io_error && !m_unreadable) m_unreadable = got.error().message;
      incompat inc(m_memory);
      inc.terms.emplace_back(p, term{true, candidate_range(m_packages[p].candidates, v, m_memory)});
      inc.kind = cause_kind::unavailable;
      inc.reason = std::pmr::string(got.error().message, m_memory);
      m_core.add_incompat(std::move(inc), true);
      return false;
    }
    reqs = *got;
  }
  dep_record rec{v, std::pmr::vector<pkg_id>(m_memory), std::pmr::vector<const packaging::marker*>(m_memory)};
  // A copy: interning below may grow the package table.
  const std::pmr::string extra(m_packages[p].extra, m_memory);
  // An extra no requirement of this version mentions: uv pins the base and warns.
  if (!extra.empty() && std::none_of(reqs.begin(), reqs.end(), [&](const packaging::requirement& req) {
        if (!req.marker || !req.marker->references_extra()) return false;
        const auto named = req.marker->extras();
        return std::find(named.begin(), named.end(), std::string_view(extra)) != named.end();
      })) {
    m_unknown_extras.emplace_back(p, v);
  }
  const pkg_id base = m_packages[p].base;
  if (base != p) add_dependency(p, v, base, candidate_range(m_packages[base].candidates, v, m_memory), rec);
  auto applies = [&](const packaging::requirement& req, std::string_view in_extra) {
    if (req.marker) {
      if (!in_extra.empty() && !req.marker->references_extra()) return false;
      if (m_fork != nullptr) return m_fork->possible(*req.marker, in_extra);
      auto ok = req.marker->evaluate(m_environment.markers(), in_extra);
      return ok && *ok;
    }
    return in_extra.empty();  // unconditional dependencies belong to the base package
  };
  std::pmr::vector<std::pmr::string> overridden(m_memory);  // names already replaced for this version
  std::string extra_storage;
  auto add_one = [&](const packaging::requirement& req, std::string_view name, bool from_override) {
    version_ranges range = req.url.empty() ? ranges_of(req.specifiers) : version_ranges::full(m_memory);
    const bool from_user = p == root_id || from_override;
    bool explicit_pre = from_user ? req.specifiers.implies_prereleases() : false;
    const bool pin = pins(req);
    bool user_pin = from_user && pin;
    // (Empty maps are the common case, and a lookup would still hash the name.)
    if (auto c = m_constraints.empty() ? m_constraints.end() : m_constraints.find(name);
        c != m_constraints.end()) {
      for (const packaging::requirement* con : c->second) {
        if (!applies(*con, {})) continue;
        range =
            range.intersect(con->url.empty() ? ranges_of(con->specifiers) : version_ranges::full(m_memory));
        explicit_pre = explicit_pre || con->specifiers.implies_prereleases();
        user_pin = user_pin || pins(*con);
      }
    }
    const std::size_t known = m_packages.size();
    const pkg_id q = m_packages.intern(name, {});
    // First seen: a background provider starts loading it now. Only the provider's timing
    // depends on this; what it answers, and so the resolution, does not.
    if (m_packages.size() != known) m_provider.prefetch(name);
    if (pin && !m_packages[q].pinned) {
      m_packages[q].pinned = true;
      m_queue.enqueue(q);
    }
    if (explicit_pre) m_packages[q].explicit_pre = true;
    if (user_pin) m_packages[q].user_pinned = true;
    if (p == root_id) m_packages[q].direct = true;
    add_dependency(p, v, q, range, rec, &req);
    for (const auto& e : req.extras) {
      const pkg_id qe = m_packages.intern(name, packaging::normalized_name(e, extra_storage));
      if (pin && !m_packages[qe].pinned) {
        m_packages[qe].pinned = true;
        m_queue.enqueue(qe);
      }
      if (user_pin) m_packages[qe].user_pinned = true;
      if (p == root_id) m_packages[qe].direct = true;
      add_dependency(p, v, qe, range, rec, &req);
    }
  };
  std::string name_storage;
  if (m_fork != nullptr) {
    std::pmr::vector<const packaging::requirement*> applied(m_memory);
    for (const packaging::requirement& req : reqs)
      if (applies(req, extra) && !excluded(req.name)) applied.push_back(&req);
    find_split(applied, extra);
    if (m_fork->split_requested()) return true;
  }
  for (const packaging::requirement& req : reqs) {
    if (!applies(req, extra)) continue;
    const std::string_view name = packaging::normalized_name(req.name, name_storage);
    if (excluded(name)) continue;
    if (auto o = m_overrides.empty() ? m_overrides.end() : m_overrides.find(name); o != m_overrides.end()) {
      // The requirement stands, in the overrides' words: each override whose marker holds.
      if (std::find(overridden.begin(), overridden.end(), name) != overridden.end()) continue;
      overridden.emplace_back(name);
      for (const packaging::requirement* ov : o->second) {
        if (applies(*ov, {})) add_one(*ov, name, true);
      }
      continue;
    }
    add_one(req, name, false);
  }
  m_packages[p].deps_at.insert(rec.at);
  m_packages[p].deps.push_back(std::move(rec));
  return true;
}

bool dependency_policy::excluded(std::string_view name) const {
  if (m_excluded.empty()) return false;
  std::string storage;
  return std::binary_search(m_excluded.begin(), m_excluded.end(), packaging::normalized_name(name, storage));
}

void dependency_policy::find_split(std::span<const packaging::requirement* const> applied,
                                   std::string_view extra) {
  // uv's rule: the requirements on one package split the fork when there are several of them
  // and their markers cut it. Overrides stand in for what they replace.
  std::pmr::vector<std::pair<std::string, const packaging::requirement*>> named(m_memory);
  std::string storage;
  for (const packaging::requirement* req : applied) {
    const std::string name(packaging::normalized_name(req->name, storage));
    if (auto o = m_overrides.find(std::string_view(name)); o != m_overrides.end()) {
      for (const packaging::requirement* ov : o->second) named.emplace_back(name, ov);
      continue;
    }
    named.emplace_back(name, req);
  }
  std::stable_sort(named.begin(), named.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::pmr::vector<const packaging::requirement*> group(m_memory);
  for (std::size_t i = 0; i < named.size() && !m_fork->split_requested();) {
    std::size_t j = i;
    group.clear();
    for (; j < named.size() && named[j].first == named[i].first; ++j) group.push_back(named[j].second);
    if (group.size() > 1) m_fork->split_on(group, extra);
    i = j;
  }
}

}  // namespace pyresolve::resolver::detail
