// One fork of a universal resolution (see detail/fork.hpp).

#include <algorithm>

#include "detail/fork.hpp"

namespace pyresolve::resolver::detail {

using packaging::marker_algebra;
using packaging::marker_id;

fork_context::fork_context(const packaging::marker* universe, std::span<const fork_literal> literals) {
  if (universe != nullptr) m_environment = m_algebra.from(*universe);
  for (const fork_literal& l : literals) {
    const marker_id m = of(*l.marker, l.extra);
    m_environment = m_algebra.conjunction(m_environment, l.holds ? m : m_algebra.negation(m));
  }
  m_lowest_python = m_algebra.lowest_python(m_environment).value_or(packaging::version::from_release({0}));
}

marker_id fork_context::of(const packaging::marker& m, std::string_view extra) {
  auto& known = m_memo[&m];
  for (const auto& [e, id] : known)
    if (e == extra) return id;
  const marker_id id = m_algebra.with_extra(m_algebra.from(m), extra);
  known.emplace_back(std::string(extra), id);
  return id;
}

marker_id fork_context::within(const packaging::marker& m, std::string_view extra) {
  return m_algebra.conjunction(m_environment, of(m, extra));
}

bool fork_context::possible(const packaging::marker& m, std::string_view extra) {
  return within(m, extra) != marker_algebra::never();
}

void fork_context::split_on(std::span<const packaging::requirement* const> group, std::string_view extra) {
  if (m_split) return;
  struct side {
    marker_id environment;
    std::vector<fork_literal> literals;
  };
  std::vector<side> sides{{m_environment, {}}};
  for (const packaging::requirement* req : group) {
    if (!req->marker) continue;
    const marker_id m = of(*req->marker, extra);
    std::vector<side> next;
    for (auto& s : sides) {
      const marker_id in = m_algebra.conjunction(s.environment, m);
      if (in == marker_algebra::never() || in == s.environment) {
        next.push_back(std::move(s));
        continue;
      }
      side yes{in, s.literals};
      yes.literals.push_back({&*req->marker, std::string(extra), true});
      side no{m_algebra.conjunction(s.environment, m_algebra.negation(m)), std::move(s.literals)};
      no.literals.push_back({&*req->marker, std::string(extra), false});
      next.push_back(std::move(yes));
      next.push_back(std::move(no));
    }
    sides = std::move(next);
  }
  if (sides.size() < 2) return;
  fork_split out;
  out.reserve(sides.size());
  for (auto& s : sides) out.push_back(std::move(s.literals));
  m_split = std::move(out);
}

void fork_context::split_at_python(const packaging::version& lowest) {
  if (m_split || !(m_lowest_python < lowest)) return;
  auto parsed = packaging::marker::parse("python_full_version >= '" + lowest.to_string() + "'");
  if (!parsed) return;
  auto bound = std::make_shared<const packaging::marker>(std::move(*parsed));
  const marker_id upper = m_algebra.conjunction(m_environment, of(*bound, ""));
  if (upper == marker_algebra::never() || upper == m_environment) return;
  m_split = fork_split{{{bound.get(), "", false, bound}}, {{bound.get(), "", true, bound}}};
}

std::optional<packaging::version> python_lower_bound(const packaging::specifier_set& spec) {
  using packaging::spec_op;
  std::optional<packaging::version> out;
  for (const packaging::specifier& s : spec.specifiers()) {
    const spec_op op = s.op();
    if (op != spec_op::greater_equal && op != spec_op::greater && op != spec_op::compatible &&
        op != spec_op::equal)
      continue;
    if (!out || *out < s.operand()) out = s.operand();
  }
  return out;
}

}  // namespace pyresolve::resolver::detail
