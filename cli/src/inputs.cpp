#include "pyresolve/cli/inputs.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <optional>
#include <set>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/specifier.hpp"

namespace pyresolve::cli {
namespace {

error located(std::string message, const std::string& file, std::uint32_t line = 0,
              std::uint32_t column = 0) {
  return error{errc::invalid_requirements_file, std::move(message), file, line, column};
}

result<void> check_no_url(const packaging::requirement& req, const std::string& file, std::uint32_t line) {
  if (req.url.empty()) return {};
  return unexpected(located("'" + packaging::excerpt(std::string(req.name) + " @ " + std::string(req.url)) +
                                "': direct URL requirements are not supported " +
                                "(pyresolve resolves from indexes); require a released version instead",
                            file, line));
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

bool is_pyproject(const std::string& path) {
  return std::filesystem::path(path).filename() == "pyproject.toml";
}

// Standard input may be a pipe that never ends (`yes | resolve -`): read up to the limit that
// files have.
result<std::string> read_stdin(std::istream& stdin_stream) {
  std::string text;
  std::array<char, 65536> chunk{};
  while (stdin_stream.read(chunk.data(), chunk.size()) || stdin_stream.gcount() > 0) {
    text.append(chunk.data(), static_cast<std::size_t>(stdin_stream.gcount()));
    if (text.size() > packaging::max_input_file_bytes) {
      return unexpected(error{
          errc::io_error,
          "standard input is larger than " + std::to_string(packaging::max_input_file_bytes >> 20U) + " MiB",
          "-", 0, 0});
    }
  }
  return text;
}

result<packaging::requirements_file> parse_source(const std::string& path, std::istream& stdin_stream) {
  if (path == "-") {
    auto text = read_stdin(stdin_stream);
    if (!text) return unexpected(std::move(text).error());
    return packaging::parse_requirements_text(*text, "-", std::filesystem::current_path());
  }
  return packaging::parse_requirements_file(path);
}

// Bare paths, URLs and editables name no project until built, and a `name @ url` would need
// that file's metadata rather than the index's: both are out of scope, and resolving such a
// name from the index instead would silently pin something else.
result<void> check_named(const packaging::requirements_entry& entry) {
  if (!entry.requirement || entry.editable) {
    return unexpected(located("'" + packaging::excerpt(entry.target) +
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
                                                     const std::vector<std::string>& extras, bool all_extras,
                                                     std::optional<std::string>* requires_python) {
  if (auto hazard = find_toml_hazard(text)) {
    const std::string_view before = std::string_view(text).substr(0, hazard->offset);
    const auto line = static_cast<std::uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
    const std::size_t line_start = before.rfind('\n');
    const auto column = static_cast<std::uint32_t>(
        hazard->offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
    return unexpected(located(std::move(hazard->message), path, line, column));
  }
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return unexpected(located(packaging::excerpt(std::string(e.description())), path, e.source().begin.line,
                              e.source().begin.column));
  }
  // A key of the wrong type is an error naming it: read as absent, it would resolve a
  // project with fewer requirements than it declares, and exit 0.
  const auto wrong_type = [&path](const std::string& key, const toml::node& node, const char* expected) {
    return unexpected(located(key + ": expected " + expected + ", found " + type_name(node.type()), path,
                              node.source().begin.line, node.source().begin.column));
  };
  const toml::node* project_node = doc.get("project");
  if (project_node == nullptr) return unexpected(located("no [project] table", path));
  const auto* project = project_node->as_table();
  if (project == nullptr) return wrong_type("project", *project_node, "a table");

  std::string name = "project";
  if (const toml::node* node = project->get("name")) {
    if (!node->is_string()) return wrong_type("[project] name", *node, "a string");
    name = node->as_string()->get();
  }
  if (const toml::node* node = project->get("requires-python"); node != nullptr) {
    if (!node->is_string()) return wrong_type("[project] requires-python", *node, "a string");
    const std::string& declared = node->as_string()->get();
    if (auto spec = packaging::specifier_set::parse(declared); !spec) {
      return unexpected(located("[project] requires-python: " + spec.error().message, path,
                                node->source().begin.line, node->source().begin.column));
    }
    if (requires_python != nullptr) *requires_python = declared;
  }
  const bool wants_extras = all_extras || !extras.empty();
  if (const toml::node* node = project->get("dynamic")) {
    const auto* dynamic = node->as_array();
    if (dynamic == nullptr) return wrong_type("[project] dynamic", *node, "an array of strings");
    for (const auto& item : *dynamic) {
      const auto* field = item.as_string();
      if (field == nullptr) return wrong_type("[project] dynamic item", item, "a string");
      // What a build backend would compute is not in the file; resolving without it would
      // leave requirements out. (Dynamic optional dependencies matter only when asked for.)
      if (field->get() == "dependencies" || (field->get() == "optional-dependencies" && wants_extras)) {
        return unexpected(located("[project] dynamic lists '" + field->get() +
                                      "': a build backend would be needed to know them, which pyresolve "
                                      "does not run; list them statically in [project] instead",
                                  path, item.source().begin.line, item.source().begin.column));
      }
    }
  }
  const std::string label = packaging::excerpt(name) + " (" + path + ")";

  std::vector<user_requirement> out;
  auto read_array = [&](const toml::array& array, const std::string& where) -> result<void> {
    for (const auto& item : array) {
      const auto* value = item.as_string();
      if (value == nullptr) return wrong_type(where + " item", item, "a string");
      const auto line = item.source().begin.line;
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
  if (const toml::node* node = project->get("dependencies")) {
    const auto* deps = node->as_array();
    if (deps == nullptr) return wrong_type("[project] dependencies", *node, "an array of strings");
    if (auto ok = read_array(*deps, "[project] dependencies"); !ok) return unexpected(std::move(ok).error());
  }
  const toml::table* optional = nullptr;
  if (const toml::node* node = project->get("optional-dependencies")) {
    optional = node->as_table();
    if (optional == nullptr) return wrong_type("[project] optional-dependencies", *node, "a table");
  }
  std::set<std::string> wanted;
  for (const auto& extra : extras) wanted.insert(packaging::normalize_name(extra));
  std::set<std::string> found;
  if (optional != nullptr) {
    for (const auto& [key, value] : *optional) {
      const std::string where = "[project.optional-dependencies] " + packaging::excerpt(key.str());
      // Every group is checked, asked for or not: a malformed file is reported the same way
      // whatever the flags.
      const auto* array = value.as_array();
      if (array == nullptr) return wrong_type(where, value, "an array of strings");
      for (const auto& item : *array) {
        if (!item.is_string()) return wrong_type(where + " item", item, "a string");
      }
      const std::string group = packaging::normalize_name(key.str());
      if (!all_extras && wanted.count(group) == 0) continue;
      found.insert(group);
      if (auto ok = read_array(*array, where); !ok) return unexpected(std::move(ok).error());
    }
  }
  for (const auto& extra : wanted) {
    if (found.count(extra) == 0) {
      return unexpected(located(
          "extra '" + packaging::excerpt(extra) + "' is not defined in [project.optional-dependencies]",
          path));
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
      auto reqs = read_pyproject(*text, source, opt.extras, opt.all_extras, &input.requires_python);
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
