#include "pyresolve/cli/direct_sources.hpp"

#include <algorithm>
#include <deque>

#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/packaging/tags.hpp"

namespace pyresolve::cli {
namespace {

namespace fs = std::filesystem;

/// Whether two references are one source (a path written two ways, a git ref and the commit
/// it resolved to).
bool same_source(const index::direct_distribution& a, const index::direct_distribution& b) {
  const auto& x = a.reference;
  const auto& y = b.reference;
  if (x.kind != y.kind || x.subdirectory != y.subdirectory) return false;
  switch (x.kind) {
    case packaging::direct_kind::git:
      return x.repository == y.repository && a.commit == b.commit;
    case packaging::direct_kind::directory:
      return x.path == y.path;
    case packaging::direct_kind::archive:
      return x.url.empty() ? x.path == y.path : x.url == y.url;
  }
  return false;
}

bool wheel_fits(const std::string& filename, const packaging::target_environment& environment) {
  if (!filename.ends_with(".whl")) return true;
  auto wheel = packaging::wheel_filename::parse(filename);
  if (!wheel) return false;
  const auto tags = wheel->expanded_tags();
  return std::any_of(tags.begin(), tags.end(),
                     [&](const auto& tag) { return environment.rank(tag).has_value(); });
}

/// The spellings under which requirements may name the source.
std::vector<std::string> aliases_of(const index::direct_distribution& d) {
  std::vector<std::string> out;
  const auto& ref = d.reference;
  if (!ref.path.empty()) out.push_back("file://" + ref.path.generic_string());
  if (ref.kind == packaging::direct_kind::git) out.push_back(ref.written(d.commit));
  return out;
}

/// Whether a source is fetched from elsewhere (an http(s) archive, git over the network).
bool is_remote(const packaging::direct_reference& ref) {
  switch (ref.kind) {
    case packaging::direct_kind::archive:
      return !ref.url.empty();
    case packaging::direct_kind::git:
      return !ref.repository.starts_with("file:");
    case packaging::direct_kind::directory:
      return false;
  }
  return false;
}

/// A source as messages show it: as written, a URL's password hidden.
std::string shown(const packaging::direct_reference& ref) {
  return packaging::excerpt(ref.given.find("://") == std::string::npos ? ref.given
                                                                       : index::redact_url(ref.given));
}

struct pending {
  direct_input input;
  bool top_level = true;
};

}  // namespace

result<direct_set> read_direct_sources(user_input& input, index::index_client& client,
                                       const index::direct_source_options& options,
                                       const packaging::target_environment& environment) {
  direct_set out;
  std::deque<pending> queue;
  for (auto& d : input.directs) queue.push_back(pending{d, true});
  std::size_t read = 0;
  const auto failed = [](const direct_input& from, const std::string& message) {
    return unexpected(error{errc::invalid_requirements_file, message, from.origin, 0, 0});
  };
  while (!queue.empty()) {
    pending item = std::move(queue.front());
    queue.pop_front();
    if (++read > max_direct_sources)
      return failed(item.input, "more than " + std::to_string(max_direct_sources) + " direct sources");
    auto dist = index::read_direct_source(item.input.reference, client, options);
    if (!dist) {
      auto e = std::move(dist).error();
      // The library's errors name the source (a URL redacted); the others get it here.
      return failed(item.input,
                    e.source.empty() ? shown(item.input.reference) + ": " + e.message : e.to_string());
    }
    const std::string name = dist->metadata.normalized_name();
    if (!item.input.name.empty() && packaging::normalize_name(item.input.name) != name) {
      return failed(item.input, "'" + packaging::excerpt(item.input.name) + " @ " +
                                    shown(item.input.reference) + "' is " +
                                    packaging::excerpt(std::string(dist->metadata.name)) + " " +
                                    dist->metadata.version.to_string() + ": the name does not match");
    }
    if (auto known = out.by_name.find(name); known != out.by_name.end()) {
      if (!same_source(known->second, *dist)) {
        return failed(item.input, "conflicting sources for " + name + ": '" + shown(known->second.reference) +
                                      "' and '" + shown(item.input.reference) + "'");
      }
    } else {
      // What this source requires by URL is read too, relative paths from its own folder.
      const fs::path base = dist->reference.kind == packaging::direct_kind::directory
                                ? dist->reference.path / dist->reference.subdirectory
                                : fs::current_path();
      const bool remote = is_remote(dist->reference);
      for (const auto& req : dist->metadata.requires_dist) {
        if (req.url.empty()) continue;
        auto parsed = packaging::parse_direct_reference(req.url, base);
        if (!parsed) return failed(item.input, name + " requires " + parsed.error().message);
        // What a server publishes may not point us at this machine's files (as an index page
        // may not link to `file:`).
        if (remote && !is_remote(*parsed)) {
          return failed(item.input, name + ", from " + shown(dist->reference) +
                                        ", requires the local source '" + shown(*parsed) +
                                        "': a remote source may require only remote ones");
        }
        direct_input child;
        child.reference = std::move(*parsed);
        child.name = std::string(req.name);
        child.source = name;
        child.origin = item.input.origin;
        queue.push_back(pending{std::move(child), false});
      }
      out.by_name.emplace(name, *dist);
    }
    if (item.top_level && item.input.name.empty()) {
      std::string text = name;
      if (!item.input.extras.empty()) {
        text += "[";
        for (std::size_t i = 0; i < item.input.extras.size(); ++i)
          text += (i ? "," : "") + item.input.extras[i];
        text += "]";
      }
      if (!item.input.marker.empty()) text += " ; " + item.input.marker;
      auto req = packaging::requirement::parse(text);
      if (!req) return failed(item.input, req.error().message);
      input.requirements.push_back(user_requirement{std::move(*req), item.input.source});
    }
  }
  for (const auto& [name, dist] : out.by_name) {
    resolver::direct_package package;
    package.name = name;
    package.version = dist.metadata.version;
    package.requires_dist.assign(dist.metadata.requires_dist.begin(), dist.metadata.requires_dist.end());
    package.requires_python = dist.metadata.requires_python;
    package.url = dist.reference.given;
    package.aliases = aliases_of(dist);
    package.has_compatible_dist = wheel_fits(dist.reference.filename, environment.or_default());
    out.packages.push_back(std::move(package));
  }
  return out;
}

}  // namespace pyresolve::cli
