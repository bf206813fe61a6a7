#include "pyresolve/packaging/specifier.hpp"

#include <algorithm>
#include <array>

#include <boost/container/small_vector.hpp>

#include "detail/version_impl.hpp"
#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

constexpr char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_release_only(std::string_view s) noexcept {
  // `v?([0-9]+!)?[0-9]+(\.[0-9]+)*`, case-insensitive `v`.
  std::size_t i = 0;
  if (i < s.size() && lower(s[i]) == 'v') ++i;
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i == start) return false;
  if (i < s.size() && s[i] == '!') {
    ++i;
    const std::size_t rs = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == rs) return false;
  }
  while (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    const std::size_t seg = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == seg) return false;
  }
  return true;
}

// Split items of a version: inline up to 12 (every real version), so that matching a
// requires-python such as `==3.*` against each file's text allocates nothing.
using split_items = boost::container::small_vector<std::string_view, 12>;

// `packaging.specifiers._version_split`: split on '.', and split `<digits><a|b|c|rc><digits>`
// items in two.
void version_split(std::string_view s, split_items& out) {
  out.clear();
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    const std::string_view item = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
    std::size_t i = 0;
    while (i < item.size() && is_digit(item[i])) ++i;
    bool split = false;
    if (i > 0 && i < item.size()) {
      std::size_t j = i;
      if (item.substr(j, 2) == "rc") {
        j += 2;
      } else if (item[j] == 'a' || item[j] == 'b' || item[j] == 'c') {
        j += 1;
      } else {
        j = 0;
      }
      if (j != 0 && j < item.size() &&
          std::all_of(item.begin() + static_cast<std::ptrdiff_t>(j), item.end(), is_digit)) {
        out.push_back(item.substr(0, i));
        out.push_back(item.substr(i));
        split = true;
      }
    }
    if (!split) out.push_back(item);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

bool is_all_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
}

// `canonicalize_version(text, strip_trailing_zero)`: texts that are not versions stay as they are.
std::string canonicalize_text(std::string_view text, bool strip_trailing_zero) {
  auto parsed = version::parse(text);
  if (!parsed) return std::string(text);
  std::string out;
  detail::append_canonical(*parsed, out, strip_trailing_zero, true);
  return out;
}

// `Specifier._compare_equal` with a `.*` prefix: `spec_canonical` is
// `canonicalize_version(prefix, strip_trailing_zero=False)`. Emulated on the same strings as
// packaging does, so that its quirks with epochs carry over exactly.
bool prefix_match(const version& prospective, std::string_view spec_canonical) {
  std::string pc;
  detail::append_canonical(prospective, pc, true, false);
  split_items p;
  split_items s;
  version_split(pc, p);
  version_split(spec_canonical, s);
  std::size_t p_num = 0;
  while (p_num < p.size() && is_all_digits(p[p_num])) ++p_num;
  std::size_t s_num = 0;
  while (s_num < s.size() && is_all_digits(s[s_num])) ++s_num;
  const std::size_t pad = s_num > p_num ? s_num - p_num : 0;
  // padded = p[0:p_num] + ["0"] * pad + p[p_num:], compared on its first s.size() items.
  if (p.size() + pad < s.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string_view item;
    if (i < p_num) {
      item = p[i];
    } else if (i < p_num + pad) {
      item = "0";
    } else {
      item = p[i - pad];
    }
    if (item != s[i]) return false;
  }
  return true;
}

bool starts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

bool same_base(const version& a, const version& b) noexcept {
  const detail::key_view x = detail::version_access::view(a);
  const detail::key_view y = detail::version_access::view(b);
  if (x.epoch != y.epoch) return false;
  const std::size_t n = std::max(x.release_size, y.release_size);
  for (std::size_t i = 0; i < n; ++i) {
    if (x.release_at(i) != y.release_at(i)) return false;
  }
  return true;
}

// `Version(v.public) <=> spec` without building the public version (no allocation).
int compare_public(const version& v, const version& spec) noexcept {
  if (!v.has_local()) {
    const auto c = v <=> spec;
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  detail::key_view k = detail::version_access::view(v);
  k.local_size = 0;
  return detail::compare_views(k, detail::version_access::view(spec));
}

/// Builds the failures of one parse; with `messages` off they carry only code and column.
struct spec_failure {
  std::string_view text;
  bool messages = true;

  [[nodiscard]] unexpected<error> operator()(std::size_t at, std::string_view what,
                                             std::string_view more = {}) const {
    const auto column = static_cast<std::uint32_t>(at + 1);
    if (!messages) return fail(errc::invalid_specifier, std::string(), column);
    std::string message = "invalid specifier '";
    message.append(excerpt(text))
        .append("': ")
        .append(what)
        .append(more)
        .append(" at column ")
        .append(std::to_string(column));
    return fail(errc::invalid_specifier, std::move(message), column);
  }
};

}  // namespace

namespace detail {
// The `.*` prefix `~=` compares against: `_version_split` of the operand as written, up to the
// first suffix item, without its last item.
std::string compatible_prefix(std::string_view text) {
  split_items items;
  version_split(text, items);
  std::size_t n = 0;
  while (n < items.size()) {
    const std::string_view item = items[n];
    if (starts_with(item, "dev") || starts_with(item, "a") || starts_with(item, "b") ||
        starts_with(item, "rc") || starts_with(item, "post")) {
      break;
    }
    ++n;
  }
  std::string prefix;
  for (std::size_t i = 0; i + 1 < n; ++i) {
    if (i != 0) prefix += '.';
    prefix += items[i];
  }
  return prefix;
}

}  // namespace detail

const char* to_string(spec_op op) noexcept {
  switch (op) {
    case spec_op::compatible:
      return "~=";
    case spec_op::equal:
      return "==";
    case spec_op::not_equal:
      return "!=";
    case spec_op::less_equal:
      return "<=";
    case spec_op::greater_equal:
      return ">=";
    case spec_op::less:
      return "<";
    case spec_op::greater:
      return ">";
    case spec_op::arbitrary_equal:
      return "===";
  }
  return "?";
}

result<specifier> specifier::parse(std::string_view text, std::pmr::memory_resource* memory) {
  return detail::parse_specifier(text, memory, true);
}

result<specifier> detail::parse_specifier(std::string_view text, std::pmr::memory_resource* memory,
                                          bool messages) {
  const spec_failure spec_error{text, messages};
  const std::string_view content = detail::strip(text);
  const std::size_t base = static_cast<std::size_t>(content.data() - text.data());
  if (content.empty()) return spec_error(base, "expected an operator (~=, ==, !=, <=, >=, <, >, ===)");
  specifier out(memory);
  std::size_t op_len = 0;
  static constexpr std::array<std::pair<std::string_view, spec_op>, 8> ops{{{"===", spec_op::arbitrary_equal},
                                                                            {"~=", spec_op::compatible},
                                                                            {"==", spec_op::equal},
                                                                            {"!=", spec_op::not_equal},
                                                                            {"<=", spec_op::less_equal},
                                                                            {">=", spec_op::greater_equal},
                                                                            {"<", spec_op::less},
                                                                            {">", spec_op::greater}}};
  for (const auto& [word, op] : ops) {
    if (starts_with(content, word)) {
      out.m_op = op;
      op_len = word.size();
      break;
    }
  }
  if (op_len == 0) return spec_error(base, "expected an operator (~=, ==, !=, <=, >=, <, >, ===)");
  // The operand: whitespace after the operator is allowed, and `content` has none at its end.
  std::string_view operand = content.substr(op_len);
  std::size_t operand_at = base + op_len;
  {
    const std::string_view stripped = detail::strip(operand);
    operand_at += static_cast<std::size_t>(stripped.data() - operand.data());
    operand = stripped;
  }
  out.m_text.assign(operand);

  if (out.m_op == spec_op::arbitrary_equal) {
    // `[^\s;)]*`: anything up to whitespace, ';' or ')'.
    for (std::size_t i = 0; i < operand.size(); ++i) {
      if (operand[i] == ';' || operand[i] == ')' || detail::space_length(operand, i) != 0) {
        return spec_error(operand_at + i, "expected the end of the arbitrary (===) version");
      }
    }
    auto parsed = version::parse(operand, memory);
    if (parsed) out.m_version = std::move(*parsed);
    return out;
  }
  if (operand.empty()) return spec_error(operand_at, "expected a version after the operator");

  const bool equality = out.m_op == spec_op::equal || out.m_op == spec_op::not_equal;
  if (operand.size() >= 2 && operand.substr(operand.size() - 2) == ".*") {
    if (!equality) {
      return spec_error(operand_at + operand.size() - 2,
                        "a '.*' wildcard is only allowed with == and !=, not ",
                        packaging::to_string(out.m_op));
    }
    const std::string_view prefix = operand.substr(0, operand.size() - 2);
    if (!is_release_only(prefix)) {
      return spec_error(operand_at, "expected only an epoch and release numbers before the '.*' wildcard");
    }
    auto parsed = version::parse(prefix, memory);
    if (!parsed)
      return spec_error(operand_at + parsed.error().column - 1, "number too large (at most 2^64-1)");
    out.m_version = std::move(*parsed);
    out.m_wildcard = true;
    return out;
  }
  // Quietly, an operand that is no version fails before its message is built.
  if (!messages && !detail::is_version(operand)) return spec_error(operand_at, "not a version");
  auto parsed = version::parse(operand, memory);
  if (!parsed) {
    std::string what = parsed.error().message;
    what = what.substr(what.find("': ") + 3);
    what = what.substr(0, what.rfind(" at column "));
    return spec_error(operand_at + parsed.error().column - 1, what);
  }
  if (parsed->has_local() && !equality) {
    return spec_error(operand_at + operand.find('+'),
                      "a local version label is only allowed with == and !=, not ",
                      packaging::to_string(out.m_op));
  }
  if (out.m_op == spec_op::compatible) {
    // `~=` needs at least two release segments (so `~=1` is invalid).
    if (parsed->release_size() < 2) {
      return spec_error(operand_at, "~= needs a version with at least two release numbers (like ~=1.0)");
    }
  }
  out.m_version = std::move(*parsed);
  return out;
}

bool specifier::implies_prereleases() const noexcept {
  switch (m_op) {
    case spec_op::equal:
      return !m_wildcard && m_version.is_prerelease();
    case spec_op::greater_equal:
    case spec_op::less_equal:
    case spec_op::compatible:
      return m_version.is_prerelease();
    case spec_op::arbitrary_equal:
      // packaging raises here when the operand is no version; we answer false.
      return version::parse(m_text).has_value() && m_version.is_prerelease();
    default:
      return false;
  }
}

bool specifier::contains(const version& v, std::optional<bool> prereleases) const {
  const bool allow = prereleases.has_value() ? *prereleases : implies_prereleases();
  if (v.is_prerelease() && !allow) return false;
  switch (m_op) {
    case spec_op::compatible: {
      if (compare_public(v, m_version) < 0) return false;
      const std::string prefix = detail::compatible_prefix(m_text);
      return prefix_match(v, canonicalize_text(prefix, false));
    }
    case spec_op::equal:
    case spec_op::not_equal: {
      bool equal = false;
      if (m_wildcard) {
        std::string spec_canonical;
        detail::append_canonical(m_version, spec_canonical, false, false);
        equal = prefix_match(v, spec_canonical);
      } else if (m_version.has_local()) {
        equal = v == m_version;
      } else {
        equal = compare_public(v, m_version) == 0;
      }
      return (m_op == spec_op::equal) == equal;
    }
    case spec_op::less_equal:
      return compare_public(v, m_version) <= 0;
    case spec_op::greater_equal:
      return compare_public(v, m_version) >= 0;
    case spec_op::less:
      if (!(v < m_version)) return false;
      return !(!m_version.is_prerelease() && v.is_prerelease() && same_base(v, m_version));
    case spec_op::greater:
      if (!(v > m_version)) return false;
      if (!m_version.is_postrelease() && v.is_postrelease() && same_base(v, m_version)) return false;
      return !(v.has_local() && same_base(v, m_version));
    case spec_op::arbitrary_equal: {
      const std::string s = v.to_string();
      if (s.size() != m_text.size()) return false;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (lower(s[i]) != lower(m_text[i])) return false;
      }
      return true;
    }
  }
  return false;
}

result<specifier> specifier::from_parts(spec_op op, bool wildcard, version operand,
                                        std::string_view operand_text, std::pmr::memory_resource* memory) {
  if (op > spec_op::arbitrary_equal) return fail(errc::invalid_specifier, "unknown specifier operator");
  if (wildcard && op != spec_op::equal && op != spec_op::not_equal)
    return fail(errc::invalid_specifier, "a '.*' wildcard is only allowed with == and !=");
  if (operand_text.empty() && op != spec_op::arbitrary_equal)
    return fail(errc::invalid_specifier, "expected a version after the operator");
  specifier out(memory);
  out.m_op = op;
  out.m_wildcard = wildcard;
  out.m_version = std::move(operand);
  out.m_text.assign(operand_text);
  return out;
}

std::string specifier::to_string() const { return std::string(packaging::to_string(m_op)).append(m_text); }

namespace {
// `Specifier._canonical_spec`, the identity of a clause inside a SpecifierSet.
std::string canonical_spec(const specifier& s) {
  std::string out = to_string(s.op());
  out += canonicalize_text(s.operand_text(), s.op() != spec_op::compatible);
  return out;
}
}  // namespace

result<specifier_set> specifier_set::parse(std::string_view text, std::pmr::memory_resource* memory) {
  std::pmr::vector<specifier> specs(memory);
  std::pmr::vector<std::pmr::string> seen(memory);
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (!detail::strip(item).empty()) {
      auto spec = specifier::parse(item, memory);
      if (!spec) {
        error e = std::move(spec).error();
        if (e.column != 0) {
          const std::uint32_t column = e.column + static_cast<std::uint32_t>(start);
          e.message =
              e.message.substr(0, e.message.rfind(" at column ")) + " at column " + std::to_string(column);
          e.column = column;
        }
        return unexpected<error>{std::move(e)};
      }
      // A set: clauses equal to an earlier one (`==1.0` and `==1.0.0`) are dropped.
      const std::string key = canonical_spec(*spec);
      if (std::find(seen.begin(), seen.end(), std::string_view(key)) == seen.end()) {
        seen.emplace_back(key);
        specs.push_back(std::move(*spec));
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return specifier_set(std::move(specs));
}

bool specifier_set::implies_prereleases() const noexcept {
  return std::any_of(m_specs.begin(), m_specs.end(),
                     [](const specifier& s) { return s.implies_prereleases(); });
}

bool specifier_set::contains(const version& v, std::optional<bool> prereleases) const {
  const bool allow = prereleases.has_value() ? *prereleases : implies_prereleases();
  if (!allow && v.is_prerelease()) return false;
  return std::all_of(m_specs.begin(), m_specs.end(),
                     [&](const specifier& s) { return s.contains(v, allow); });
}

std::string specifier_set::to_string() const {
  std::vector<std::string> parts;
  parts.reserve(m_specs.size());
  for (const specifier& s : m_specs) parts.push_back(s.to_string());
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i != 0) out += ',';
    out += parts[i];
  }
  return out;
}

bool specifier_set::admits_python_from(const version& lowest) const {
  return std::all_of(m_specs.begin(), m_specs.end(), [&](const specifier& s) {
    switch (s.op()) {
      case spec_op::less:
      case spec_op::less_equal:
      case spec_op::not_equal:
        return true;
      case spec_op::compatible:
        return !(lowest < s.operand());
      case spec_op::equal:
        if (s.has_wildcard()) return !(lowest < s.operand());
        return s.contains(lowest, true);
      default:
        return s.contains(lowest, true);
    }
  });
}

}  // namespace pyresolve::packaging
