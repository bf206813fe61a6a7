#include "pyresolve/cli/inputs.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <optional>
#include <set>
#include <system_error>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/pyproject.hpp"
#include "pyresolve/packaging/specifier.hpp"

namespace pyresolve::cli {
namespace {

error located(std::string message, const std::string& file, std::uint32_t line = 0,
              std::uint32_t column = 0) {
  return error{errc::invalid_requirements_file, std::move(message), file, line, column};
}

// A file as `# via` names it: relative to the working directory when it lies under it, as uv
// shows paths (`-r requirements.in` for `/work/requirements.in` run from `/work`).
std::string shown_path(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path given(path);
  if (!given.is_absolute()) return path;
  const auto cwd = std::filesystem::current_path(ec);
  if (ec) return path;
  const auto relative = given.lexically_normal().lexically_relative(cwd);
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.generic_string();
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

// Constraints and overrides narrow what the index offers: a path or URL there would need its
// metadata read, which only requirements do.
result<void> check_named(const packaging::requirements_entry& entry) {
  if (entry.requirement && !entry.editable && entry.requirement->url.empty()) return {};
  const std::string text =
      entry.requirement ? std::string(entry.requirement->name) + " @ " + std::string(entry.requirement->url)
                        : entry.target;
  return unexpected(
      located("'" + packaging::excerpt(text) +
                  "': a path or URL is not supported in a constraints or overrides file; give it "
                  "as a requirement",
              entry.origin.file, entry.origin.line));
}

/// The folder that relative paths of `file` are joined onto.
std::filesystem::path base_of(const std::string& file) {
  if (file == "-") return std::filesystem::current_path();
  return std::filesystem::absolute(std::filesystem::path(file)).parent_path();
}

/// Records the direct source of a requirements-file entry (`name @ url`, a bare path or URL,
/// `-e`): an unnamed one only there, a named one there and among the requirements.
result<void> read_direct(packaging::requirements_entry& entry, user_input& input) {
  const std::string origin = entry.origin.file + ":" + std::to_string(entry.origin.line);
  auto relocated = [&](error e) {
    return unexpected(located(std::move(e.message), entry.origin.file, entry.origin.line));
  };
  direct_input direct;
  direct.source = "-r " + shown_path(entry.origin.file);
  direct.origin = origin;
  if (entry.requirement && !entry.editable) {
    auto parsed = packaging::parse_direct_reference(entry.requirement->url, base_of(entry.origin.file));
    if (!parsed) return relocated(std::move(parsed).error());
    direct.reference = std::move(*parsed);
    direct.name = std::string(entry.requirement->name);
  } else {
    auto parsed =
        packaging::parse_unnamed_requirement(entry.target, base_of(entry.origin.file), entry.editable);
    if (!parsed) return relocated(std::move(parsed).error());
    direct.reference = std::move(parsed->reference);
    direct.extras = std::move(parsed->extras);
    direct.marker = std::move(parsed->marker);
  }
  for (const auto& hash : entry.hashes) {
    const std::size_t colon = hash.find(':');
    direct.reference.hashes.push_back(packaging::direct_hash{hash.substr(0, colon), hash.substr(colon + 1)});
  }
  input.directs.push_back(std::move(direct));
  return {};
}

void merge_index(packaging::index_options& into, const packaging::index_options& from) {
  if (from.index_url) into.index_url = from.index_url;
  into.extra_index_urls.insert(into.extra_index_urls.end(), from.extra_index_urls.begin(),
                               from.extra_index_urls.end());
  into.no_index = into.no_index || from.no_index;
  into.pre = into.pre || from.pre;
  into.ignored.insert(into.ignored.end(), from.ignored.begin(), from.ignored.end());
  into.find_links.insert(into.find_links.end(), from.find_links.begin(), from.find_links.end());
  into.only_binary.insert(into.only_binary.end(), from.only_binary.begin(), from.only_binary.end());
  into.no_binary.insert(into.no_binary.end(), from.no_binary.begin(), from.no_binary.end());
}

// Constraint and override files: every named entry, whether read as a requirement or as a
// nested constraint.
result<void> read_plain(const std::string& path, std::istream& stdin_stream,
                        std::vector<packaging::requirement>& out, std::vector<std::string>& sources,
                        const std::string& flag, user_input& input) {
  auto file = parse_source(path, stdin_stream);
  if (!file) return unexpected(std::move(file).error());
  for (auto& entry : file->entries) {
    if (auto named = check_named(entry); !named) return named;
    out.push_back(std::move(*entry.requirement));
    sources.push_back(flag + " " + shown_path(entry.origin.file));
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

namespace {

/// `req` with `marker` joined onto its own: the requirement of a self-referential extra
/// (`all = ["proj[cli] ; python_version >= '3.10'"]`) applies only where both hold.
result<packaging::requirement> under_marker(const packaging::requirement& req,
                                            const std::optional<packaging::marker>& marker) {
  if (!marker) return req;
  packaging::requirement bare = req;
  bare.marker.reset();
  std::string text = bare.to_string() + " ; (" + marker->to_string() + ")";
  if (req.marker) text += " and (" + req.marker->to_string() + ")";
  return packaging::requirement::parse(text);
}

/// The requirements of `[dependency-groups] name`, included groups expanded (a cycle is an
/// error naming it, as PEP 735 asks).
result<void> group_requirements(const packaging::pyproject_project& project, const std::string& name,
                                const std::string& path, std::vector<std::string>& chain,
                                std::vector<packaging::requirement>& out) {
  const auto* group = [&]() -> const packaging::pyproject_dependency_group* {
    for (const auto& g : project.dependency_groups) {
      if (packaging::normalize_name(g.name) == name) return &g;
    }
    return nullptr;
  }();
  if (group == nullptr) {
    return unexpected(
        located("group '" + packaging::excerpt(name) + "' is not defined in [dependency-groups]", path));
  }
  if (std::find(chain.begin(), chain.end(), name) != chain.end()) {
    std::string cycle;
    for (const auto& link : chain) cycle += link + " -> ";
    return unexpected(located("[dependency-groups] include a cycle: " + cycle + name, path));
  }
  chain.push_back(name);
  for (const auto& entry : group->entries) {
    if (entry.requirement) {
      out.push_back(entry.requirement->requirement);
    } else if (auto ok =
                   group_requirements(project, packaging::normalize_name(entry.include), path, chain, out);
               !ok) {
      return ok;
    }
  }
  chain.pop_back();
  return {};
}

}  // namespace

result<std::vector<user_requirement>> read_pyproject(const std::string& text, const std::string& path,
                                                     const std::vector<std::string>& extras, bool all_extras,
                                                     std::optional<std::string>* requires_python,
                                                     const std::vector<std::string>& groups,
                                                     bool groups_only) {
  auto project = packaging::parse_pyproject(text, path);
  if (!project) return unexpected(std::move(project).error());
  if (!project->has_project && groups.empty()) return unexpected(located("no [project] table", path));
  if (requires_python != nullptr && project->requires_python)
    *requires_python = project->requires_python_text;
  const bool wants_extras = all_extras || !extras.empty();
  // What a build backend would compute is not in the file; resolving without it would leave
  // requirements out. (Dynamic optional dependencies matter only when asked for.)
  for (const char* field : {"dependencies", "optional-dependencies"}) {
    const auto at = project->dynamic_field(field);
    if (!at || (std::string_view(field) == "optional-dependencies" && !wants_extras)) continue;
    return unexpected(located(std::string("[project] dynamic lists '") + field +
                                  "': a build backend would be needed to know them, which pyresolve "
                                  "does not run; list them statically in [project] instead",
                              path, at->line, at->column));
  }
  const std::string self = packaging::normalize_name(project->name.value_or(""));
  const std::string shown_name = packaging::excerpt(project->name.value_or("project"));
  const std::string label = shown_name + " (" + shown_path(path) + ")";
  std::vector<user_requirement> out;
  std::set<std::string> wanted;
  for (const auto& extra : extras) wanted.insert(packaging::normalize_name(extra));
  for (const auto& extra : wanted) {
    const bool defined =
        std::any_of(project->optional_dependencies.begin(), project->optional_dependencies.end(),
                    [&](const auto& g) { return packaging::normalize_name(g.name) == extra; });
    if (!defined) {
      return unexpected(located(
          "extra '" + packaging::excerpt(extra) + "' is not defined in [project.optional-dependencies]",
          path));
    }
  }
  if (all_extras) {
    for (const auto& group : project->optional_dependencies)
      wanted.insert(packaging::normalize_name(group.name));
  }
  // The project's own extras, asked for or named by a requirement on the project itself
  // (`all = ["proj[cli,test]"]`), expand in place, as uv expands them: each group once.
  std::set<std::string> expanded;
  std::vector<std::pair<packaging::requirement, std::optional<packaging::marker>>> pending;
  if (!groups_only) {
    for (auto& item : project->dependencies) pending.emplace_back(std::move(item.requirement), std::nullopt);
  }
  auto expand = [&](const std::string& extra, const std::optional<packaging::marker>& marker) {
    if (!expanded.insert(extra).second) return;
    for (const auto& group : project->optional_dependencies) {
      if (packaging::normalize_name(group.name) != extra) continue;
      for (const auto& item : group.requirements) pending.emplace_back(item.requirement, marker);
    }
  };
  for (const auto& extra : wanted) expand(extra, std::nullopt);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    auto req = under_marker(pending[i].first, pending[i].second);
    if (!req) return unexpected(located(req.error().message, path));
    if (!self.empty() && req->normalized_name() == self && req->url.empty()) {
      for (const auto& extra : req->extras) expand(packaging::normalize_name(extra), req->marker);
      continue;
    }
    out.push_back(user_requirement{std::move(*req), label});
  }
  for (const auto& name : groups) {
    std::vector<std::string> chain;
    std::vector<packaging::requirement> reqs;
    if (auto ok = group_requirements(*project, packaging::normalize_name(name), path, chain, reqs); !ok)
      return unexpected(std::move(ok).error());
    // A group's requirements name it, as in uv: `myproject (pyproject.toml:test)`.
    const std::string group_label = shown_name + " (" + shown_path(path) + ":" +
                                    packaging::excerpt(packaging::normalize_name(name)) + ")";
    for (auto& req : reqs) out.push_back(user_requirement{std::move(req), group_label});
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
      auto reqs = read_pyproject(*text, source, opt.extras, opt.all_extras, &input.requires_python,
                                 opt.groups, opt.groups_only);
      if (!reqs) return unexpected(std::move(reqs).error());
      for (const auto& req : *reqs) {
        if (req.requirement.url.empty()) continue;
        auto parsed = packaging::parse_direct_reference(req.requirement.url, base_of(source));
        if (!parsed) return unexpected(located(std::move(parsed).error().message, source));
        direct_input direct;
        direct.reference = std::move(*parsed);
        direct.name = std::string(req.requirement.name);
        direct.source = req.source;
        direct.origin = source;
        input.directs.push_back(std::move(direct));
      }
      std::move(reqs->begin(), reqs->end(), std::back_inserter(input.requirements));
      continue;
    }
    auto file = parse_source(source, stdin_stream);
    if (!file) return unexpected(std::move(file).error());
    for (auto& entry : file->entries) {
      const bool direct = !entry.requirement || entry.editable || !entry.requirement->url.empty();
      if (entry.constraint || !direct) {
        if (auto named = check_named(entry); !named) return unexpected(std::move(named).error());
      } else {
        if (auto ok = read_direct(entry, input); !ok) return unexpected(std::move(ok).error());
        if (!entry.requirement || entry.editable) continue;  // named once its metadata is read
      }
      if (entry.constraint) {
        input.constraints.push_back(std::move(*entry.requirement));
        input.constraint_sources.push_back("-c " + shown_path(entry.origin.file));
      } else {
        input.requirements.push_back(
            user_requirement{std::move(*entry.requirement), "-r " + shown_path(entry.origin.file)});
      }
    }
    // A folder of `--find-links` in a file is relative to that file, as its paths are.
    for (auto& location : file->options.find_links) {
      if (location.find("://") == std::string::npos && !location.starts_with("file:"))
        location = (base_of(source) / location).lexically_normal().string();
    }
    merge_index(input.index, file->options);
  }
  if ((!opt.extras.empty() || opt.all_extras || !opt.groups.empty()) && !any_pyproject) {
    return fail(errc::invalid_argument, "--extra, --all-extras and --group need a pyproject.toml source");
  }
  for (const auto& path : opt.constraints) {
    if (auto ok = read_plain(path, stdin_stream, input.constraints, input.constraint_sources, "-c", input);
        !ok)
      return unexpected(std::move(ok).error());
  }
  for (const auto& path : opt.overrides) {
    if (auto ok =
            read_plain(path, stdin_stream, input.overrides, input.override_sources, "--override", input);
        !ok)
      return unexpected(std::move(ok).error());
  }
  std::vector<std::string> unused_sources;
  for (const auto& path : opt.build_constraints) {
    if (auto ok = read_plain(path, stdin_stream, input.build_constraints, unused_sources, "-b", input); !ok)
      return unexpected(std::move(ok).error());
  }
  // Excludes are names: a specifier or marker there changes nothing, as in uv.
  for (const auto& path : opt.excludes) {
    std::vector<packaging::requirement> named;
    if (auto ok = read_plain(path, stdin_stream, named, unused_sources, "--excludes", input); !ok)
      return unexpected(std::move(ok).error());
    for (const auto& req : named) input.excludes.push_back(req.normalized_name());
  }
  input.ignored = input.index.ignored;
  return input;
}

}  // namespace pyresolve::cli
