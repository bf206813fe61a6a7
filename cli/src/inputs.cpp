#include "pyresolve/cli/inputs.hpp"

#include <toml++/toml.h>
#include <filesystem>
#include <iterator>
#include <set>

#include "pyresolve/packaging/name.hpp"

namespace pyresolve::cli {
namespace {

error located(std::string message, const std::string& file, std::uint32_t line = 0,
              std::uint32_t column = 0) {
  return error{errc::invalid_requirements_file, std::move(message), file, line, column};
}

result<void> check_no_url(const packaging::requirement& req, const std::string& file, std::uint32_t line) {
  if (req.url.empty()) return {};
  return unexpected(located("'" + std::string(req.name) + " @ " + std::string(req.url) +
                                "': direct URL requirements are not supported " +
                                "(pyresolve resolves from indexes); require a released version instead",
                            file, line));
}

bool is_pyproject(const std::string& path) {
  return std::filesystem::path(path).filename() == "pyproject.toml";
}

result<packaging::requirements_file> parse_source(const std::string& path, std::istream& stdin_stream) {
  if (path == "-") {
    const std::string text{std::istreambuf_iterator<char>(stdin_stream), std::istreambuf_iterator<char>()};
    return packaging::parse_requirements_text(text, "-", std::filesystem::current_path());
  }
  return packaging::parse_requirements_file(path);
}

// Bare paths, URLs and editables name no project until built, and a `name @ url` would need
// that file's metadata rather than the index's: both are out of scope, and resolving such a
// name from the index instead would silently pin something else.
result<void> check_named(const packaging::requirements_entry& entry) {
  if (!entry.requirement || entry.editable) {
    return unexpected(located("'" + entry.target +
                                  "' needs a build to know its name and dependencies, which " +
                                  "pyresolve does not do; require a released version from the index instead",
                              entry.origin.file, entry.origin.line));
  }
  return check_no_url(*entry.requirement, entry.origin.file, entry.origin.line);
}

void merge_index(packaging::index_options& into, const packaging::index_options& from) {
  if (from.index_url) into.index_url = from.index_url;
  into.extra_index_urls.insert(into.extra_index_urls.end(), from.extra_index_urls.begin(),
                               from.extra_index_urls.end());
  into.no_index = into.no_index || from.no_index;
  into.pre = into.pre || from.pre;
  into.ignored.insert(into.ignored.end(), from.ignored.begin(), from.ignored.end());
  into.find_links.insert(into.find_links.end(), from.find_links.begin(), from.find_links.end());
}

// Constraint and override files: every named entry, whether read as a requirement or as a
// nested constraint.
result<void> read_plain(const std::string& path, std::istream& stdin_stream,
                        std::vector<packaging::requirement>& out, user_input& input) {
  auto file = parse_source(path, stdin_stream);
  if (!file) return unexpected(std::move(file).error());
  for (auto& entry : file->entries) {
    if (auto named = check_named(entry); !named) return named;
    out.push_back(std::move(*entry.requirement));
  }
  merge_index(input.index, file->options);
  return {};
}

result<std::string> read_text(const std::string& path) {
  auto text = packaging::read_file_contents(path);
  if (!text) {
    auto failure = std::move(text).error();
    if (failure.source.empty()) failure.source = path;
    return unexpected(std::move(failure));
  }
  return text;
}

}  // namespace

result<std::vector<user_requirement>> read_pyproject(const std::string& text, const std::string& path,
                                                     const std::vector<std::string>& extras,
                                                     bool all_extras) {
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return unexpected(
        located(std::string(e.description()), path, e.source().begin.line, e.source().begin.column));
  }
  const auto* project = doc["project"].as_table();
  if (project == nullptr) return unexpected(located("no [project] table", path));
  const std::string name = (*project)["name"].value_or(std::string("project"));
  const std::string label = name + " (" + path + ")";

  std::vector<user_requirement> out;
  auto read_array = [&](const toml::array& array, const std::string& where) -> result<void> {
    for (const auto& item : array) {
      const auto* value = item.as_string();
      const auto line = item.source().begin.line;
      if (value == nullptr) return unexpected(located(where + ": expected a string", path, line));
      auto req = packaging::requirement::parse(value->get());
      if (!req) {
        return unexpected(
            located(where + ": " + req.error().message, path, line, item.source().begin.column));
      }
      if (auto usable = check_no_url(*req, path, line); !usable) return usable;
      out.push_back(user_requirement{std::move(*req), label});
    }
    return {};
  };
  if (const auto* deps = (*project)["dependencies"].as_array()) {
    if (auto ok = read_array(*deps, "[project] dependencies"); !ok) return unexpected(std::move(ok).error());
  }
  const auto* optional = (*project)["optional-dependencies"].as_table();
  std::set<std::string> wanted;
  for (const auto& extra : extras) wanted.insert(packaging::normalize_name(extra));
  std::set<std::string> found;
  if (optional != nullptr) {
    for (const auto& [key, value] : *optional) {
      const std::string group = packaging::normalize_name(key.str());
      if (!all_extras && wanted.count(group) == 0) continue;
      found.insert(group);
      const auto* array = value.as_array();
      const std::string where = "[project.optional-dependencies] " + std::string(key.str());
      if (array == nullptr)
        return unexpected(located(where + ": expected an array", path, value.source().begin.line));
      if (auto ok = read_array(*array, where); !ok) return unexpected(std::move(ok).error());
    }
  }
  for (const auto& extra : wanted) {
    if (found.count(extra) == 0) {
      return unexpected(
          located("extra '" + extra + "' is not defined in [project.optional-dependencies]", path));
    }
  }
  return out;
}

result<user_input> read_inputs(const options& opt, std::istream& stdin_stream) {
  user_input input;
  bool any_pyproject = false;
  for (const auto& source : opt.sources) {
    if (is_pyproject(source)) {
      any_pyproject = true;
      auto text = read_text(source);
      if (!text) return unexpected(std::move(text).error());
      auto reqs = read_pyproject(*text, source, opt.extras, opt.all_extras);
      if (!reqs) return unexpected(std::move(reqs).error());
      std::move(reqs->begin(), reqs->end(), std::back_inserter(input.requirements));
      continue;
    }
    auto file = parse_source(source, stdin_stream);
    if (!file) return unexpected(std::move(file).error());
    for (auto& entry : file->entries) {
      if (auto named = check_named(entry); !named) return unexpected(std::move(named).error());
      if (entry.constraint) {
        input.constraints.push_back(std::move(*entry.requirement));
      } else {
        input.requirements.push_back(
            user_requirement{std::move(*entry.requirement), "-r " + entry.origin.file});
      }
    }
    merge_index(input.index, file->options);
  }
  if ((!opt.extras.empty() || opt.all_extras) && !any_pyproject) {
    return fail(errc::invalid_argument, "--extra and --all-extras need a pyproject.toml source");
  }
  for (const auto& path : opt.constraints) {
    if (auto ok = read_plain(path, stdin_stream, input.constraints, input); !ok)
      return unexpected(std::move(ok).error());
  }
  for (const auto& path : opt.overrides) {
    if (auto ok = read_plain(path, stdin_stream, input.overrides, input); !ok)
      return unexpected(std::move(ok).error());
  }
  input.ignored = input.index.ignored;
  return input;
}

}  // namespace pyresolve::cli
