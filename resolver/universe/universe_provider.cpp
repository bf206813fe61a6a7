#include "pyresolve/resolver/universe_provider.hpp"

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <simdjson.h>

#include "pyresolve/packaging/name.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::resolver {

namespace {

struct version_entry {
  std::vector<packaging::requirement> requires_dist;
  bool metadata_ok = true;
  std::string metadata_error;
  std::optional<packaging::specifier_set> requires_python;  ///< what `candidate::requires_python` points to
};

struct project {
  std::vector<candidate> candidates;   // sorted ascending
  std::vector<version_entry> entries;  // parallel to candidates
};

}  // namespace

struct universe_provider::impl {
  std::unordered_map<std::string, project, text_hash, std::equal_to<>> projects;
};

universe_provider::universe_provider(std::unique_ptr<impl> state) noexcept : m_impl(std::move(state)) {}
universe_provider::~universe_provider() = default;

std::size_t universe_provider::size() const noexcept { return m_impl->projects.size(); }

result<std::unique_ptr<universe_provider>> universe_provider::from_json(
    std::string_view json, const packaging::target_environment& environment) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    return fail(errc::invalid_argument,
                std::string("universe: invalid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object packages;
  if (doc["packages"].get(packages)) return fail(errc::invalid_argument, "universe: no \"packages\" object");

  auto python = packaging::version::parse(environment.or_default().python().release_string());
  if (!python) return unexpected(python.error());

  auto state = std::make_unique<impl>();
  for (auto [raw_name, versions_value] : packages) {
    simdjson::dom::object versions;
    if (versions_value.get(versions)) {
      return fail(errc::invalid_argument,
                  "universe: package '" + std::string(raw_name) + "' is not an object");
    }
    auto name = packaging::parse_name(raw_name);
    if (!name) return unexpected(name.error());
    std::vector<std::pair<candidate, version_entry>> rows;
    for (auto [raw_version, info_value] : versions) {
      auto v = packaging::version::parse(raw_version);
      // Real indexes list versions that are not PEP 440 (`0.8.0pr1`); pip and uv ignore them,
      // so they are not candidates here either.
      if (!v) continue;
      candidate c{*v};
      version_entry entry;
      simdjson::dom::object info;
      if (!info_value.get(info)) {
        simdjson::dom::array deps;
        if (!info["requires_dist"].get(deps)) {
          for (simdjson::dom::element d : deps) {
            std::string_view text;
            if (d.get(text)) continue;
            auto req = packaging::requirement::parse(text);
            if (!req) {
              // An unparsable dependency makes this version's metadata unusable, as for an
              // invalid METADATA file, rather than failing the whole universe.
              entry.metadata_ok = false;
              entry.metadata_error = req.error().to_string();
              continue;
            }
            entry.requires_dist.push_back(std::move(*req));
          }
        }
        std::string_view requires_python;
        if (!info["requires_python"].get(requires_python) && !requires_python.empty()) {
          auto spec = packaging::specifier_set::parse(requires_python);
          c.requires_python_ok = spec && spec->contains(*python, true);
          if (spec) entry.requires_python = std::move(*spec);
        }
        bool yanked = false;
        if (!info["yanked"].get(yanked)) c.yanked = yanked;
        bool dist = true;
        if (!info["has_compatible_dist"].get(dist)) c.has_compatible_dist = dist;
      }
      rows.emplace_back(std::move(c), std::move(entry));
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first.version < b.first.version; });
    project& p = state->projects[*name];
    for (auto& [c, e] : rows) {
      p.candidates.push_back(std::move(c));
      p.entries.push_back(std::move(e));
    }
    for (std::size_t i = 0; i < p.entries.size(); ++i)
      if (p.entries[i].requires_python) p.candidates[i].requires_python = &*p.entries[i].requires_python;
  }
  return std::unique_ptr<universe_provider>(new universe_provider(std::move(state)));
}

result<std::unique_ptr<universe_provider>> universe_provider::from_file(
    const std::string& path, const packaging::target_environment& environment) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected(error{errc::io_error, "cannot open universe file", path});
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto out = from_json(buffer.str(), environment);
  if (!out) {
    error e = out.error();
    e.source = path;
    return unexpected(std::move(e));
  }
  return out;
}

result<std::span<const candidate>> universe_provider::versions(std::string_view name) {
  auto it = m_impl->projects.find(name);
  if (it == m_impl->projects.end())
    return fail(errc::not_found, "package '" + std::string(name) + "' not found");
  return std::span<const candidate>(it->second.candidates);
}

result<std::span<const packaging::requirement>> universe_provider::dependencies(std::string_view name,
                                                                                const packaging::version& v) {
  auto it = m_impl->projects.find(name);
  if (it == m_impl->projects.end())
    return fail(errc::not_found, "package '" + std::string(name) + "' not found");
  const project& p = it->second;
  auto pos = std::lower_bound(p.candidates.begin(), p.candidates.end(), v,
                              [](const candidate& c, const packaging::version& x) { return c.version < x; });
  if (pos == p.candidates.end() || pos->version != v) {
    return fail(errc::not_found, std::string(name) + "==" + v.to_string() + " not found");
  }
  const version_entry& e = p.entries[static_cast<std::size_t>(pos - p.candidates.begin())];
  if (!e.metadata_ok) return fail(errc::invalid_metadata, e.metadata_error);
  return std::span<const packaging::requirement>(e.requires_dist);
}

}  // namespace pyresolve::resolver
