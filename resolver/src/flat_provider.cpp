#include "pyresolve/resolver/flat_provider.hpp"

#include <algorithm>

#include "pyresolve/packaging/specifier.hpp"

namespace pyresolve::resolver {

flat_provider::flat_provider(provider& inner, index::project_page files, index::index_client& client,
                             const packaging::target_environment& environment, bool universal,
                             python_bounds bounds)
    : m_inner(inner),
      m_files(std::move(files)),
      m_client(client),
      m_environment(environment.or_default()),
      m_universal(universal),
      m_bounds(bounds) {
  auto python = packaging::version::parse(m_environment.python().release_string());
  if (python) m_python = std::move(*python);
  const bool local = std::any_of(m_files.files.begin(), m_files.files.end(),
                                 [](const auto& f) { return std::string_view(f.url).starts_with("file:"); });
  if (local) m_client.allow_local_files();
}

bool flat_provider::fits(const index::version_entry& entry, bool& python_ok) const {
  bool any = false;
  python_ok = false;
  for (const auto& file : entry.files) {
    bool py = true;
    if (!file.file.requires_python.empty() && m_python && !m_universal) {
      auto spec = packaging::specifier_set::parse(file.file.requires_python);
      py = !spec || python_admitted(*spec, *m_python, m_bounds);
    }
    bool usable = file.kind == index::file_kind::sdist || m_universal;
    if (!usable) {
      const auto tags = file.tags.expand();
      usable = std::any_of(tags.begin(), tags.end(),
                           [&](const auto& tag) { return m_environment.rank(tag).has_value(); });
    }
    any = any || usable;
    python_ok = python_ok || (usable && py);
  }
  return any;
}

const index::version_file* flat_provider::best_file(const index::version_entry& entry) const {
  const index::version_file* best = nullptr;
  const index::version_file* sdist = nullptr;
  std::optional<std::uint32_t> best_rank;
  for (const auto& file : entry.files) {
    if (file.kind == index::file_kind::sdist) {
      if (sdist == nullptr) sdist = &file;
      continue;
    }
    for (const auto& tag : file.tags.expand()) {
      const auto rank = m_universal ? std::optional<std::uint32_t>(0) : m_environment.rank(tag);
      if (rank && (!best_rank || *rank < *best_rank)) {
        best_rank = rank;
        best = &file;
      }
    }
  }
  return best != nullptr ? best : sdist;
}

result<std::span<const candidate>> flat_provider::versions(std::string_view name) {
  {
    const std::lock_guard lock(m_mutex);
    if (auto it = m_projects.find(name); it != m_projects.end())
      return std::span<const candidate>(it->second->candidates);
  }
  auto inner = m_inner.versions(name);
  if (!inner && inner.error().code != errc::not_found) return inner;
  auto made = std::make_unique<project>();
  made->flat = index::build_version_map(m_files, name);
  if (!inner && made->flat.versions.empty()) return inner;  // on neither
  if (inner) made->candidates.assign(inner->begin(), inner->end());
  for (const auto& entry : made->flat.versions) {
    bool python_ok = false;
    const bool usable = fits(entry, python_ok);
    auto same = std::find_if(made->candidates.begin(), made->candidates.end(),
                             [&](const candidate& c) { return c.version == entry.version; });
    if (same != made->candidates.end()) {
      same->has_compatible_dist = same->has_compatible_dist || usable;
      continue;
    }
    candidate c;
    c.version = entry.version;
    c.has_compatible_dist = usable;
    c.requires_python_ok = python_ok || !usable;
    made->candidates.push_back(std::move(c));
    made->flat_only.insert(entry.version);
  }
  std::sort(made->candidates.begin(), made->candidates.end(),
            [](const candidate& a, const candidate& b) { return a.version < b.version; });
  const std::lock_guard lock(m_mutex);
  auto [it, inserted] = m_projects.emplace(std::string(name), std::move(made));
  return std::span<const candidate>(it->second->candidates);
}

result<std::span<const packaging::requirement>> flat_provider::dependencies_without_extra_only(
    std::string_view name, const packaging::version& version) {
  if (flat_only(name, version)) return dependencies(name, version);
  return m_inner.dependencies_without_extra_only(name, version);
}

bool flat_provider::flat_only(std::string_view name, const packaging::version& version) const {
  const std::lock_guard lock(m_mutex);
  auto it = m_projects.find(name);
  return it != m_projects.end() && it->second->flat_only.count(version) != 0;
}

result<std::span<const packaging::requirement>> flat_provider::dependencies(
    std::string_view name, const packaging::version& version) {
  project* p = nullptr;
  {
    const std::lock_guard lock(m_mutex);
    auto it = m_projects.find(name);
    if (it != m_projects.end() && it->second->flat_only.count(version) != 0) {
      p = it->second.get();
      if (auto known = p->metadata.find(version); known != p->metadata.end())
        return std::span<const packaging::requirement>(known->second.requires_dist);
    }
  }
  if (p == nullptr) return m_inner.dependencies(name, version);
  const index::version_entry* entry = p->flat.find(version);
  const index::version_file* file = entry == nullptr ? nullptr : best_file(*entry);
  if (file == nullptr)
    return fail(errc::not_found, "no file of " + std::string(name) + " " + version.to_string() + " fits");
  auto metadata = m_client.fetch_metadata(file->file);
  if (!metadata) return unexpected(std::move(metadata).error());
  if (metadata->normalized_name() != name || metadata->version != version) {
    return fail(errc::invalid_metadata, std::string(file->file.filename) + " holds the metadata of " +
                                            std::string(metadata->name) + " " +
                                            metadata->version.to_string());
  }
  const std::lock_guard lock(m_mutex);
  auto [it, inserted] = p->metadata.emplace(version, std::move(*metadata));
  return std::span<const packaging::requirement>(it->second.requires_dist);
}

const index::version_entry* flat_provider::files(std::string_view name,
                                                 const packaging::version& version) const {
  const std::lock_guard lock(m_mutex);
  auto it = m_projects.find(name);
  if (it == m_projects.end() || it->second->flat_only.count(version) == 0) return nullptr;
  return it->second->flat.find(version);
}

}  // namespace pyresolve::resolver
