#include "pyresolve/packaging/requirement.hpp"

#include <algorithm>
#include <optional>

#include "detail/marker_tree.hpp"
#include "detail/pep508_tokenizer.hpp"
#include "detail/url_check.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::packaging {
namespace {

using detail::tok;
using detail::tokenizer;

struct parsed_requirement {
  std::string_view name;
  std::vector<std::string_view> extras;
  std::string specifier;
  std::string_view url;
  std::size_t url_position = 0;
  std::optional<marker::node> marker_root;
};

// `_parse_extras_list`: extras_list = identifier (wsp* ',' wsp* identifier)*
std::vector<std::string_view> parse_extras_list(tokenizer& t) {
  std::vector<std::string_view> extras;
  if (!t.check(tok::identifier)) return extras;
  extras.push_back(t.read().text);
  for (;;) {
    t.consume(tok::ws);
    if (t.check(tok::identifier, true)) {
      t.raise_syntax_error("Expected comma between extra names");
      return extras;
    }
    if (!t.check(tok::comma)) break;
    t.read();
    t.consume(tok::ws);
    auto extra = t.expect(tok::identifier, "extra name after comma");
    if (!extra) return extras;
    extras.push_back(extra->text);
  }
  return extras;
}

// `_parse_extras`: extras = (LEFT_BRACKET wsp* extras_list? wsp* RIGHT_BRACKET)?
std::vector<std::string_view> parse_extras(tokenizer& t) {
  if (!t.check(tok::left_bracket)) return {};
  const std::size_t open_position = t.position();
  t.read();
  t.consume(tok::ws);
  auto extras = parse_extras_list(t);
  if (t.failed()) return extras;
  t.consume(tok::ws);
  if (!t.check(tok::right_bracket)) {
    t.raise_syntax_error("Expected closing RIGHT_BRACKET", open_position);
    return extras;
  }
  t.read();
  return extras;
}

// `_parse_version_many`: version_many = (SPECIFIER (WS? COMMA WS? SPECIFIER)*)?
std::string parse_version_many(tokenizer& t) {
  std::string specifiers;
  while (t.check(tok::specifier)) {
    specifiers += t.read().text;
    t.consume(tok::ws);
    if (!t.check(tok::comma)) break;
    specifiers += t.read().text;
    t.consume(tok::ws);
  }
  return specifiers;
}

// `_parse_specifier`: LEFT_PARENTHESIS WS? version_many WS? RIGHT_PARENTHESIS | WS? version_many WS?
std::string parse_specifier(tokenizer& t) {
  std::optional<std::size_t> open_position;
  if (t.check(tok::left_parenthesis)) {
    open_position = t.position();
    t.read();
  }
  t.consume(tok::ws);
  std::string specifiers = parse_version_many(t);
  t.consume(tok::ws);
  if (open_position) {
    if (!t.check(tok::right_parenthesis)) {
      t.raise_syntax_error("Expected closing RIGHT_PARENTHESIS", *open_position);
      return specifiers;
    }
    t.read();
  }
  return specifiers;
}

// `_parse_requirement_marker`: requirement_marker = SEMICOLON marker WS?
std::optional<marker::node> parse_requirement_marker(tokenizer& t, std::size_t span_start,
                                                     std::string_view after) {
  if (!t.check(tok::semicolon)) {
    t.raise_syntax_error("Expected end or semicolon (after " + std::string(after) + ")", span_start);
    return std::nullopt;
  }
  t.read();
  marker::node root = detail::parse_marker_list(t);
  if (t.failed()) return std::nullopt;
  t.consume(tok::ws);
  return root;
}

// `_parse_requirement_details`:
//   AT URL (WS requirement_marker?)? | specifier WS? (requirement_marker)?
void parse_requirement_details(tokenizer& t, parsed_requirement& out) {
  if (t.check(tok::at)) {
    t.read();
    t.consume(tok::ws);
    const std::size_t url_start = t.position();
    auto url = t.expect(tok::url, "URL after @");
    if (!url) return;
    out.url = url->text;
    out.url_position = url_start;
    if (t.check(tok::end, true)) return;
    if (!t.expect(tok::ws, "whitespace after URL")) return;
    // The input might end after whitespace.
    if (t.check(tok::end, true)) return;
    out.marker_root = parse_requirement_marker(t, url_start, "URL and whitespace");
    return;
  }
  const std::size_t specifier_start = t.position();
  out.specifier = parse_specifier(t);
  if (t.failed()) return;
  t.consume(tok::ws);
  if (t.check(tok::end, true)) return;
  out.marker_root = parse_requirement_marker(
      t, specifier_start,
      out.specifier.empty() ? "name and no valid version specifier" : "version specifier");
}

// `_parse_requirement`: requirement = WS? IDENTIFIER WS? extras WS? requirement_details
bool parse_requirement(tokenizer& t, parsed_requirement& out) {
  t.consume(tok::ws);
  auto name = t.expect(tok::identifier, "package name at the start of dependency specifier");
  if (!name) return false;
  out.name = name->text;
  t.consume(tok::ws);
  out.extras = parse_extras(t);
  if (t.failed()) return false;
  t.consume(tok::ws);
  parse_requirement_details(t, out);
  if (t.failed()) return false;
  return t.expect(tok::end, "end of dependency specifier").has_value();
}

}  // namespace

result<requirement> requirement::parse(std::string_view text, std::pmr::memory_resource* memory) {
  tokenizer t(text);
  parsed_requirement parsed;
  if (!parse_requirement(t, parsed)) {
    const auto& e = *t.error();
    return fail(errc::invalid_requirement, detail::format_syntax_error(e, text),
                static_cast<std::uint32_t>(e.span_end + 1));
  }
  requirement out(memory);
  out.name.assign(parsed.name);
  if (!parsed.url.empty()) {
    if (auto message = detail::check_requirement_url(parsed.url)) {
      return fail(errc::invalid_requirement, std::move(*message),
                  static_cast<std::uint32_t>(parsed.url_position + 1));
    }
    out.url.assign(parsed.url);
  }
  for (std::string_view extra : parsed.extras) {
    if (std::find(out.extras.begin(), out.extras.end(), extra) == out.extras.end())
      out.extras.emplace_back(extra);
  }
  auto specifiers = specifier_set::parse(parsed.specifier, memory);
  if (!specifiers) {
    // `Requirement()` lets `InvalidSpecifier` escape here (e.g. `name===1,2`).
    error e = std::move(specifiers).error();
    return fail(errc::invalid_requirement, std::move(e.message));
  }
  out.specifiers = std::move(*specifiers);
  if (parsed.marker_root) {
    detail::normalize_extra_values(*parsed.marker_root);
    out.marker = detail::marker_access::make(std::move(*parsed.marker_root));
  }
  return out;
}

std::string requirement::normalized_name() const { return normalize_name(name); }

std::string requirement::to_string() const {
  std::string out(name);
  if (!extras.empty()) {
    std::vector<std::string_view> sorted(extras.begin(), extras.end());
    std::sort(sorted.begin(), sorted.end());
    out += '[';
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      if (i > 0) out += ',';
      out += sorted[i];
    }
    out += ']';
  }
  out += specifiers.to_string();
  if (!url.empty()) {
    out += "@ ";
    out += url;
    if (marker) out += ' ';
  }
  if (marker) {
    out += "; ";
    out += marker->to_string();
  }
  return out;
}

}  // namespace pyresolve::packaging
