#include "pyresolve/packaging/marker_algebra.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "detail/marker_tree.hpp"
#include "detail/py_text.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/packaging/version_ranges.hpp"

namespace pyresolve::packaging {

namespace {

enum class var_kind : std::uint8_t { python, string, version, extra, opaque };

/// A decision variable: a level of the diagram.
struct variable {
  var_kind kind = var_kind::opaque;
  marker_var var = marker_var::extra;
  std::string text;            ///< opaque: the atom's normalized text
  std::optional<marker> atom;  ///< opaque: the atom, for evaluation; empty if its text did not parse
  std::string negation;        ///< opaque: the text of its complement, empty when PEP 508 has none
  bool ready = false;          ///< opaque: `atom` and `negation` are set

  [[nodiscard]] auto key() const { return std::tie(kind, var, text); }
};

constexpr std::uint32_t k_terminal = std::numeric_limits<std::uint32_t>::max();

/// A node: variable `var` and its children. Version levels partition the version line at
/// `cuts` (child i covers [cuts[i-1], cuts[i])); string levels map `values` to children, the
/// last child taking every other value; boolean levels have [false child, true child].
struct node {
  std::uint32_t var = k_terminal;
  std::vector<version> cuts;
  std::vector<std::string> values;
  std::vector<marker_id> children;

  friend bool operator==(const node& a, const node& b) {
    if (a.var != b.var || a.children != b.children || a.values != b.values || a.cuts.size() != b.cuts.size())
      return false;
    for (std::size_t i = 0; i < a.cuts.size(); ++i)
      if (!(a.cuts[i] == b.cuts[i])) return false;
    return true;
  }
};

struct node_hash {
  std::size_t operator()(const node& n) const noexcept {
    std::size_t h = std::hash<std::uint32_t>{}(n.var);
    const auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    for (const auto& c : n.cuts) mix(c.hash());
    for (const auto& v : n.values) mix(std::hash<std::string>{}(v));
    for (const auto c : n.children) mix(c.index);
    return h;
  }
};

struct pair_hash {
  std::size_t operator()(const std::pair<std::uint32_t, std::uint32_t>& p) const noexcept {
    return (std::size_t{p.first} << 32U) ^ p.second;
  }
};

bool is_version_kind(var_kind k) noexcept { return k == var_kind::python || k == var_kind::version; }

/// A bound that no real version separates from a plain one is replaced by it, so that
/// equivalent sets have equal bounds: "lowest X.*" is X.dev0, "after X and its local
/// versions" (X final) is X.post0.dev0.
version normalize_bound(const version& v) {
  if (!v.is_sentinel()) return v;
  const std::string text = v.to_string();
  const auto ends_with = [&text](std::string_view suffix) {
    return text.size() > suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with(".min")) {
    if (auto plain = version::parse(text.substr(0, text.size() - 4) + ".dev0")) return *plain;
  } else if (ends_with("+max")) {
    auto base = version::parse(text.substr(0, text.size() - 4));
    if (base && !base->pre() && !base->post() && !base->dev() && !base->has_local())
      if (auto plain = version::parse(base->to_string() + ".post0.dev0")) return *plain;
  }
  return v;
}

version_ranges normalize(const version_ranges& r) {
  // 0.dev0 is the lowest version there is: nothing lies below it.
  static const version lowest = *version::parse("0.dev0");
  version_ranges out;
  for (const auto& i : r.intervals()) {
    std::optional<version> lo = i.lower ? std::optional(normalize_bound(*i.lower)) : std::nullopt;
    std::optional<version> hi = i.upper ? std::optional(normalize_bound(*i.upper)) : std::nullopt;
    if (lo && *lo == lowest) lo.reset();
    if (!lo && hi && *hi <= lowest) continue;
    out = out.unite(version_ranges::between(lo, hi));
  }
  return out;
}

version series(std::uint64_t major, std::uint64_t minor) { return version::from_release({major, minor}); }

/// The release of `v` without trailing zeros (`3.8.0rc1` -> `3.8`), as a final version.
version trimmed_release(const version& v) {
  std::vector<std::uint64_t> release = v.release_segments();
  while (release.size() > 1 && release.back() == 0) release.pop_back();
  std::string text;
  for (const auto r : release) text += (text.empty() ? "" : ".") + std::to_string(r);
  return *version::parse(text);
}

/// The release a sentinel bound was made from (`3.8.1+next` -> `3.8.1`).
version sentinel_base(const version& b) {
  const std::string text = b.to_string();
  return trimmed_release(*version::parse(text.substr(0, text.find_last_of(".+"))));
}

/// Python versions compare by their release only, as uv compares them (a 3.13.0rc1
/// interpreter counts as 3.13.0): a bound of a set of releases becomes the least release at or
/// above it, or "just after release R" (`R.just_after()`) when no least release exists.
version python_bound(const version& b) {
  if (b.is_sentinel()) {
    const std::string text = b.to_string();
    const bool lowest = text.size() > 4 && text.compare(text.size() - 4, 4, ".min") == 0;
    return lowest ? sentinel_base(b) : sentinel_base(b).just_after();
  }
  const version release = trimmed_release(b);
  if (b.post() || b.has_local()) return release.just_after();
  return release;  // a final release, or a pre- or dev-release of it, which sorts below it
}

/// Release 0 is the lowest there is: a lower bound of 0 is no bound, and nothing lies below it.
version_ranges python_clean(const version_ranges& r) {
  static const version zero = version::from_release({0});
  version_ranges out;
  for (const auto& i : r.intervals()) {
    std::optional<version> lo = i.lower;
    if (lo && *lo <= zero) lo.reset();
    if (!lo && i.upper && *i.upper <= zero) continue;
    const version_ranges piece = version_ranges::between(lo, i.upper);
    out = out.unite(piece);
  }
  return out;
}

version_ranges python_releases(const version_ranges& r) {
  version_ranges out;
  for (const auto& i : r.intervals()) {
    const std::optional<version> lo = i.lower ? std::optional(python_bound(*i.lower)) : std::nullopt;
    const std::optional<version> hi = i.upper ? std::optional(python_bound(*i.upper)) : std::nullopt;
    const version_ranges piece = version_ranges::between(lo, hi);
    out = out.unite(piece);
  }
  return out;
}

/// `python_version` in `r` (a set of versions compared with "X.Y") as a set of full versions:
/// the release series whose X.Y is in `r`.
version_ranges python_series(const version_ranges& r) {
  version_ranges out;
  for (const auto& i : r.intervals()) {
    std::optional<version> lo;
    if (i.lower) {
      if (i.lower->epoch() > 0) continue;
      const std::uint64_t a = i.lower->release(0);
      const std::uint64_t b = i.lower->release_size() > 1 ? i.lower->release(1) : 0;
      const version c = version::from_release({a, b});
      lo = *i.lower <= c ? series(a, b) : series(a, b + 1);
    }
    std::optional<version> hi;
    if (i.upper && i.upper->epoch() == 0) {
      const std::uint64_t a = i.upper->release(0);
      const std::uint64_t b = i.upper->release_size() > 1 ? i.upper->release(1) : 0;
      const version c = version::from_release({a, b});
      hi = c < *i.upper ? series(a, b + 1) : series(a, b);
    }
    out = out.unite(version_ranges::between(lo, hi));
  }
  return out;
}

/// Whether `version_ranges` hold exactly the versions `op literal` admits (version_ranges.hpp
/// lists the specifiers where they do not).
bool ranges_exact(detail::marker_op op, const std::string& literal) {
  if (op == detail::marker_op::arbitrary_equal) return false;
  std::string_view text = literal;
  // `== "3.10.*"` (uv's spelling of a series) and `!= "3.10.*"` are intervals too.
  if (text.size() > 2 && text.ends_with(".*")) {
    if (op != detail::marker_op::equal && op != detail::marker_op::not_equal) return false;
    text.remove_suffix(2);
  }
  auto v = version::parse(text);
  if (!v) return false;
  if (op == detail::marker_op::greater && (v->pre() || v->dev()) && !v->post()) return false;
  if (op == detail::marker_op::less && v->post() && *v->post() > 256) return false;
  return true;
}

std::string quote(const std::string& s) {
  return s.find('"') == std::string::npos ? "\"" + s + "\"" : "'" + s + "'";
}

std::string operand_text(const detail::marker_operand& o) {
  return o.is_variable ? std::string(to_string(o.var)) : quote(o.value);
}

std::optional<detail::marker_op> negated(detail::marker_op op, bool string_semantics) {
  using detail::marker_op;
  switch (op) {
    case marker_op::equal:
      return marker_op::not_equal;
    case marker_op::not_equal:
      return marker_op::equal;
    case marker_op::in:
      return marker_op::not_in;
    case marker_op::not_in:
      return marker_op::in;
    case marker_op::less:
      if (string_semantics) return marker_op::greater_equal;
      break;
    case marker_op::less_equal:
      if (string_semantics) return marker_op::greater;
      break;
    case marker_op::greater:
      if (string_semantics) return marker_op::less_equal;
      break;
    case marker_op::greater_equal:
      if (string_semantics) return marker_op::less;
      break;
    default:
      break;
  }
  return std::nullopt;
}

/// One conjunct of a clause: a set of values of one variable.
struct constraint {
  std::uint32_t var = 0;
  version_ranges versions;          ///< version levels
  std::vector<std::string> values;  ///< string levels
  bool values_negated = false;      ///< string levels: every value but `values`
  bool truth = true;                ///< boolean levels
};
using clause = std::vector<constraint>;

}  // namespace

struct marker_algebra::state {
  explicit state(std::pmr::memory_resource* m) : memory(m) {
    nodes.push_back({});  // never
    nodes.push_back({});  // always
  }

  std::pmr::memory_resource* memory;
  std::vector<variable> variables;
  std::map<std::tuple<var_kind, marker_var, std::string>, std::uint32_t> variable_index;
  std::vector<node> nodes;
  std::unordered_map<node, std::uint32_t, node_hash> unique;
  std::unordered_map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t, pair_hash> and_memo;
  std::unordered_map<std::pair<std::uint32_t, std::uint32_t>, std::uint32_t, pair_hash> or_memo;
  std::unordered_map<std::uint32_t, std::uint32_t> not_memo;
  bool full_python = false;       ///< `to_string`: python_spelling::full_version
  bool exhausted = false;         ///< a bound was passed (see marker_algebra::max_nodes)
  bool too_many_clauses = false;  ///< `to_string`: the function has more than max_clauses paths

  [[nodiscard]] std::uint32_t var_of(marker_id id) const { return nodes[id.index].var; }

  /// Whether level `a` comes before level `b` (terminals last).
  [[nodiscard]] bool before(std::uint32_t a, std::uint32_t b) const {
    if (a == b || a == k_terminal) return false;
    if (b == k_terminal) return true;
    return variables[a].key() < variables[b].key();
  }

  std::uint32_t variable_for(var_kind kind, marker_var var, std::string text = {}) {
    auto key = std::make_tuple(kind, var, text);
    if (auto it = variable_index.find(key); it != variable_index.end()) return it->second;
    // Past the bound, an existing level stands in: `make` returns `never` from now on anyway.
    if (variables.size() >= marker_algebra::max_variables) {
      exhausted = true;
      return 0;
    }
    variable v;
    v.kind = kind;
    v.var = var;
    v.text = std::move(text);
    variables.push_back(std::move(v));
    const auto index = static_cast<std::uint32_t>(variables.size() - 1);
    variable_index.emplace(std::move(key), index);
    return index;
  }

  /// The reduced, interned node.
  marker_id make(node n) {
    if (exhausted || nodes.size() >= marker_algebra::max_nodes) {
      exhausted = true;
      return marker_algebra::never();
    }
    const var_kind kind = variables[n.var].kind;
    if (is_version_kind(kind)) {
      node r;
      r.var = n.var;
      r.children.push_back(n.children[0]);
      for (std::size_t i = 0; i < n.cuts.size(); ++i) {
        if (n.children[i + 1] == r.children.back()) continue;
        r.cuts.push_back(n.cuts[i]);
        r.children.push_back(n.children[i + 1]);
      }
      n = std::move(r);
      if (n.children.size() == 1) return n.children[0];
    } else if (kind == var_kind::opaque) {
      if (n.children[0] == n.children[1]) return n.children[0];
    } else {
      const marker_id other = n.children.back();
      node r;
      r.var = n.var;
      for (std::size_t i = 0; i < n.values.size(); ++i) {
        if (n.children[i] == other) continue;
        r.values.push_back(n.values[i]);
        r.children.push_back(n.children[i]);
      }
      r.children.push_back(other);
      n = std::move(r);
      if (n.values.empty()) return other;
    }
    if (auto it = unique.find(n); it != unique.end()) return {it->second};
    const auto index = static_cast<std::uint32_t>(nodes.size());
    nodes.push_back(n);
    unique.emplace(std::move(n), index);
    return {index};
  }

  marker_id version_atom(std::uint32_t var, const version_ranges& set) {
    node n;
    n.var = var;
    n.children.push_back(marker_algebra::never());
    const version_ranges normalized =
        variables[var].kind == var_kind::python ? python_clean(set) : normalize(set);
    for (const auto& i : normalized.intervals()) {
      if (i.lower) {
        n.cuts.push_back(*i.lower);
        n.children.push_back(marker_algebra::always());
      } else {
        n.children.back() = marker_algebra::always();
      }
      if (i.upper) {
        n.cuts.push_back(*i.upper);
        n.children.push_back(marker_algebra::never());
      }
    }
    return make(std::move(n));
  }

  marker_id string_atom(std::uint32_t var, std::vector<std::string> values, bool negated) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    node n;
    n.var = var;
    const marker_id in = negated ? marker_algebra::never() : marker_algebra::always();
    const marker_id out = negated ? marker_algebra::always() : marker_algebra::never();
    n.values = std::move(values);
    n.children.assign(n.values.size(), in);
    n.children.push_back(out);
    return make(std::move(n));
  }

  marker_id opaque_atom(const detail::marker_item& item) {
    std::string text =
        operand_text(item.lhs) + " " + detail::to_string(item.op) + " " + operand_text(item.rhs);
    const std::uint32_t var = variable_for(var_kind::opaque, marker_var::extra, text);
    variable& v = variables[var];
    if (!v.ready) {
      v.ready = true;
      if (auto parsed = marker::parse(text)) v.atom = std::move(*parsed);
      if (auto op = negated(item.op, item.prepared && !item.spec))
        v.negation = operand_text(item.lhs) + " " + detail::to_string(*op) + " " + operand_text(item.rhs);
    }
    node n;
    n.var = var;
    n.children = {marker_algebra::never(), marker_algebra::always()};
    return make(std::move(n));
  }

  marker_id item_atom(const detail::marker_item& item) {
    using detail::marker_op;
    if (!item.prepared) return opaque_atom(item);
    const marker_var var = item.lhs.var;
    const bool python = var == marker_var::python_version || var == marker_var::python_full_version;
    if (item.spec) {
      if (var == marker_var::extra || !ranges_exact(item.op, item.rhs.value)) return opaque_atom(item);
      version_ranges set = item.spec->to_ranges();
      if (python) {
        set = var == marker_var::python_version ? python_series(set) : python_releases(set);
        return version_atom(variable_for(var_kind::python, marker_var::python_full_version), set);
      }
      return version_atom(variable_for(var_kind::version, var), set);
    }
    if (python || (item.op != marker_op::equal && item.op != marker_op::not_equal)) return opaque_atom(item);
    if (var == marker_var::extra)
      return string_atom(variable_for(var_kind::extra, var), {item.extra_literal},
                         item.op == marker_op::not_equal);
    return string_atom(variable_for(var_kind::string, var), {item.rhs.value},
                       item.op == marker_op::not_equal);
  }

  marker_id from_node(const marker::node& n) {
    if (!n.is_list) {
      if (n.item.prepared) return item_atom(n.item);
      detail::marker_item item = n.item;  // a requirement's marker: decided here, as evaluation does
      detail::prepare_item(item, memory);
      return item_atom(item);
    }
    marker_id any = marker_algebra::never();
    marker_id group = marker_algebra::always();
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i > 0 && n.joined_by_or[i - 1]) {
        any = apply(true, any, group);
        group = marker_algebra::always();
      }
      group = apply(false, group, from_node(n.children[i]));
    }
    return apply(true, any, group);
  }

  /// `a or b` when `disjunction`, else `a and b`.
  marker_id apply(bool disjunction, marker_id a, marker_id b) {
    const marker_id absorbing = disjunction ? marker_algebra::always() : marker_algebra::never();
    const marker_id neutral = disjunction ? marker_algebra::never() : marker_algebra::always();
    if (a == absorbing || b == absorbing) return absorbing;
    if (a == neutral) return b;
    if (b == neutral || a == b) return a;
    if (b.index < a.index) std::swap(a, b);
    auto& memo = disjunction ? or_memo : and_memo;
    if (auto it = memo.find({a.index, b.index}); it != memo.end()) return {it->second};
    const std::uint32_t va = var_of(a);
    const std::uint32_t vb = var_of(b);
    const std::uint32_t v = before(vb, va) ? vb : va;
    const node na = va == v ? nodes[a.index] : node{v, {}, {}, {a}};
    const node nb = vb == v ? nodes[b.index] : node{v, {}, {}, {b}};
    node out;
    out.var = v;
    const var_kind kind = variables[v].kind;
    if (is_version_kind(kind)) {
      std::vector<version> cuts = na.cuts;
      for (const auto& c : nb.cuts) cuts.push_back(c);
      std::sort(cuts.begin(), cuts.end());
      cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
      std::size_t ia = 0;
      std::size_t ib = 0;
      out.children.push_back(apply(disjunction, na.children[0], nb.children[0]));
      for (const auto& c : cuts) {
        while (ia < na.cuts.size() && na.cuts[ia] <= c) ++ia;
        while (ib < nb.cuts.size() && nb.cuts[ib] <= c) ++ib;
        out.cuts.push_back(c);
        out.children.push_back(apply(disjunction, na.children[ia], nb.children[ib]));
      }
    } else if (kind == var_kind::opaque) {
      const auto child = [](const node& n, std::size_t i) {
        return n.children.size() == 1 ? n.children[0] : n.children[i];
      };
      out.children = {apply(disjunction, child(na, 0), child(nb, 0)),
                      apply(disjunction, child(na, 1), child(nb, 1))};
    } else {
      std::vector<std::string> values = na.values;
      for (const auto& s : nb.values) values.push_back(s);
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
      const auto child = [](const node& n, const std::string& s) {
        const auto it = std::lower_bound(n.values.begin(), n.values.end(), s);
        if (it != n.values.end() && *it == s)
          return n.children[static_cast<std::size_t>(it - n.values.begin())];
        return n.children.back();
      };
      for (const auto& s : values) out.children.push_back(apply(disjunction, child(na, s), child(nb, s)));
      out.values = std::move(values);
      out.children.push_back(apply(disjunction, na.children.back(), nb.children.back()));
    }
    const marker_id result = make(std::move(out));
    memo.emplace(std::make_pair(a.index, b.index), result.index);
    return result;
  }

  /// `a` with the `extra` level decided for `value` (normalized).
  marker_id cofactor_extra(marker_id a, const std::string& value,
                           std::unordered_map<std::uint32_t, marker_id>& memo) {
    if (a == marker_algebra::always() || a == marker_algebra::never()) return a;
    if (auto it = memo.find(a.index); it != memo.end()) return it->second;
    node n = nodes[a.index];  // a copy: `make` may grow `nodes`
    marker_id out;
    if (variables[n.var].kind == var_kind::extra) {
      const auto it = std::lower_bound(n.values.begin(), n.values.end(), value);
      const marker_id child = it != n.values.end() && *it == value
                                  ? n.children[static_cast<std::size_t>(it - n.values.begin())]
                                  : n.children.back();
      out = cofactor_extra(child, value, memo);
    } else {
      for (auto& c : n.children) c = cofactor_extra(c, value, memo);
      out = make(std::move(n));
    }
    memo.emplace(a.index, out);
    return out;
  }

  marker_id negate(marker_id a) {
    if (a == marker_algebra::always()) return marker_algebra::never();
    if (a == marker_algebra::never()) return marker_algebra::always();
    if (auto it = not_memo.find(a.index); it != not_memo.end()) return {it->second};
    node n = nodes[a.index];
    for (auto& c : n.children) c = negate(c);
    const marker_id result = make(std::move(n));
    not_memo.emplace(a.index, result.index);
    return result;
  }

  // --- writing ---------------------------------------------------------------------------

  marker_id clause_id(const clause& c) {
    marker_id out = marker_algebra::always();
    for (const auto& k : c) {
      const variable& v = variables[k.var];
      marker_id atom;
      if (is_version_kind(v.kind)) {
        atom = version_atom(k.var, k.versions);
      } else if (v.kind == var_kind::opaque) {
        node n;
        n.var = k.var;
        n.children = {k.truth ? marker_algebra::never() : marker_algebra::always(),
                      k.truth ? marker_algebra::always() : marker_algebra::never()};
        atom = make(std::move(n));
      } else {
        atom = string_atom(k.var, k.values, k.values_negated);
      }
      out = apply(false, out, atom);
    }
    return out;
  }

  marker_id clauses_id(const std::vector<clause>& cs) {
    marker_id out = marker_algebra::never();
    for (const auto& c : cs) out = apply(true, out, clause_id(c));
    return out;
  }

  void collect(marker_id id, clause& path, std::vector<clause>& out) {
    if (id == marker_algebra::never() || too_many_clauses) return;
    if (id == marker_algebra::always()) {
      if (out.size() >= marker_algebra::max_clauses) {
        too_many_clauses = true;
        return;
      }
      out.push_back(path);
      return;
    }
    const node n = nodes[id.index];
    const variable& v = variables[n.var];
    std::vector<marker_id> targets;  // distinct children, in order of first appearance
    for (const auto c : n.children)
      if (std::find(targets.begin(), targets.end(), c) == targets.end()) targets.push_back(c);
    for (const auto target : targets) {
      if (target == marker_algebra::never()) continue;
      constraint k;
      k.var = n.var;
      if (is_version_kind(v.kind)) {
        for (std::size_t i = 0; i < n.children.size(); ++i) {
          if (!(n.children[i] == target)) continue;
          std::optional<version> lo = i == 0 ? std::nullopt : std::optional(n.cuts[i - 1]);
          std::optional<version> hi = i == n.cuts.size() ? std::nullopt : std::optional(n.cuts[i]);
          k.versions = k.versions.unite(version_ranges::between(lo, hi));
        }
      } else if (v.kind == var_kind::opaque) {
        k.truth = n.children[1] == target;
      } else if (n.children.back() == target) {
        k.values_negated = true;
        for (std::size_t i = 0; i < n.values.size(); ++i)
          if (!(n.children[i] == target)) k.values.push_back(n.values[i]);
      } else {
        for (std::size_t i = 0; i < n.values.size(); ++i)
          if (n.children[i] == target) k.values.push_back(n.values[i]);
      }
      path.push_back(std::move(k));
      collect(target, path, out);
      path.pop_back();
    }
  }

  /// The set `python_version`/`python_full_version` `op literal` (or another version
  /// variable's) stands for, normalized; nullopt when it is no specifier.
  std::optional<version_ranges> set_of(bool python_version, const std::string& op,
                                       const std::string& literal) {
    auto spec = specifier_set::parse(op + literal);
    if (!spec) return std::nullopt;
    version_ranges set = spec->to_ranges();
    return normalize(python_version ? python_series(set) : set);
  }

  /// Texts whose conjunction is exactly `set` on variable `v`, or nullopt.
  std::optional<std::vector<std::string>> write_interval(const variable& v, const version_interval& i) {
    const bool python = v.kind == var_kind::python;
    const std::string name = python ? "python_full_version" : packaging::to_string(v.var);
    const version_ranges want = version_ranges::between(i.lower, i.upper);
    std::vector<std::string> out;
    // Whole-interval forms first: one release series, one version.
    if (i.lower && i.upper) {
      if (python && i.lower->release_size() == 2 && i.lower->dev() == std::uint64_t{0}) {
        const std::string xy =
            std::to_string(i.lower->release(0)) + "." + std::to_string(i.lower->release(1));
        if (auto s = set_of(true, "==", xy); s && *s == want)
          return std::vector{full_python ? "python_full_version == " + quote(xy + ".*")
                                         : "python_version == " + quote(xy)};
      }
      const std::string lo = i.lower->to_string();
      if (!i.lower->is_sentinel())
        if (auto s = set_of(false, "==", lo); s && *s == want) return std::vector{name + " == " + quote(lo)};
    }
    const auto bound = [&](bool lower, const version& b) -> std::optional<std::string> {
      const version_ranges half =
          lower ? version_ranges::between(b, std::nullopt) : version_ranges::between(std::nullopt, b);
      std::vector<std::pair<std::string, std::string>> candidates;  // (variable, op literal)
      const std::string text = b.to_string();
      if (b.is_sentinel()) {
        const std::string base = text.substr(0, text.find_last_of(".+"));
        candidates.emplace_back(name, (lower ? ">" : "<=") + base);
      } else {
        if (python && b.release_size() == 2 && b.dev() == std::uint64_t{0} && !b.pre() && !b.post()) {
          const std::string xy = std::to_string(b.release(0)) + "." + std::to_string(b.release(1));
          candidates.emplace_back("python_version", (lower ? ">=" : "<") + xy);
        }
        // X.dev0 as an upper bound is `< X` (PEP 440's `<X` stops before X's pre-releases).
        if (!lower && b.dev() == std::uint64_t{0} && !b.pre() && !b.post())
          candidates.emplace_back(name, "<" + b.base_version().to_string());
        candidates.emplace_back(name, (lower ? ">=" : "<") + text);
      }
      for (auto& [var, op_literal] : candidates) {
        const std::size_t split = op_literal.find_first_not_of("<>=!");
        const std::string op = op_literal.substr(0, split);
        const std::string literal = op_literal.substr(split);
        // Under release semantics `python_version >= "X.Y"` and `python_full_version >= "X.Y"`
        // are one set (as are the `<` forms): uv's spelling takes the second.
        if (auto s = set_of(var == "python_version", op, literal); s && *s == half)
          return (full_python && var == "python_version" ? std::string("python_full_version") : var) + " " +
                 op + " " + quote(literal);
      }
      // X.dev0 as an upper bound is `< X`; X.post0.dev0 is `<= X`.
      if (!lower && !b.is_sentinel() && b.dev() == std::uint64_t{0} && !b.pre()) {
        const version base = b.base_version();
        std::string x = base.to_string();
        for (const std::string op : {"<", "<="}) {
          if (auto s = set_of(false, op, x); s && *s == half) return name + " " + op + " " + quote(x);
        }
      }
      if (lower && !b.is_sentinel() && b.dev() == std::uint64_t{0} && b.post() && !b.pre()) {
        const std::string x = b.base_version().to_string();
        if (auto s = set_of(false, ">", x); s && *s == half) return name + " > " + quote(x);
      }
      return std::nullopt;
    };
    if (i.lower) {
      auto t = bound(true, *i.lower);
      if (!t) return std::nullopt;
      out.push_back(*t);
    }
    if (i.upper) {
      auto t = bound(false, *i.upper);
      if (!t) return std::nullopt;
      out.push_back(*t);
    }
    return out;
  }

  /// A set of Python releases (bounds are releases R or `R.just_after()`), exactly. A bound at
  /// the start of a series is written on `python_version` unless `full_python` (uv's spelling).
  std::vector<std::vector<std::string>> write_python(const version_ranges& set) const {
    const auto short_release = [&](const version& r) { return r.release_size() <= 2 && !full_python; };
    const auto lower = [&](const version& b) {
      if (b.is_sentinel()) return "python_full_version > " + quote(sentinel_base(b).to_string());
      return (short_release(b) ? "python_version >= " : "python_full_version >= ") + quote(b.to_string());
    };
    const auto upper = [&](const version& b) {
      if (b.is_sentinel()) return "python_full_version <= " + quote(sentinel_base(b).to_string());
      return (short_release(b) ? "python_version < " : "python_full_version < ") + quote(b.to_string());
    };
    const auto series_text = [&](const char* op, const version& a) {
      return full_python ? "python_full_version " + std::string(op) + " " + quote(a.to_string() + ".*")
                         : "python_version " + std::string(op) + " " + quote(a.to_string());
    };
    const auto next_series = [](const version& r) {
      return series(r.release(0), r.release_size() > 1 ? r.release(1) + 1 : 1);
    };
    std::vector<std::vector<std::string>> out;
    const auto& iv = set.intervals();
    // Everything but one release or one series: `!=`.
    if (iv.size() == 2 && !iv[0].lower && !iv[1].upper && !iv[0].upper->is_sentinel()) {
      const version& a = *iv[0].upper;
      const version& b = *iv[1].lower;
      if (b.is_sentinel() && sentinel_base(b) == a)
        return {{"python_full_version != " + quote(a.to_string())}};
      if (a.release_size() == 2 && b == next_series(a)) return {{series_text("!=", a)}};
    }
    for (const auto& i : iv) {
      if (i.lower && i.upper && !i.lower->is_sentinel()) {
        const version& a = *i.lower;
        if (i.upper->is_sentinel() && sentinel_base(*i.upper) == a) {
          out.push_back({"python_full_version == " + quote(a.to_string())});
          continue;
        }
        if (a.release_size() == 2 && *i.upper == next_series(a)) {
          out.push_back({series_text("==", a)});
          continue;
        }
      }
      std::vector<std::string> conj;
      if (i.lower) conj.push_back(lower(*i.lower));
      if (i.upper) conj.push_back(upper(*i.upper));
      out.push_back(std::move(conj));
    }
    return out;
  }

  /// The alternatives (each a conjunction of texts) that constraint `k` stands for.
  result<std::vector<std::vector<std::string>>> write(const constraint& k) {
    const variable& v = variables[k.var];
    std::vector<std::vector<std::string>> out;
    if (v.kind == var_kind::python) return write_python(k.versions);
    if (is_version_kind(v.kind)) {
      const std::string name = packaging::to_string(v.var);
      // Everything but one version or one series: `!=`.
      const auto& iv = k.versions.intervals();
      if (iv.size() == 2 && !iv[0].lower && !iv[1].upper) {
        if (v.kind == var_kind::python && iv[0].upper->release_size() == 2) {
          const std::string xy =
              std::to_string(iv[0].upper->release(0)) + "." + std::to_string(iv[0].upper->release(1));
          if (auto s = set_of(true, "!=", xy); s && *s == k.versions)
            return out = {{"python_version != " + quote(xy)}};
        }
        if (!iv[0].upper->is_sentinel()) {
          const std::string x = iv[0].upper->to_string();
          if (auto s = set_of(false, "!=", x); s && *s == k.versions)
            return out = {{name + " != " + quote(x)}};
        }
      }
      for (const auto& i : iv) {
        auto texts = write_interval(v, i);
        if (!texts)
          return fail(errc::invalid_marker,
                      "no PEP 508 marker writes " + name + " in " + k.versions.to_string());
        out.push_back(std::move(*texts));
      }
      return out;
    }
    if (v.kind == var_kind::opaque) {
      if (k.truth) return out = {{v.text}};
      if (v.negation.empty())
        return fail(errc::invalid_marker, "no PEP 508 marker writes the negation of " + v.text);
      return out = {{v.negation}};
    }
    const std::string name = packaging::to_string(v.var);
    if (k.values_negated) {
      std::vector<std::string> all;
      for (const auto& s : k.values) all.push_back(name + " != " + quote(s));
      return out = {all};
    }
    for (const auto& s : k.values) out.push_back({name + " == " + quote(s)});
    return out;
  }
};

marker_algebra::marker_algebra(std::pmr::memory_resource* memory)
    : m_state(std::make_unique<state>(memory)) {}
marker_algebra::~marker_algebra() = default;

marker_id marker_algebra::from(const marker& m) {
  const auto* root = detail::marker_access::root(m);
  return root ? m_state->from_node(*root) : always();
}

result<marker_id> marker_algebra::parse(std::string_view text) {
  if (text.find_first_not_of(" \t") == std::string_view::npos) return always();
  auto m = marker::parse(text);
  if (!m) return unexpected(std::move(m).error());
  return from(*m);
}

marker_id marker_algebra::conjunction(marker_id a, marker_id b) { return m_state->apply(false, a, b); }
marker_id marker_algebra::disjunction(marker_id a, marker_id b) { return m_state->apply(true, a, b); }
marker_id marker_algebra::negation(marker_id a) { return m_state->negate(a); }
std::size_t marker_algebra::size() const noexcept { return m_state->nodes.size(); }
bool marker_algebra::exhausted() const noexcept { return m_state->exhausted; }

marker_id marker_algebra::with_extra(marker_id id, std::string_view extra) {
  std::unordered_map<std::uint32_t, marker_id> memo;
  return m_state->cofactor_extra(id, detail::canonicalize_name(extra), memo);
}

// Python is the first level of the order, so only a root node can test it.
marker_id marker_algebra::assuming_python_from(marker_id id, const version& lowest) {
  if (id == always() || id == never()) return id;
  state& s = *m_state;
  node n = s.nodes[id.index];
  if (s.variables[n.var].kind != var_kind::python) return id;
  const version at = trimmed_release(lowest);
  const auto covering =
      static_cast<std::size_t>(std::upper_bound(n.cuts.begin(), n.cuts.end(), at) - n.cuts.begin());
  for (std::size_t i = 0; i < covering; ++i) n.children[i] = n.children[covering];
  return s.make(std::move(n));
}

std::optional<version> marker_algebra::lowest_python(marker_id id) const {
  if (id == never()) return std::nullopt;
  const state& s = *m_state;
  const version zero = version::from_release({0});
  if (id == always()) return zero;
  const node& n = s.nodes[id.index];
  if (s.variables[n.var].kind != var_kind::python) return zero;
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (n.children[i] == never()) continue;
    return i == 0 ? zero : n.cuts[i - 1];
  }
  return std::nullopt;  // a reduced node has a child other than `never`
}

result<bool> marker_algebra::evaluate(marker_id id, const marker_environment& env,
                                      std::string_view extra) const {
  const state& s = *m_state;
  while (id != always() && id != never()) {
    const node& n = s.nodes[id.index];
    const variable& v = s.variables[n.var];
    if (is_version_kind(v.kind)) {
      const std::string& text = env.get(v.kind == var_kind::python ? marker_var::python_full_version : v.var);
      auto parsed = version::parse(text);
      if (!parsed) return fail(errc::invalid_marker, "Invalid version: '" + text + "'");
      const version value = v.kind == var_kind::python ? trimmed_release(*parsed) : *parsed;
      const auto it = std::upper_bound(n.cuts.begin(), n.cuts.end(), value);
      id = n.children[static_cast<std::size_t>(it - n.cuts.begin())];
    } else if (v.kind == var_kind::opaque) {
      // Never the empty marker (always true) in place of an atom whose text did not parse back.
      if (!v.atom) return fail(errc::invalid_marker, "cannot evaluate the marker atom " + v.text);
      auto value = v.atom->evaluate(env, extra);
      if (!value) return value;
      id = n.children[*value ? 1 : 0];
    } else {
      const std::string value = v.kind == var_kind::extra ? detail::canonicalize_name(extra) : env.get(v.var);
      const auto it = std::lower_bound(n.values.begin(), n.values.end(), value);
      id = it != n.values.end() && *it == value ? n.children[static_cast<std::size_t>(it - n.values.begin())]
                                                : n.children.back();
    }
  }
  return id == always();
}

result<std::string> marker_algebra::to_string(marker_id id, python_spelling spelling) {
  m_state->full_python = spelling == python_spelling::full_version;
  if (m_state->exhausted) return fail(errc::invalid_marker, "marker too complex to work with");
  if (id == always()) return std::string();
  if (id == never())
    return std::string(spelling == python_spelling::full_version ? "python_full_version < \"0\""
                                                                 : "python_version < \"0\"");
  state& s = *m_state;
  std::vector<clause> clauses;
  clause path;
  s.too_many_clauses = false;
  s.collect(id, path, clauses);
  if (s.too_many_clauses) {
    return fail(errc::invalid_marker,
                "marker too complex to write (more than " + std::to_string(max_clauses) + " clauses)");
  }
  // Drop what the function does not need: a conjunct, then a whole clause, while the
  // disjunction stays the same function.
  for (std::size_t i = 0; i < clauses.size(); ++i) {
    for (std::size_t j = 0; j < clauses[i].size();) {
      auto trial = clauses;
      trial[i].erase(trial[i].begin() + static_cast<std::ptrdiff_t>(j));
      if (s.clauses_id(trial) == id) {
        clauses = std::move(trial);
      } else {
        ++j;
      }
    }
  }
  for (std::size_t i = 0; i < clauses.size();) {
    auto trial = clauses;
    trial.erase(trial.begin() + static_cast<std::ptrdiff_t>(i));
    if (!trial.empty() && s.clauses_id(trial) == id) {
      clauses = std::move(trial);
    } else {
      ++i;
    }
  }
  // A clause of one constraint contributes that constraint's alternatives as disjuncts of their
  // own; a longer clause is a conjunction whose constraints with several alternatives are
  // parenthesized disjunctions.
  std::vector<std::string> disjuncts;
  std::vector<bool> conjunctive;  // whether the disjunct joins terms with `and`
  const auto join = [](const std::vector<std::string>& texts, const char* with) {
    std::string out;
    for (const auto& t : texts) out += (out.empty() ? "" : with) + t;
    return out;
  };
  for (const auto& c : clauses) {
    std::vector<std::string> terms;
    std::vector<std::vector<std::string>> single;
    for (const auto& k : c) {
      auto alternatives = s.write(k);
      if (!alternatives) return unexpected(std::move(alternatives).error());
      if (c.size() == 1) {
        single = std::move(*alternatives);
        break;
      }
      std::vector<std::string> alts;
      for (const auto& alt : *alternatives)
        alts.push_back(alt.size() > 1 && alternatives->size() > 1 ? "(" + join(alt, " and ") + ")"
                                                                  : join(alt, " and "));
      terms.push_back(alts.size() > 1 ? "(" + join(alts, " or ") + ")" : alts[0]);
    }
    if (c.size() == 1) {
      for (const auto& alt : single) {
        disjuncts.push_back(join(alt, " and "));
        conjunctive.push_back(alt.size() > 1);
      }
    } else {
      disjuncts.push_back(join(terms, " and "));
      conjunctive.push_back(true);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < disjuncts.size(); ++i) {
    if (i > 0) out += " or ";
    out += disjuncts.size() > 1 && conjunctive[i] ? "(" + disjuncts[i] + ")" : disjuncts[i];
  }
  return out;
}

}  // namespace pyresolve::packaging
