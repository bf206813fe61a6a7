#include "pyresolve/resolver/direct_provider.hpp"

#include <algorithm>

#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::resolver {

direct_provider::direct_provider(provider& inner, std::vector<direct_package> packages,
                                 const packaging::target_environment& environment, python_bounds bounds)
    : m_inner(inner) {
  const auto python = packaging::version::parse(environment.or_default().python().release_string());
  for (auto& package : packages) {
    std::string name = packaging::normalize_name(package.name);
    entry e{std::move(package), candidate{}};
    e.only.version = e.package.version;
    e.only.has_compatible_dist = e.package.has_compatible_dist;
    if (e.package.requires_python && python)
      e.only.requires_python_ok = python_admitted(*e.package.requires_python, *python, bounds);
    m_packages.emplace(std::move(name), std::move(e));
  }
  // The candidate points into its own entry, whose address the map keeps.
  for (auto& [name, e] : m_packages)
    e.only.requires_python = e.package.requires_python ? &*e.package.requires_python : nullptr;
}

const direct_provider::entry* direct_provider::lookup(std::string_view normalized) const {
  if (m_packages.empty()) return nullptr;
  auto it = m_packages.find(normalized);
  return it == m_packages.end() ? nullptr : &it->second;
}

const direct_package* direct_provider::find(std::string_view name) const {
  const entry* e = lookup(packaging::normalize_name(name));
  return e == nullptr ? nullptr : &e->package;
}

result<std::span<const candidate>> direct_provider::versions(std::string_view name) {
  if (const entry* e = lookup(name)) return std::span<const candidate>(&e->only, 1);
  return m_inner.versions(name);
}

result<std::span<const packaging::requirement>> direct_provider::checked(
    std::string_view name, result<std::span<const packaging::requirement>> got) const {
  if (!got) return got;
  for (const auto& req : *got) {
    if (req.url.empty()) continue;
    const direct_package* given = find(req.name);
    const std::string_view url(req.url);
    const bool same = given != nullptr &&
                      (given->url == url ||
                       std::find(given->aliases.begin(), given->aliases.end(), url) != given->aliases.end());
    if (!same) {
      return unexpected(
          error{errc::invalid_metadata,
                "it requires " + packaging::excerpt(req.name) + " from the direct reference " +
                    packaging::excerpt(req.url) +
                    ", which the user's requirements do not give: URL dependencies must be direct "
                    "requirements",
                std::string(name), 0, 0});
    }
  }
  return got;
}

result<std::span<const packaging::requirement>> direct_provider::dependencies(
    std::string_view name, const packaging::version& version) {
  if (const entry* e = lookup(name)) return std::span<const packaging::requirement>(e->package.requires_dist);
  return checked(name, m_inner.dependencies(name, version));
}

result<std::span<const packaging::requirement>> direct_provider::dependencies_without_extra_only(
    std::string_view name, const packaging::version& version) {
  if (const entry* e = lookup(name)) return std::span<const packaging::requirement>(e->package.requires_dist);
  return checked(name, m_inner.dependencies_without_extra_only(name, version));
}

void direct_provider::prefetch(std::string_view name) {
  if (lookup(name) == nullptr) m_inner.prefetch(name);
}

}  // namespace pyresolve::resolver
