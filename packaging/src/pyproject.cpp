#include "pyresolve/packaging/pyproject.hpp"

#include <optional>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/toml.hpp"

namespace pyresolve::packaging {
namespace {

error located(std::string message, const std::string& file, std::uint32_t line = 0,
              std::uint32_t column = 0) {
  return error{errc::invalid_requirements_file, std::move(message), file, line, column};
}

pyproject_position position_of(const toml_value& node) { return {node.line(), node.column()}; }

}  // namespace

std::optional<pyproject_position> pyproject_project::dynamic_field(std::string_view field) const {
  for (const auto& [listed, at] : dynamic) {
    if (listed == field) return at;
  }
  return std::nullopt;
}

namespace {

unexpected<error> wrong_type(const std::string& path, const std::string& key, const toml_value& node,
                             const char* expected) {
  return unexpected(located(key + ": expected " + expected + ", found " + toml_kind_name(node.kind()), path,
                            node.line(), node.column()));
}

/// The document, or where it stops being TOML.
result<toml_value> parse_document(std::string_view text, const std::string& path) {
  auto doc = parse_toml(text);
  if (!doc) {
    const error& e = doc.error();
    return unexpected(located(e.message, path, e.line, e.column));
  }
  return doc;
}

}  // namespace

result<pyproject_build_system> parse_build_system(std::string_view text, const std::string& path) {
  auto doc = parse_document(text, path);
  if (!doc) return unexpected(std::move(doc).error());
  pyproject_build_system out;
  const toml_value* node = doc->find("build-system");
  if (node == nullptr) return out;
  if (!node->is_table()) return wrong_type(path, "build-system", *node, "a table");
  const toml_value* table = node;
  out.present = true;
  if (const toml_value* required = table->find("requires")) {
    if (!required->is_array())
      return wrong_type(path, "[build-system] requires", *required, "an array of strings");
    const toml_value* array = required;
    out.has_requires = true;
    for (const auto& item : array->items()) {
      if (!item.is_string()) return wrong_type(path, "[build-system] requires item", item, "a string");
      const toml_value* value = &item;
      auto req = requirement::parse(value->text());
      if (!req) {
        return unexpected(
            located("[build-system] requires: " + req.error().message, path, item.line(), item.column()));
      }
      out.requirements.push_back(std::move(*req));
    }
  }
  if (const toml_value* backend = table->find("build-backend")) {
    if (!backend->is_string()) return wrong_type(path, "[build-system] build-backend", *backend, "a string");
    out.backend = backend->text();
  }
  if (const toml_value* paths = table->find("backend-path")) {
    if (!paths->is_array())
      return wrong_type(path, "[build-system] backend-path", *paths, "an array of strings");
    const toml_value* array = paths;
    for (const auto& item : array->items()) {
      if (!item.is_string()) return wrong_type(path, "[build-system] backend-path item", item, "a string");
      const toml_value* value = &item;
      out.backend_path.push_back(value->text());
    }
  }
  return out;
}

result<pyproject_project> parse_pyproject(std::string_view text, const std::string& path) {
  auto document = parse_document(text, path);
  if (!document) return unexpected(std::move(document).error());
  const toml_value& doc = *document;
  pyproject_project out;
  out.has_build_system = doc.find("build-system") != nullptr;
  if (const toml_value* groups_node = doc.find("dependency-groups")) {
    if (!groups_node->is_table()) return wrong_type(path, "dependency-groups", *groups_node, "a table");
    const toml_value* groups = groups_node;
    for (const auto& [key, value] : groups->entries()) {
      const std::string where = "[dependency-groups] " + excerpt(key);
      if (!value.is_array()) return wrong_type(path, where, value, "an array");
      const toml_value* array = &value;
      pyproject_dependency_group group{std::string(key), {}};
      for (const auto& item : array->items()) {
        pyproject_dependency_group::entry entry;
        entry.at = position_of(item);
        if (const auto* written = (item.is_string() ? &item : nullptr)) {
          auto req = requirement::parse(written->text());
          if (!req) {
            return unexpected(
                located(where + ": " + req.error().message, path, entry.at.line, entry.at.column));
          }
          entry.requirement = pyproject_requirement{std::move(*req), entry.at};
        } else if (const auto* table = (item.is_table() ? &item : nullptr)) {
          const toml_value* include = table->find("include-group");
          if (include == nullptr || !include->is_string() || table->entries().size() != 1)
            return wrong_type(path, where + " item", item, "a string or {include-group = \"name\"}");
          entry.include = include->text();
        } else {
          return wrong_type(path, where + " item", item, "a string or {include-group = \"name\"}");
        }
        group.entries.push_back(std::move(entry));
      }
      out.dependency_groups.push_back(std::move(group));
    }
  }
  const toml_value* project_node = doc.find("project");
  if (project_node == nullptr) return out;
  if (!project_node->is_table()) return wrong_type(path, "project", *project_node, "a table");
  const toml_value* project = project_node;
  out.has_project = true;

  if (const toml_value* node = project->find("name")) {
    if (!node->is_string()) return wrong_type(path, "[project] name", *node, "a string");
    out.name = node->text();
  }
  if (const toml_value* node = project->find("version")) {
    if (!node->is_string()) return wrong_type(path, "[project] version", *node, "a string");
    auto parsed = version::parse(node->text());
    if (!parsed) {
      return unexpected(located("[project] version: " + parsed.error().message, path, position_of(*node).line,
                                position_of(*node).column));
    }
    out.version = std::move(*parsed);
  }
  if (const toml_value* node = project->find("requires-python")) {
    if (!node->is_string()) return wrong_type(path, "[project] requires-python", *node, "a string");
    out.requires_python_text = node->text();
    out.requires_python_at = position_of(*node);
    auto spec = specifier_set::parse(out.requires_python_text);
    if (!spec) {
      return unexpected(located("[project] requires-python: " + spec.error().message, path,
                                out.requires_python_at.line, out.requires_python_at.column));
    }
    out.requires_python = std::move(*spec);
  }
  if (const toml_value* node = project->find("dynamic")) {
    if (!node->is_array()) return wrong_type(path, "[project] dynamic", *node, "an array of strings");
    const toml_value* dynamic = node;
    for (const auto& item : dynamic->items()) {
      if (!item.is_string()) return wrong_type(path, "[project] dynamic item", item, "a string");
      const toml_value* field = &item;
      out.dynamic.emplace_back(field->text(), position_of(item));
    }
  }
  auto read_array = [&](const toml_value& array, const std::string& where,
                        std::vector<pyproject_requirement>& into) -> result<void> {
    for (const auto& item : array.items()) {
      if (!item.is_string()) return wrong_type(path, where + " item", item, "a string");
      const toml_value* value = &item;
      auto req = requirement::parse(value->text());
      if (!req) {
        return unexpected(located(where + ": " + req.error().message, path, item.line(), item.column()));
      }
      into.push_back(pyproject_requirement{std::move(*req), position_of(item)});
    }
    return {};
  };
  if (const toml_value* node = project->find("dependencies")) {
    if (!node->is_array()) return wrong_type(path, "[project] dependencies", *node, "an array of strings");
    const toml_value* deps = node;
    if (auto ok = read_array(*deps, "[project] dependencies", out.dependencies); !ok)
      return unexpected(std::move(ok).error());
  }
  if (const toml_value* node = project->find("optional-dependencies")) {
    if (!node->is_table()) return wrong_type(path, "[project] optional-dependencies", *node, "a table");
    const toml_value* optional = node;
    for (const auto& [key, value] : optional->entries()) {
      const std::string where = "[project.optional-dependencies] " + excerpt(key);
      if (!value.is_array()) return wrong_type(path, where, value, "an array of strings");
      const toml_value* array = &value;
      pyproject_extra extra{std::string(key), {}};
      if (auto ok = read_array(*array, where, extra.requirements); !ok)
        return unexpected(std::move(ok).error());
      out.optional_dependencies.push_back(std::move(extra));
    }
  }
  return out;
}

}  // namespace pyresolve::packaging
