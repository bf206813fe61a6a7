#include "pyresolve/cli/build_wheels.hpp"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/direct_reference.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::cli {

namespace fs = std::filesystem;

build_wheels::build_wheels(resolver::index_stack_options options,
                           std::vector<packaging::requirement> constraints)
    : m_options(std::move(options)), m_constraints(std::move(constraints)) {
  m_options.binaries = resolver::binary_policy{};
  m_options.binaries.only_binary_all = true;
  m_options.universal = false;
  m_options.before_provider = nullptr;
}

result<fs::path> build_wheels::fetch(const index::version_file& file) {
  const std::string url(file.file.url);
  if (url.starts_with("file:")) {
    auto local = packaging::parse_direct_reference(url, "/");
    if (!local) return unexpected(std::move(local).error());
    return local->path;
  }
  // The folder is named by a digest we computed or checked to be one: an index's sha256 text
  // is hostile until then (no path is built from it).
  const std::string_view given(file.file.sha256);
  const bool hex_digest = given.size() == 64 && std::all_of(given.begin(), given.end(), [](char c) {
                            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                          });
  const fs::path dir = m_stack->store().root() / "build-v1" / "wheels" /
                       (hex_digest ? std::string(given) : index::sha256_hex(url));
  const fs::path path = dir / std::string(file.file.filename);  // checked by the page parser
  std::error_code ec;
  if (hex_digest && fs::exists(path, ec)) return path;
  auto response = m_stack->http().get(index::http_request{url, {}, {}, {}, {}});
  if (!response) return unexpected(std::move(response).error());
  if (response->status != 200)
    return fail(errc::io_error, index::redact_url(url) + ": HTTP status " + std::to_string(response->status));
  if (!file.file.sha256.empty() && index::sha256_hex(response->body) != std::string_view(file.file.sha256))
    return fail(errc::io_error, index::redact_url(url) + ": sha256 mismatch");
  fs::create_directories(dir, ec);
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());  // one per process
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(response->body.data(), static_cast<std::streamsize>(response->body.size()));
    if (!out) {
      out.close();
      fs::remove(temp, ec);  // no half-written file is left in the cache
      return fail(errc::io_error, "cannot write " + temp.string());
    }
  }
  fs::rename(temp, path, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(temp, ec);
    return fail(errc::io_error, "cannot write " + path.string() + ": " + why);
  }
  return path;
}

result<std::vector<fs::path>> build_wheels::operator()(
    const std::vector<packaging::requirement>& requirements) {
  if (!m_stack) {
    auto opened = resolver::open_index_stack(m_options);
    if (!opened) return unexpected(std::move(opened).error());
    m_stack = std::move(*opened);
  }
  resolver::resolve_options options;
  options.environment = m_options.environment;
  options.constraints = m_constraints;
  auto resolved = resolver::resolve(requirements, options, m_stack->provider());
  if (!resolved) return fail(errc::not_found, "no wheels satisfy them:\n" + resolved.error().explanation);
  const auto& environment = m_options.environment.or_default();
  std::vector<fs::path> out;
  for (const auto& package : resolved->packages) {
    const index::version_entry* entry = m_stack->provider().files(package.name, package.version);
    const index::version_file* best = nullptr;
    std::optional<std::uint32_t> best_rank;
    if (entry == nullptr) return fail(errc::not_found, "no file list for " + package.name);
    for (const auto& file : entry->files) {
      if (file.kind != index::file_kind::wheel) continue;
      auto name = packaging::wheel_filename::parse(file.file.filename);
      if (!name) continue;
      for (const auto& tag : name->expanded_tags()) {
        auto rank = environment.rank(tag);
        if (rank && (!best_rank || *rank < *best_rank)) {
          best_rank = rank;
          best = &file;
        }
      }
    }
    if (best == nullptr)
      return fail(errc::not_found,
                  "no wheel of " + package.name + "==" + package.version.to_string() + " fits");
    auto path = fetch(*best);
    if (!path) return unexpected(std::move(path).error());
    out.push_back(std::move(*path));
  }
  return out;
}

}  // namespace pyresolve::cli
