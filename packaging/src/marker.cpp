#include "pyresolve/packaging/marker.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "detail/marker_tree.hpp"
#include "detail/pep508_tokenizer.hpp"
#include "detail/py_text.hpp"
#include "detail/version_impl.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/packaging/version.hpp"
#include "pyresolve/support/memory.hpp"

namespace pyresolve::packaging {

const char* to_string(marker_var var) noexcept {
  switch (var) {
    case marker_var::implementation_name:
      return "implementation_name";
    case marker_var::implementation_version:
      return "implementation_version";
    case marker_var::os_name:
      return "os_name";
    case marker_var::platform_machine:
      return "platform_machine";
    case marker_var::platform_python_implementation:
      return "platform_python_implementation";
    case marker_var::platform_release:
      return "platform_release";
    case marker_var::platform_system:
      return "platform_system";
    case marker_var::platform_version:
      return "platform_version";
    case marker_var::python_full_version:
      return "python_full_version";
    case marker_var::python_version:
      return "python_version";
    case marker_var::sys_platform:
      return "sys_platform";
    case marker_var::extra:
      return "extra";
  }
  return "?";
}

namespace detail {
namespace {

std::optional<marker_var> variable_named(std::string_view name) noexcept {
  for (std::size_t i = 0; i < marker_var_count; ++i) {
    const auto var = static_cast<marker_var>(i);
    if (name == packaging::to_string(var)) return var;
  }
  return std::nullopt;
}

// `process_env_var`: dotted legacy spellings and `python_implementation` become the PEP 508 names.
marker_var variable_from_token(std::string_view text) noexcept {
  std::string name(text);
  std::replace(name.begin(), name.end(), '.', '_');
  if (name == "python_implementation") return marker_var::platform_python_implementation;
  // The tokenizer only produces known spellings.
  return variable_named(name).value_or(marker_var::extra);
}

// `_parse_marker_var`: marker_var = VARIABLE | QUOTED_STRING
std::optional<marker_operand> parse_marker_var(tokenizer& t) {
  if (t.check(tok::variable)) {
    return marker_operand{true, variable_from_token(t.read().text), {}};
  }
  if (t.check(tok::quoted_string)) {
    const token literal = t.read();
    literal_outcome value = eval_python_string(literal.text);
    if (!value.ok) {
      // `ast.literal_eval` raises SyntaxError here in `packaging`; we report it like a parse error.
      t.raise_syntax_error("Invalid string literal (" + value.reason + ")", literal.position,
                           literal.position + value.error_offset);
      return std::nullopt;
    }
    return marker_operand{false, marker_var::extra, std::move(value.value)};
  }
  t.raise_syntax_error("Expected a marker variable or quoted string");
  return std::nullopt;
}

// `_parse_marker_op`: marker_op = IN | NOT IN | OP
std::optional<marker_op> parse_marker_op(tokenizer& t) {
  if (t.check(tok::in)) {
    t.read();
    return marker_op::in;
  }
  if (t.check(tok::not_)) {
    t.read();
    if (!t.expect(tok::ws, "whitespace after 'not'")) return std::nullopt;
    if (!t.expect(tok::in, "'in' after 'not'")) return std::nullopt;
    return marker_op::not_in;
  }
  if (t.check(tok::op)) {
    const std::string_view op = t.read().text;
    if (op == "===") return marker_op::arbitrary_equal;
    if (op == "==") return marker_op::equal;
    if (op == "~=") return marker_op::compatible;
    if (op == "!=") return marker_op::not_equal;
    if (op == "<=") return marker_op::less_equal;
    if (op == ">=") return marker_op::greater_equal;
    if (op == "<") return marker_op::less;
    return marker_op::greater;
  }
  t.raise_syntax_error("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  return std::nullopt;
}

// `_parse_marker_item`: marker_item = WS? marker_var WS? marker_op WS? marker_var WS?
std::optional<marker_item> parse_marker_item(tokenizer& t) {
  t.consume(tok::ws);
  auto lhs = parse_marker_var(t);
  if (!lhs) return std::nullopt;
  t.consume(tok::ws);
  auto op = parse_marker_op(t);
  if (!op) return std::nullopt;
  t.consume(tok::ws);
  auto rhs = parse_marker_var(t);
  if (!rhs) return std::nullopt;
  t.consume(tok::ws);
  marker_item item;
  item.lhs = std::move(*lhs);
  item.op = *op;
  item.rhs = std::move(*rhs);
  return item;
}

// `_parse_marker_atom`:
//   marker_atom = WS? LEFT_PARENTHESIS WS? marker WS? RIGHT_PARENTHESIS WS? | WS? marker_item WS?
marker::node parse_marker_atom(tokenizer& t, std::pmr::memory_resource* memory) {
  marker::node atom{marker::node::allocator_type(memory)};
  t.consume(tok::ws);
  if (t.check(tok::left_parenthesis)) {
    const std::size_t open_position = t.position();
    if (!t.enter_group()) {
      t.raise_syntax_error("Marker nested deeper than " + std::to_string(max_marker_nesting) + " parentheses",
                           open_position);
      return atom;
    }
    t.read();
    t.consume(tok::ws);
    atom = parse_marker_list(t, memory);  // same resource: the lists move
    t.leave_group();
    if (t.failed()) return atom;
    t.consume(tok::ws);
    if (!t.check(tok::right_parenthesis)) {
      t.raise_syntax_error("Expected closing RIGHT_PARENTHESIS", open_position);
      return atom;
    }
    t.read();
  } else {
    auto item = parse_marker_item(t);
    if (!item) return atom;
    atom.is_list = false;
    atom.item = std::move(*item);
  }
  t.consume(tok::ws);
  return atom;
}

std::string python_repr(std::string_view whole) {
  const std::string s = excerpt(whole);
  const bool use_double = s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos;
  const char quote = use_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    if (c == '\\' || c == quote) {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

// Whether `op` has a plain string meaning (`_operators` of markers.py).
bool has_string_operator(marker_op op) noexcept {
  return op != marker_op::compatible && op != marker_op::arbitrary_equal;
}

bool compare_strings(std::string_view lhs, marker_op op, std::string_view rhs) noexcept {
  // Byte order of UTF-8 is code point order, which is how Python compares str.
  switch (op) {
    case marker_op::in:
      return rhs.find(lhs) != std::string_view::npos;
    case marker_op::not_in:
      return rhs.find(lhs) == std::string_view::npos;
    case marker_op::less:
      return lhs < rhs;
    case marker_op::less_equal:
      return lhs <= rhs;
    case marker_op::equal:
      return lhs == rhs;
    case marker_op::not_equal:
      return lhs != rhs;
    case marker_op::greater_equal:
      return lhs >= rhs;
    case marker_op::greater:
      return lhs > rhs;
    case marker_op::compatible:
    case marker_op::arbitrary_equal:
      break;
  }
  return false;
}

// `_eval_op`: PEP 440 when `op + rhs` is a specifier, else Python string comparison.
result<bool> eval_op(const std::string& lhs, marker_op op, const std::string& rhs) {
  if (op != marker_op::in && op != marker_op::not_in) {
    // Most operands of `==`/`!=` are no versions (`sys_platform == "linux"`): fail quietly.
    std::string text = to_string(op);
    text += rhs;
    auto spec = detail::parse_specifier(text, support::default_resource(), false);
    if (spec) {
      auto v = version::parse(lhs);
      if (!v) return fail(errc::invalid_marker, "Invalid version: '" + excerpt(lhs) + "'");
      return spec->contains(*v, true);
    }
  }
  if (!has_string_operator(op)) {
    return fail(errc::invalid_marker, std::string("Undefined <Op('") + to_string(op) + "')> on " +
                                          python_repr(lhs) + " and " + python_repr(rhs) + ".");
  }
  return compare_strings(lhs, op, rhs);
}

struct evaluation_context {
  const marker_environment* env;
  std::string_view extra;

  [[nodiscard]] std::string value_of(marker_var var) const {
    return var == marker_var::extra ? std::string(extra) : env->get(var);
  }
};

result<bool> evaluate_item(const marker_item& item, const evaluation_context& ctx) {
  if (item.prepared) {
    // `variable op "literal"`: the same steps as below, with the literal's side done once.
    std::string extra_value;
    std::string_view lhs_value;
    if (item.lhs.var == marker_var::extra) {
      extra_value = canonicalize_name(ctx.extra);
      lhs_value = extra_value;
    } else {
      lhs_value = ctx.env->get(item.lhs.var);
    }
    if (item.spec) {
      auto v = version::parse(lhs_value);
      if (!v) return fail(errc::invalid_marker, "Invalid version: '" + excerpt(lhs_value) + "'");
      return item.spec->contains(*v, true);
    }
    const std::string& literal = item.lhs.var == marker_var::extra ? item.extra_literal : item.rhs.value;
    if (!has_string_operator(item.op)) {
      return fail(errc::invalid_marker, std::string("Undefined <Op('") + to_string(item.op) + "')> on " +
                                            python_repr(lhs_value) + " and " + python_repr(literal) + ".");
    }
    return compare_strings(lhs_value, item.op, literal);
  }
  std::string lhs;
  std::string rhs;
  std::string_view key;
  if (item.lhs.is_variable) {
    key = packaging::to_string(item.lhs.var);
    lhs = ctx.value_of(item.lhs.var);
    rhs = item.rhs.is_variable ? std::string(packaging::to_string(item.rhs.var)) : item.rhs.value;
  } else {
    lhs = item.lhs.value;
    // Whatever the right side is, its text names the environment entry (a quirk of 23.0:
    // `"x" == "os_name"` reads the environment).
    if (item.rhs.is_variable) {
      key = packaging::to_string(item.rhs.var);
      rhs = ctx.value_of(item.rhs.var);
    } else {
      key = item.rhs.value;
      const auto var = variable_named(key);
      if (!var) return fail(errc::invalid_marker, "Undefined environment name: " + python_repr(key));
      rhs = ctx.value_of(*var);
    }
  }
  if (key == "extra") {
    lhs = canonicalize_name(lhs);
    rhs = canonicalize_name(rhs);
  }
  return eval_op(lhs, item.op, rhs);
}

result<bool> evaluate_node(const marker::node& n, const evaluation_context& ctx) {
  if (!n.is_list) return evaluate_item(n.item, ctx);
  // `and` binds tighter than `or`; every atom is evaluated in order, so the first failing one
  // decides the error even when the result would already be known.
  bool any_group = false;
  bool group = true;
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0 && n.joined_by_or[i - 1]) {
      any_group = any_group || group;
      group = true;
    }
    auto value = evaluate_node(n.children[i], ctx);
    if (!value) return value;
    group = group && *value;
  }
  return any_group || group;
}

std::string serialize(const marker_operand& operand) {
  if (operand.is_variable) return packaging::to_string(operand.var);
  return '"' + operand.value + '"';
}

// `_format_marker`.
std::string format_node(const marker::node& n, bool first) {
  if (!n.is_list) {
    return serialize(n.item.lhs) + ' ' + to_string(n.item.op) + ' ' + serialize(n.item.rhs);
  }
  if (n.children.size() == 1) return format_node(n.children.front(), true);
  std::string inner;
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0) inner += n.joined_by_or[i - 1] ? " or " : " and ";
    inner += format_node(n.children[i], false);
  }
  return first ? inner : '(' + inner + ')';
}

bool mentions_extra(const marker::node& n) noexcept {
  if (!n.is_list) {
    const auto is_extra = [](const marker_operand& o) { return o.is_variable && o.var == marker_var::extra; };
    const bool both_values = !n.item.lhs.is_variable && !n.item.rhs.is_variable;
    return is_extra(n.item.lhs) || is_extra(n.item.rhs) || (both_values && n.item.rhs.value == "extra");
  }
  return std::any_of(n.children.begin(), n.children.end(), mentions_extra);
}

// Whether `item` is evaluated with the `extra` key; then its value does not depend on `env`.
bool keyed_by_extra(const marker_item& item) noexcept {
  if (item.lhs.is_variable) return item.lhs.var == marker_var::extra;
  if (item.rhs.is_variable) return item.rhs.var == marker_var::extra;
  return item.rhs.value == "extra";
}

void collect_extra_literals(const marker::node& n, std::vector<std::string>& out) {
  if (n.is_list) {
    for (const auto& child : n.children) collect_extra_literals(child, out);
    return;
  }
  const marker_item& item = n.item;
  if (!keyed_by_extra(item)) return;
  if (item.lhs.is_variable) {
    out.push_back(
        canonicalize_name(item.rhs.is_variable ? packaging::to_string(item.rhs.var) : item.rhs.value));
  } else {
    out.push_back(canonicalize_name(item.lhs.value));
  }
}

enum class tri : std::uint8_t { no, yes, maybe };

// Kleene logic over the tree where only comparisons with `extra` are known.
tri evaluate_extra_only(const marker::node& n, const evaluation_context& ctx) {
  if (!n.is_list) {
    if (!keyed_by_extra(n.item)) return tri::maybe;
    auto value = evaluate_item(n.item, ctx);
    if (!value) return tri::maybe;
    return *value ? tri::yes : tri::no;
  }
  tri any_group = tri::no;
  tri group = tri::yes;
  const auto fold_or = [](tri a, tri b) {
    if (a == tri::yes || b == tri::yes) return tri::yes;
    return (a == tri::maybe || b == tri::maybe) ? tri::maybe : tri::no;
  };
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0 && n.joined_by_or[i - 1]) {
      any_group = fold_or(any_group, group);
      group = tri::yes;
    }
    const tri value = evaluate_extra_only(n.children[i], ctx);
    if (value == tri::no || group == tri::no) {
      group = tri::no;
    } else if (value == tri::maybe) {
      group = tri::maybe;
    }
  }
  return fold_or(any_group, group);
}

}  // namespace

const char* to_string(marker_op op) noexcept {
  switch (op) {
    case marker_op::less:
      return "<";
    case marker_op::less_equal:
      return "<=";
    case marker_op::equal:
      return "==";
    case marker_op::not_equal:
      return "!=";
    case marker_op::greater_equal:
      return ">=";
    case marker_op::greater:
      return ">";
    case marker_op::compatible:
      return "~=";
    case marker_op::arbitrary_equal:
      return "===";
    case marker_op::in:
      return "in";
    case marker_op::not_in:
      return "not in";
  }
  return "?";
}

// `_parse_marker`: marker = marker_atom (BOOLOP marker_atom)*
marker::node parse_marker_list(tokenizer& t, std::pmr::memory_resource* memory) {
  marker::node list{marker::node::allocator_type(memory)};
  list.children.push_back(parse_marker_atom(t, memory));
  if (t.failed()) return list;
  while (t.check(tok::boolop)) {
    list.joined_by_or.push_back(t.read().text == "or");
    list.children.push_back(parse_marker_atom(t, memory));
    if (t.failed()) return list;
  }
  return list;
}

void normalize_extra_values(marker::node& root) {
  if (!root.is_list || root.children.empty() || root.children.front().is_list) return;
  marker_item& item = root.children.front().item;
  const auto normalized_value = [](const marker_operand& o) {
    return marker_operand{false, marker_var::extra,
                          canonicalize_name(o.is_variable ? packaging::to_string(o.var) : o.value)};
  };
  if (item.lhs.is_variable && item.lhs.var == marker_var::extra) {
    item.rhs = normalized_value(item.rhs);
  } else if (item.rhs.is_variable && item.rhs.var == marker_var::extra) {
    item.lhs = normalized_value(item.lhs);
  }
}

// See marker_item::prepared. An `extra` literal is compared in canonical form, as
// evaluate_item does for `extra` on every call.
// The specifier is tried as eval_op tries it: quietly, since most literals are names.
void prepare_items(marker::node& n, std::pmr::memory_resource* memory) {
  if (n.is_list) {
    for (auto& child : n.children) prepare_items(child, memory);
    return;
  }
  prepare_item(n.item, memory);
}

void prepare_item(marker_item& item, std::pmr::memory_resource* memory) {
  if (!item.lhs.is_variable || item.rhs.is_variable) return;
  if (item.lhs.var == marker_var::extra) item.extra_literal = canonicalize_name(item.rhs.value);
  const std::string& literal = item.lhs.var == marker_var::extra ? item.extra_literal : item.rhs.value;
  if (item.op != marker_op::in && item.op != marker_op::not_in) {
    std::string text = to_string(item.op);
    text += literal;
    if (auto spec = detail::parse_specifier(text, memory, false)) item.spec = std::move(*spec);
  }
  item.prepared = true;
}

marker marker_access::make(marker::node root) {
  // The tree's block joins its lists in their resource.
  const std::pmr::polymorphic_allocator<marker::node> alloc(root.children.get_allocator().resource());
  return marker(std::allocate_shared<marker::node>(alloc, std::move(root)));
}

}  // namespace detail

result<marker> marker::parse(std::string_view text, std::pmr::memory_resource* memory) {
  detail::tokenizer t(text);
  node root = detail::parse_marker_list(t, memory);
  // Like `Marker()` of 23.0, text after a complete expression is not checked: only
  // requirements demand the end of input.
  if (t.failed()) {
    const auto& e = *t.error();
    return fail(errc::invalid_marker, detail::format_syntax_error(e, text),
                static_cast<std::uint32_t>(e.span_end + 1));
  }
  detail::normalize_extra_values(root);
  detail::prepare_items(root, memory);
  return detail::marker_access::make(std::move(root));
}

result<marker> marker_memo::parse(std::string_view text, std::pmr::memory_resource* memory) {
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_markers.find(text); it != m_markers.end()) return it->second;
  }
  auto parsed =
      marker::parse(text, memory);  // outside the lock: two threads may parse the same text once each
  if (!parsed) return parsed;
  std::lock_guard lock(m_mutex);
  return m_markers.try_emplace(std::pmr::string(text, m_markers.get_allocator()), std::move(*parsed))
      .first->second;
}

result<bool> marker::evaluate(const marker_environment& env, std::string_view extra) const {
  if (!m_root) return true;
  return detail::evaluate_node(*m_root, detail::evaluation_context{&env, extra});
}

std::string marker::to_string() const { return m_root ? detail::format_node(*m_root, true) : std::string(); }

bool marker::references_extra() const noexcept { return m_root && detail::mentions_extra(*m_root); }

bool marker::false_without_extra() const noexcept {
  if (!m_root || !detail::mentions_extra(*m_root)) return false;
  try {
    const marker_environment unused{};
    const detail::evaluation_context ctx{&unused, {}};
    return detail::evaluate_extra_only(*m_root, ctx) == detail::tri::no;
  } catch (...) {  // out of memory while comparing: not known to be false
    return false;
  }
}

std::vector<std::string> marker::extras() const {
  std::vector<std::string> candidates;
  if (!m_root) return candidates;
  detail::collect_extra_literals(*m_root, candidates);
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<std::string> out;
  const marker_environment unused{};
  for (auto& candidate : candidates) {
    if (candidate.empty()) continue;
    const detail::evaluation_context ctx{&unused, candidate};
    if (detail::evaluate_extra_only(*m_root, ctx) != detail::tri::no) out.push_back(std::move(candidate));
  }
  return out;
}

}  // namespace pyresolve::packaging
