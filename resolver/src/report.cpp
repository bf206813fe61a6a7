// The explanation of a failed resolve (see detail/report.hpp).

#include "detail/report.hpp"

#include <algorithm>

#include "detail/candidates.hpp"
#include "detail/fork.hpp"

namespace pyresolve::resolver::detail {

namespace {

// How a version set reads in a message: singletons as `==v`, the rest merged by
// version_ranges::to_string, with uv's comma spacing.
std::string set_text(const version_ranges& set) {
  const auto& iv = set.intervals();
  if (iv.size() == 1 && iv[0].lower && iv[0].upper && *iv[0].upper == iv[0].lower->just_after()) {
    return "==" + iv[0].lower->to_string();
  }
  std::string text = set.to_string();
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == ',' && i + 1 < text.size() && text[i + 1] == ' ') {
      out += ',';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The target Python as uv's `pip compile` names it: the lower bound the version given makes
// (`>=3.9` for `--python-version 3.9`, `>=3.9.4` for `3.9.4`).
std::string requested_python(const packaging::python_version& python) {
  return ">=" + (python.patch ? python.full_string() : python.short_string());
}

}  // namespace

// A set that holds every known version of the package reads as the bare name, as uv
// simplifies ranges against the versions that exist.
std::string report::range_text(pkg_id p, const version_ranges& set, bool bare_when_all) const {
  const package_state& s = m_packages[p];
  if (set.is_full() && (bare_when_all || s.candidates.empty())) return m_packages.display(p);
  const auto& cands = s.candidates;
  if (cands.empty()) return m_packages.display(p) + set_text(set);
  // Read against the versions that exist, as uv simplifies its ranges: each run of
  // consecutive candidates inside the set becomes one range (`==v` for a run of one), so
  // forty pins `==1.31.0 | ==1.31.1 | …` read `>=1.31.0,<1.31.43` and a set holding every
  // version is the bare name. A set with no existing version keeps its own text.
  version_ranges shown;
  bool any = false;
  bool all = true;
  for (std::size_t i = 0; i < cands.size();) {
    if (!set.contains(cands[i].version)) {
      all = false;
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < cands.size() && set.contains(cands[j + 1].version)) ++j;
    any = true;
    shown = shown.unite(i == j ? version_ranges::singleton(cands[i].version)
                               : run_range(cands, i, j, shown.resource()));
    i = j + 1;
  }
  if (all && bare_when_all) return m_packages.display(p);
  return m_packages.display(p) + set_text(any ? shown : set);
}

std::string report::subject_text(pkg_id p, const version_ranges& set, bool& plural) const {
  plural = false;
  const auto& cands = m_packages[p].candidates;
  const std::string name = m_packages.display(p);
  // One run of consecutive versions reads as uv simplifies it against the versions that exist:
  // open towards the end it reaches (`a<=1.0.0` for the oldest, `a>=3.0.0` for the newest).
  std::size_t first = cands.size(), last = 0, runs = 0;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    if (!set.contains(cands[i].version)) continue;
    if (i == 0 || !set.contains(cands[i - 1].version)) ++runs;
    first = std::min(first, i);
    last = i;
  }
  if (p == root_id || runs != 1) {
    std::string text = range_text(p, set);
    plural = text == name && p != root_id;
    return plural ? "all versions of " + text : text;
  }
  const std::string lo = cands[first].version.to_string(), hi = cands[last].version.to_string();
  if (first == 0 && last + 1 == cands.size()) {
    plural = true;
    return "all versions of " + name;
  }
  if (first == 0) return name + "<=" + hi;
  if (last + 1 == cands.size()) return name + ">=" + lo;
  if (first == last) return name + "==" + lo;
  return name + ">=" + lo + ",<=" + hi;
}

// The versions of p outside `set` that exist, as a list, as uv words it: each run of
// consecutive versions that `set` does not cut as one item (`hub==0.19.2`, `hub<=0.19.2`,
// `hub>=2.0,<=2.3`, `hub>=3.0`); several items follow "the following versions of hub are
// available:".
std::string report::available_text(pkg_id p, const version_ranges& set) const {
  const auto& cands = m_packages[p].candidates;
  const std::string name = m_packages.display(p);
  std::vector<std::string> items;
  for (std::size_t i = 0; i < cands.size();) {
    if (set.contains(cands[i].version)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j + 1 < cands.size() && !set.contains(cands[j + 1].version) &&
           set.is_disjoint(version_ranges::between(cands[j].version, cands[j + 1].version)))
      ++j;
    const std::string lo = cands[i].version.to_string(), hi = cands[j].version.to_string();
    // Every version, none in the set: the side the set lies on says which way the run reads
    // ("only a<=1.0.0 is available" for `a>1.0.0`, "only a>=2.0.0" for `a<2.0.0`).
    const bool set_above =
        !set.is_disjoint(version_ranges::between(cands[j].version.just_after(), std::nullopt));
    if (i == j) {
      items.push_back(name + "==" + lo);
    } else if (i == 0 && j + 1 == cands.size()) {
      items.push_back(set_above ? name + "<=" + hi : name + ">=" + lo);
    } else if (i == 0) {
      items.push_back(name + "<=" + hi);
    } else if (j + 1 == cands.size()) {
      items.push_back(name + ">=" + lo);
    } else {
      items.push_back(name + ">=" + lo + ",<=" + hi);
    }
    i = j + 1;
  }
  if (items.size() == 1) return "only " + items.front() + " is available";
  std::string out = "only the following versions of " + name + " are available: ";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + items[i];
  return out;
}

// The Python that the versions of p in `set` need when the target's being older is the only
// reason none of them is a candidate: the lowest lower bound of their Requires-Python (each
// needs at least that). Nullopt when some other reason (yanked, no compatible file, a
// pre-release) rules one out, when one has no such bound, and in a universal resolution.
std::optional<packaging::version> report::python_needed(pkg_id p, const version_ranges& set) const {
  if (m_options.universal) return std::nullopt;
  std::optional<packaging::version> need;
  for (const candidate& c : m_packages[p].candidates) {
    if (!set.contains(c.version)) continue;
    if (c.requires_python_ok || c.yanked || !c.has_compatible_dist || c.requires_python == nullptr)
      return std::nullopt;
    if (c.version.is_prerelease() && m_options.prerelease == prerelease_mode::disallow) return std::nullopt;
    auto lower = python_lower_bound(*c.requires_python);
    if (!lower) return std::nullopt;
    if (!need || *lower < *need) need = std::move(lower);
  }
  return need;
}

// The set as written: the surrounding words ("depends on", "not") carry the polarity.
std::string report::term_text(pkg_id p, const term& t) const { return range_text(p, t.set); }

// A derived incompatibility whose one cause says "no versions" of a range that holds no
// version at all adds nothing a reader needs (it only widens `a==1.0` to `a` when 1.0 is the
// only version): explain its other cause in its place.
// A derivation made only of "X was not found" facts about one project (one per range the
// solver asked for) says nothing more than one of them, as uv's reporter collapses it: that
// fact, else nullopt.
std::optional<incompat_id> report::not_found_leaf(incompat_id id) const {
  const incompat& inc = m_incompats[id];
  if (inc.kind == cause_kind::no_versions) {
    const pkg_id base = m_packages[inc.terms.front().first].base;
    if (m_packages[base].not_found) return id;
    return std::nullopt;
  }
  if (inc.kind != cause_kind::derived) return std::nullopt;
  // Only terms on absent projects can come of such facts: anything else ends the walk at once,
  // so explaining a long derivation does not walk its subtrees again at every step.
  for (const auto& e : inc.terms) {
    if (!m_packages[m_packages[e.first].base].not_found) return std::nullopt;
  }
  const auto a = not_found_leaf(inc.cause1);
  if (!a) return std::nullopt;
  const auto b = not_found_leaf(inc.cause2);
  if (!b) return std::nullopt;
  const auto base = [&](incompat_id leaf) { return m_packages[m_incompats[leaf].terms.front().first].base; };
  return base(*a) == base(*b) ? a : std::nullopt;
}

incompat_id report::skip_vacuous(incompat_id id) const {
  for (;;) {
    if (auto leaf = not_found_leaf(id)) return *leaf;
    const incompat& inc = m_incompats[id];
    if (inc.kind != cause_kind::derived) return id;
    auto vacuous = [&](incompat_id c) {
      const incompat& n = m_incompats[c];
      if (n.kind != cause_kind::no_versions) return false;
      const auto& [p, t] = n.terms.front();
      const package_state& b = m_packages[m_packages[p].base];
      if (b.not_found || b.candidates.empty()) return false;
      for (const candidate& c2 : m_packages[p].candidates) {
        if (t.set.contains(c2.version)) return false;
      }
      // Only when the step widens p's term; when it eliminates p it is the point of the step.
      for (const auto& e : inc.terms) {
        if (e.first == p) return true;
      }
      return false;
    };
    if (vacuous(inc.cause1)) {
      id = inc.cause2;
    } else if (vacuous(inc.cause2)) {
      id = inc.cause1;
    } else {
      return id;
    }
  }
}

std::string report::external_text(const incompat& inc) const {
  switch (inc.kind) {
    case cause_kind::root:
      return "you require the root package";
    case cause_kind::no_versions: {
      const auto& [p, t] = inc.terms.front();
      const package_state& s = m_packages[p];
      const package_state& b = m_packages[s.base];
      if (b.not_found) return m_packages.display(s.base) + " was not found in the package registry";
      if (!b.versions_error.empty())
        return "the versions of " + m_packages.display(s.base) + " could not be read (" +
               std::string(b.versions_error) + ")";
      if (auto need = python_needed(p, t.set)) {
        // As uv words it, Python being a dependency like any other.
        const std::string python = ">=" + need->to_string();
        return "the requested Python version (" + requested_python(m_environment.python()) +
               ") does not satisfy Python" + python + " and " + range_text(p, t.set, false) +
               " depends on Python" + python;
      }
      std::string text;
      bool any_left = false, any_in = false;
      for (const candidate& c : s.candidates) {
        any_left = any_left || !t.set.contains(c.version);
        any_in = any_in || t.set.contains(c.version);
      }
      // One version asked for (`==3.0`, which also holds its local versions).
      const std::string asked = set_text(t.set);
      const bool singleton = asked.starts_with("==") && asked.find_first_of(",|") == std::string::npos;
      if (t.set.is_full() || b.candidates.empty()) {
        text = "there are no usable versions of " + m_packages.display(p);
      } else if (singleton && !any_in) {
        return "there is no version of " + m_packages.display(p) + asked;
      } else if (any_left) {
        text = available_text(p, t.set);
      } else {
        text = "there are no usable versions of " + range_text(p, t.set);
      }
      // Hints for versions in range that exist but were not candidates.
      bool pre = false, python = false, yanked = false, dist = false;
      for (const candidate& c : s.candidates) {
        if (!t.set.contains(c.version)) continue;
        pre = pre || (c.version.is_prerelease() && m_options.prerelease == prerelease_mode::disallow);
        python = python || !c.requires_python_ok;
        yanked = yanked || c.yanked;
        dist = dist || !c.has_compatible_dist;
      }
      if (python)
        text += " (some versions in range need a different Python version: " +
                m_environment.python().full_string() + " is the target)";
      if (yanked) text += " (some versions in range are yanked)";
      if (dist) text += " (some versions in range have no compatible wheel or sdist)";
      if (pre) text += " (pre-releases in range are not allowed)";
      return text;
    }
    case cause_kind::unavailable: {
      const auto& [p, t] = inc.terms.front();
      // Only the first line of the reason: parse errors carry a caret diagram below it,
      // which would break the one-sentence-per-line explanation.
      const std::string_view reason(inc.reason);
      const std::string first_line(reason.substr(0, reason.find('\n')));
      if (p == root_id) return first_line;
      return range_text(p, t.set) + " is unusable: " + first_line;
    }
    case cause_kind::dependency: {
      const auto& [p, tp] = inc.terms[0];
      const std::string what = depended_text(inc);
      if (p == root_id) return "you require " + what;
      bool plural = false;
      const std::string who = subject_text(p, tp.set, plural);
      return who + (plural ? " depend on " : " depends on ") + what;
    }
    case cause_kind::derived:
      break;
  }
  return statement(inc);
}

std::string report::statement(const incompat& inc) const {
  std::vector<const std::pair<pkg_id, term>*> rest;
  bool has_root = false;
  for (const auto& e : inc.terms) {
    if (e.first == root_id && e.second.positive) {
      has_root = true;
    } else {
      rest.push_back(&e);
    }
  }
  if (rest.empty()) return "your requirements are unsatisfiable";
  if (rest.size() == 1) {
    const auto& [p, t] = *rest.front();
    if (t.positive) {
      bool plural = false;
      return subject_text(p, t.set, plural) + " cannot be used";
    }
    return (has_root ? "you require " : "") + term_text(p, t) + (has_root ? "" : " is required");
  }
  if (rest.size() == 2) {
    const auto* a = rest[0];
    const auto* b = rest[1];
    if (!a->second.positive && b->second.positive) std::swap(a, b);
    if (a->second.positive && !b->second.positive) {
      bool plural = false;
      const std::string who = subject_text(a->first, a->second.set, plural);
      return who + (plural ? " depend on " : " depends on ") + term_text(b->first, b->second);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i != 0) out += i + 1 == rest.size() ? " and " : ", ";
    bool plural = false;
    out += rest[i]->second.positive ? subject_text(rest[i]->first, rest[i]->second.set, plural)
                                    : "not " + term_text(rest[i]->first, rest[i]->second);
  }
  return out + " are incompatible";
}

std::string report::conclusion(const incompat& inc) const {
  if (is_terminal(inc)) return "we can conclude that your requirements are unsatisfiable.";
  return "we can conclude that " + statement(inc) + ".";
}

std::string report::depended_text(const incompat& dependency) const {
  // What is depended on reads as written (`you require a==1.0.0`, even when 1.0.0 is the only
  // version), as uv prints requirements.
  const auto& [q, tq] = dependency.terms[1];
  return tq.set.is_full() ? m_packages.display(q) : m_packages.display(q) + set_text(tq.set);
}

bool report::is_root_dependency(incompat_id id) const {
  const incompat& x = m_incompats[id];
  return x.kind == cause_kind::dependency && x.terms.front().first == root_id;
}

void report::explain(incompat_id id, std::vector<std::string>& lines, std::vector<pkg_id>& named) const {
  const incompat& inc = m_incompats[id];
  for (const auto& e : inc.terms) named.push_back(m_packages[e.first].base);
  if (inc.kind != cause_kind::derived) return;
  incompat_id c1 = skip_vacuous(inc.cause1);
  incompat_id c2 = skip_vacuous(inc.cause2);
  const bool d1 = m_incompats[c1].kind == cause_kind::derived;
  const bool d2 = m_incompats[c2].kind == cause_kind::derived;
  if (!d1 && !d2) {
    // In uv's order: what is not available first ("only b<2 is available and a depends on
    // b>=2"), the dependencies next, the later one of two first, the user's own requirement
    // last ("... and you require a").
    auto rank = [&](incompat_id c) {
      const incompat& x = m_incompats[c];
      if (x.kind != cause_kind::dependency) return 0;
      return x.terms.front().first == root_id ? 2 : 1;
    };
    if (rank(c2) < rank(c1) || (rank(c1) == 1 && rank(c2) == 1)) std::swap(c1, c2);
    explain(c1, lines, named);
    explain(c2, lines, named);
    // Versions the target's Python rules out read as uv derives them, in a sentence of their
    // own: "Because the requested Python version (3.8.0) does not satisfy Python>=3.9 and
    // sphinx>=7.2.0 depends on Python>=3.9, we can conclude that sphinx>=7.2.0 cannot be used."
    for (incompat_id python_side : {c1, c2}) {
      const incompat& x = m_incompats[python_side];
      if (x.kind != cause_kind::no_versions) continue;
      const auto& [p, t] = x.terms.front();
      if (!python_needed(p, t.set)) continue;
      lines.push_back("Because " + external_text(x) + ", we can conclude that " +
                      range_text(p, t.set, false) + " cannot be used.");
      lines.push_back("And because " + external_text(m_incompats[python_side == c1 ? c2 : c1]) + ", " +
                      conclusion(inc));
      return;
    }
    // Two requirements of the user's read as one ("you require a==1.0 and a==2.0"), as in uv.
    if (is_root_dependency(c1) && is_root_dependency(c2)) {
      lines.push_back("Because " + external_text(m_incompats[c1]) + " and " + depended_text(m_incompats[c2]) +
                      ", " + conclusion(inc));
      return;
    }
    lines.push_back("Because " + external_text(m_incompats[c1]) + " and " + external_text(m_incompats[c2]) +
                    ", " + conclusion(inc));
    return;
  }
  if (d1 && d2) {
    explain(c1, lines, named);
    explain(c2, lines, named);
    lines.push_back("And because we know that " + statement(m_incompats[c1]) + " and " +
                    statement(m_incompats[c2]) + ", " + conclusion(inc));
    return;
  }
  if (!d1) std::swap(c1, c2);
  // A step that a derived fact and one external fact make, followed by another external fact,
  // reads as one step, as PubGrub's reporter (and uv's) collapses it: "And because b depends
  // on a and you require b, we can conclude that ..."; two requirements of the user's read "you
  // require a and b". Not when the external fact is about the target's Python, which has
  // sentences of its own.
  {
    const incompat& d = m_incompats[c1];
    if (d.kind == cause_kind::derived) {
      incompat_id x = skip_vacuous(d.cause1);
      incompat_id e = skip_vacuous(d.cause2);
      if (m_incompats[x].kind != cause_kind::derived) std::swap(x, e);
      auto about_python = [&](incompat_id c) {
        const incompat& n = m_incompats[c];
        return n.kind == cause_kind::no_versions &&
               python_needed(n.terms.front().first, n.terms.front().second.set);
      };
      if (m_incompats[x].kind == cause_kind::derived && m_incompats[e].kind != cause_kind::derived &&
          !about_python(e) && !about_python(c2)) {
        for (const auto& t : d.terms) named.push_back(m_packages[t.first].base);
        explain(x, lines, named);
        explain(e, lines, named);
        explain(c2, lines, named);
        const std::string second = is_root_dependency(e) && is_root_dependency(c2)
                                       ? depended_text(m_incompats[c2])
                                       : external_text(m_incompats[c2]);
        lines.push_back("And because " + external_text(m_incompats[e]) + " and " + second + ", " +
                        conclusion(inc));
        return;
      }
    }
  }
  explain(c1, lines, named);
  explain(c2, lines, named);
  lines.push_back("And because " + external_text(m_incompats[c2]) + ", " + conclusion(inc));
}

// The first set of versions ruled out only by the target's Python, for the failure's hint.
void report::find_python_shortfall(incompat_id id, resolve_failure& out) const {
  if (!out.python_needed.empty()) return;
  const incompat& inc = m_incompats[id];
  if (inc.kind == cause_kind::no_versions) {
    const auto& [p, t] = inc.terms.front();
    if (auto need = python_needed(p, t.set)) {
      out.python_needed = ">=" + need->to_string();
      out.python_needed_by = range_text(p, t.set, false);
    }
    return;
  }
  if (inc.kind != cause_kind::derived) return;
  find_python_shortfall(skip_vacuous(inc.cause1), out);
  find_python_shortfall(skip_vacuous(inc.cause2), out);
}

resolve_failure report::failure(incompat_id id) const {
  resolve_failure out;
  out.what = resolve_failure::kind::unsatisfiable;
  std::vector<std::string> lines;
  std::vector<pkg_id> named;
  const incompat& inc = m_incompats[id];
  if (inc.kind != cause_kind::derived) {
    for (const auto& e : inc.terms) named.push_back(m_packages[e.first].base);
    lines.push_back("Because " + external_text(inc) + ", " + conclusion(inc));
  } else {
    explain(id, lines, named);
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 0) out.explanation += '\n';
    out.explanation += lines[i];
  }
  for (pkg_id p : named) {
    if (p != root_id) out.packages.emplace_back(m_packages[p].name);
  }
  find_python_shortfall(id, out);
  std::sort(out.packages.begin(), out.packages.end());
  out.packages.erase(std::unique(out.packages.begin(), out.packages.end()), out.packages.end());
  return out;
}

}  // namespace pyresolve::resolver::detail
