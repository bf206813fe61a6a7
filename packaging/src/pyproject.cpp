#include "pyresolve/packaging/pyproject.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <optional>

#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

error located(std::string message, const std::string& file, std::uint32_t line = 0,
              std::uint32_t column = 0) {
  return error{errc::invalid_requirements_file, std::move(message), file, line, column};
}

pyproject_position position_of(const toml::node& node) {
  return {node.source().begin.line, node.source().begin.column};
}

const char* type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// What toml++ 3.3 cannot be given safely, found by one pass over the text:
// - Dotted keys and table headers (`a.b.c = 1`, `[a.b.c]`) nest tables as deep as they have
//   dots, and toml++ builds and destroys that tree recursively (it bounds only arrays and
//   inline tables, at 256): a few megabytes of `.a` overflow the stack. Each level needs a dot
//   outside strings and comments, so counting those bounds the depth; real files have tens.
// - Its check for non-ASCII whitespace reaches __builtin_unreachable for most code points
//   below U+049A (undefined behaviour). It is asked where whitespace may be: outside strings
//   and comments (where a non-ASCII character is a syntax error anyway), and after a
//   line-ending backslash in a multi-line basic string.
constexpr std::size_t max_toml_key_dots = 4096;

struct toml_hazard {
  std::string message;
  std::size_t offset = 0;
};

std::optional<toml_hazard> find_toml_hazard(std::string_view text) {
  std::size_t dots = 0;
  std::size_t i = 0;
  const auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  const auto non_ascii = [](char c) { return (static_cast<unsigned char>(c) & 0x80U) != 0; };
  std::optional<toml_hazard> found;
  const auto skip_past = [&](std::string_view end, bool escapes, bool multi_line) {
    while (i < text.size()) {
      if (escapes && text[i] == '\\') {
        std::size_t j = i + 1;
        if (multi_line && j < text.size() && is_blank(text[j])) {
          while (j < text.size() && is_blank(text[j])) ++j;
          if (j < text.size() && non_ascii(text[j])) {
            found =
                toml_hazard{"a non-ASCII character right after a line-ending backslash is not supported", j};
            return;
          }
          i = j;
        } else {
          i += 2;
        }
      } else if (text.substr(i, end.size()) == end) {
        i += end.size();
        // A multi-line string's content may end in one or two of its quote characters: the
        // last three quotes of the run close it.
        for (int extra = 0; end.size() == 3 && extra < 2 && i < text.size() && text[i] == end[0]; ++extra)
          ++i;
        return;
      } else {
        ++i;
      }
    }
  };
  while (i < text.size() && !found) {
    const char c = text[i];
    if (c == '#') {
      skip_past("\n", false, false);
    } else if (c == '"' || c == '\'') {
      // A string starts a key (at a line's start, or after `[` or `.`) or a value (after `=`,
      // `[`, `,` or `{`); a quote glued to anything else (`5"`) is not one to toml++, which
      // then reads on where this scan would skip a string.
      std::size_t before = i;
      while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
      if (before > 0 && std::string_view("\n\r=[,{.").find(text[before - 1]) == std::string_view::npos) {
        found = toml_hazard{"a quote right after a value or key is not valid TOML", i};
        break;
      }
      // A string ends at its own quotes; only basic ("...") strings have escapes. A string
      // toml++ would reject stops its parse there, before anything this scan skips.
      const std::string quotes(text.substr(i, 3) == std::string(3, c) ? 3 : 1, c);
      i += quotes.size();
      skip_past(quotes, c == '"', quotes.size() == 3);
    } else if (non_ascii(c)) {
      found = toml_hazard{"unexpected non-ASCII character outside a string", i};
    } else {
      if (c == '.' && ++dots > max_toml_key_dots) {
        found = toml_hazard{"more than " + std::to_string(max_toml_key_dots) +
                                " dots in keys and headers: tables nested too deep",
                            i};
      }
      ++i;
    }
  }
  return found;
}

}  // namespace

std::optional<pyproject_position> pyproject_project::dynamic_field(std::string_view field) const {
  for (const auto& [listed, at] : dynamic) {
    if (listed == field) return at;
  }
  return std::nullopt;
}

namespace {

unexpected<error> wrong_type(const std::string& path, const std::string& key, const toml::node& node,
                             const char* expected) {
  return unexpected(located(key + ": expected " + expected + ", found " + type_name(node.type()), path,
                            node.source().begin.line, node.source().begin.column));
}

/// The document, refused before toml++ reads it where that would be unsafe.
result<toml::table> parse_document(std::string_view text, const std::string& path) {
  if (auto hazard = find_toml_hazard(text)) {
    const std::string_view before = text.substr(0, hazard->offset);
    const auto line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
    const std::size_t line_start = before.rfind('\n');
    const auto column = static_cast<std::uint32_t>(
        hazard->offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
    return unexpected(located(std::move(hazard->message), path, line, column));
  }
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return unexpected(
        located(excerpt(std::string(e.description())), path, e.source().begin.line, e.source().begin.column));
  }
}

}  // namespace

result<pyproject_build_system> parse_build_system(std::string_view text, const std::string& path) {
  auto doc = parse_document(text, path);
  if (!doc) return unexpected(std::move(doc).error());
  pyproject_build_system out;
  const toml::node* node = doc->get("build-system");
  if (node == nullptr) return out;
  const auto* table = node->as_table();
  if (table == nullptr) return wrong_type(path, "build-system", *node, "a table");
  out.present = true;
  if (const toml::node* required = table->get("requires")) {
    const auto* array = required->as_array();
    if (array == nullptr)
      return wrong_type(path, "[build-system] requires", *required, "an array of strings");
    out.has_requires = true;
    for (const auto& item : *array) {
      const auto* value = item.as_string();
      if (value == nullptr) return wrong_type(path, "[build-system] requires item", item, "a string");
      auto req = requirement::parse(value->get());
      if (!req) {
        return unexpected(located("[build-system] requires: " + req.error().message, path,
                                  item.source().begin.line, item.source().begin.column));
      }
      out.requirements.push_back(std::move(*req));
    }
  }
  if (const toml::node* backend = table->get("build-backend")) {
    if (!backend->is_string()) return wrong_type(path, "[build-system] build-backend", *backend, "a string");
    out.backend = backend->as_string()->get();
  }
  if (const toml::node* paths = table->get("backend-path")) {
    const auto* array = paths->as_array();
    if (array == nullptr)
      return wrong_type(path, "[build-system] backend-path", *paths, "an array of strings");
    for (const auto& item : *array) {
      const auto* value = item.as_string();
      if (value == nullptr) return wrong_type(path, "[build-system] backend-path item", item, "a string");
      out.backend_path.push_back(value->get());
    }
  }
  return out;
}

result<pyproject_project> parse_pyproject(std::string_view text, const std::string& path) {
  auto document = parse_document(text, path);
  if (!document) return unexpected(std::move(document).error());
  toml::table& doc = *document;
  pyproject_project out;
  out.has_build_system = doc.get("build-system") != nullptr;
  if (const toml::node* groups_node = doc.get("dependency-groups")) {
    const auto* groups = groups_node->as_table();
    if (groups == nullptr) return wrong_type(path, "dependency-groups", *groups_node, "a table");
    for (const auto& [key, value] : *groups) {
      const std::string where = "[dependency-groups] " + excerpt(key.str());
      const auto* array = value.as_array();
      if (array == nullptr) return wrong_type(path, where, value, "an array");
      pyproject_dependency_group group{std::string(key.str()), {}};
      for (const auto& item : *array) {
        pyproject_dependency_group::entry entry;
        entry.at = position_of(item);
        if (const auto* written = item.as_string()) {
          auto req = requirement::parse(written->get());
          if (!req) {
            return unexpected(
                located(where + ": " + req.error().message, path, entry.at.line, entry.at.column));
          }
          entry.requirement = pyproject_requirement{std::move(*req), entry.at};
        } else if (const auto* table = item.as_table()) {
          const toml::node* include = table->get("include-group");
          if (include == nullptr || !include->is_string() || table->size() != 1)
            return wrong_type(path, where + " item", item, "a string or {include-group = \"name\"}");
          entry.include = include->as_string()->get();
        } else {
          return wrong_type(path, where + " item", item, "a string or {include-group = \"name\"}");
        }
        group.entries.push_back(std::move(entry));
      }
      out.dependency_groups.push_back(std::move(group));
    }
  }
  const toml::node* project_node = doc.get("project");
  if (project_node == nullptr) return out;
  const auto* project = project_node->as_table();
  if (project == nullptr) return wrong_type(path, "project", *project_node, "a table");
  out.has_project = true;

  if (const toml::node* node = project->get("name")) {
    if (!node->is_string()) return wrong_type(path, "[project] name", *node, "a string");
    out.name = node->as_string()->get();
  }
  if (const toml::node* node = project->get("version")) {
    if (!node->is_string()) return wrong_type(path, "[project] version", *node, "a string");
    auto parsed = version::parse(node->as_string()->get());
    if (!parsed) {
      return unexpected(located("[project] version: " + parsed.error().message, path, position_of(*node).line,
                                position_of(*node).column));
    }
    out.version = std::move(*parsed);
  }
  if (const toml::node* node = project->get("requires-python")) {
    if (!node->is_string()) return wrong_type(path, "[project] requires-python", *node, "a string");
    out.requires_python_text = node->as_string()->get();
    out.requires_python_at = position_of(*node);
    auto spec = specifier_set::parse(out.requires_python_text);
    if (!spec) {
      return unexpected(located("[project] requires-python: " + spec.error().message, path,
                                out.requires_python_at.line, out.requires_python_at.column));
    }
    out.requires_python = std::move(*spec);
  }
  if (const toml::node* node = project->get("dynamic")) {
    const auto* dynamic = node->as_array();
    if (dynamic == nullptr) return wrong_type(path, "[project] dynamic", *node, "an array of strings");
    for (const auto& item : *dynamic) {
      const auto* field = item.as_string();
      if (field == nullptr) return wrong_type(path, "[project] dynamic item", item, "a string");
      out.dynamic.emplace_back(field->get(), position_of(item));
    }
  }
  auto read_array = [&](const toml::array& array, const std::string& where,
                        std::vector<pyproject_requirement>& into) -> result<void> {
    for (const auto& item : array) {
      const auto* value = item.as_string();
      if (value == nullptr) return wrong_type(path, where + " item", item, "a string");
      auto req = requirement::parse(value->get());
      if (!req) {
        return unexpected(located(where + ": " + req.error().message, path, item.source().begin.line,
                                  item.source().begin.column));
      }
      into.push_back(pyproject_requirement{std::move(*req), position_of(item)});
    }
    return {};
  };
  if (const toml::node* node = project->get("dependencies")) {
    const auto* deps = node->as_array();
    if (deps == nullptr) return wrong_type(path, "[project] dependencies", *node, "an array of strings");
    if (auto ok = read_array(*deps, "[project] dependencies", out.dependencies); !ok)
      return unexpected(std::move(ok).error());
  }
  if (const toml::node* node = project->get("optional-dependencies")) {
    const auto* optional = node->as_table();
    if (optional == nullptr) return wrong_type(path, "[project] optional-dependencies", *node, "a table");
    for (const auto& [key, value] : *optional) {
      const std::string where = "[project.optional-dependencies] " + excerpt(key.str());
      const auto* array = value.as_array();
      if (array == nullptr) return wrong_type(path, where, value, "an array of strings");
      pyproject_extra extra{std::string(key.str()), {}};
      if (auto ok = read_array(*array, where, extra.requirements); !ok)
        return unexpected(std::move(ok).error());
      out.optional_dependencies.push_back(std::move(extra));
    }
  }
  return out;
}

}  // namespace pyresolve::packaging
