#include "pyresolve/packaging/metadata.hpp"

#include <charconv>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::packaging {
namespace {

constexpr char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (is_blank(text.front()) || text.front() == '\r' || text.front() == '\n'))
    text.remove_prefix(1);
  while (!text.empty() && (is_blank(text.back()) || text.back() == '\r' || text.back() == '\n'))
    text.remove_suffix(1);
  return text;
}

// One header after unfolding: continuation lines are joined with a single space.
struct field {
  std::string name;
  std::string value;
  std::uint32_t line = 0;
};

error make_error(std::string_view source, std::uint32_t line, std::string message) {
  return error{errc::invalid_metadata, std::move(message), std::string(source), line, 0};
}

result<std::vector<field>> split_fields(std::string_view text, std::string_view source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<field> fields;
  std::uint32_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the body (the long description) follows
    // A line of only blanks is a (empty) continuation for Python's email parser, not the end.
    if (is_blank(line.front())) {
      if (fields.empty()) {
        return unexpected<error>{make_error(source, line_number, "continuation line before any field")};
      }
      const std::string_view more = trim(line);
      if (more.empty()) continue;
      if (!fields.back().value.empty()) fields.back().value += ' ';
      fields.back().value += more;
      continue;
    }
    const std::size_t colon = line.find(':');
    const std::string_view name =
        colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    bool valid_name = !name.empty();
    for (char c : name) {
      // RFC 5322 field names are printable ASCII except the colon; spaces are not allowed.
      if (c <= ' ' || c > '~') valid_name = false;
    }
    if (!valid_name) {
      return unexpected<error>{make_error(
          source, line_number, "expected 'Field: value', found '" + std::string(line.substr(0, 80)) + "'")};
    }
    fields.push_back(field{std::string(name), std::string(trim(line.substr(colon + 1))), line_number});
  }
  return fields;
}

// `X.Y` as a pair of numbers; nullopt when it is not that shape.
std::optional<std::pair<unsigned, unsigned>> parse_metadata_version(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  unsigned major = 0;
  unsigned minor = 0;
  const auto [end1, ec1] = std::from_chars(text.data(), text.data() + dot, major);
  const auto [end2, ec2] = std::from_chars(text.data() + dot + 1, text.data() + text.size(), minor);
  if (ec1 != std::errc{} || end1 != text.data() + dot || ec2 != std::errc{} ||
      end2 != text.data() + text.size()) {
    return std::nullopt;
  }
  return std::pair{major, minor};
}

}  // namespace

result<core_metadata> core_metadata::parse(std::string_view text, std::string_view source,
                                           std::pmr::memory_resource* memory) {
  auto fields = split_fields(text, source);
  if (!fields) return unexpected<error>{std::move(fields).error()};

  core_metadata out(memory);
  bool seen_metadata_version = false;
  bool seen_name = false;
  bool seen_version = false;
  bool seen_requires_python = false;
  const auto invalid = [&](const field& f, const error& why) {
    return unexpected<error>{make_error(
        source, f.line, "invalid " + excerpt(f.name) + " '" + excerpt(f.value) + "': " + why.message)};
  };

  for (const field& f : *fields) {
    if (iequals(f.name, "Metadata-Version")) {
      if (seen_metadata_version) continue;
      seen_metadata_version = true;
      if (!parse_metadata_version(f.value)) {
        return invalid(f, error{errc::invalid_metadata, "expected a version such as 2.1", {}, 0, 0});
      }
      out.metadata_version = f.value;
    } else if (iequals(f.name, "Name")) {
      if (seen_name) continue;
      seen_name = true;
      auto name = parse_name(f.value);
      if (!name) return invalid(f, name.error());
      out.name = f.value;
    } else if (iequals(f.name, "Version")) {
      if (seen_version) continue;
      seen_version = true;
      auto parsed = packaging::version::parse(f.value, memory);
      if (!parsed) return invalid(f, parsed.error());
      out.version = std::move(*parsed);
    } else if (iequals(f.name, "Requires-Dist")) {
      auto parsed = requirement::parse(f.value, memory);
      if (!parsed) return invalid(f, parsed.error());
      out.requires_dist.push_back(std::move(*parsed));
    } else if (iequals(f.name, "Requires-Python")) {
      if (seen_requires_python) continue;
      seen_requires_python = true;
      auto parsed = specifier_set::parse(f.value, memory);
      if (!parsed) return invalid(f, parsed.error());
      out.requires_python = std::move(*parsed);
    } else if (iequals(f.name, "Provides-Extra")) {
      if (f.value.empty()) return invalid(f, error{errc::invalid_metadata, "empty extra name", {}, 0, 0});
      out.provides_extra.emplace_back(f.value);
    } else if (iequals(f.name, "Dynamic")) {
      out.dynamic.emplace_back(f.value);
    }
  }
  if (!seen_name) return unexpected<error>{make_error(source, 0, "missing required field 'Name'")};
  if (!seen_version) return unexpected<error>{make_error(source, 0, "missing required field 'Version'")};
  return out;
}

std::string core_metadata::normalized_name() const { return normalize_name(name); }

bool core_metadata::requires_dist_is_dynamic() const {
  const auto v = parse_metadata_version(metadata_version);
  if (!v || *v < std::pair{2U, 2U}) return true;
  for (const auto& d : dynamic) {
    if (iequals(d, "Requires-Dist")) return true;
  }
  return false;
}

}  // namespace pyresolve::packaging
