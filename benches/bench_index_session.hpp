#pragma once
// What the index benchmarks share: the requirements of a file, and one resolve through the
// cache-backed index provider built the way the CLI builds it.
#include <cstdio>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <vector>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/resolver/index_provider.hpp"
#include "pyresolve/resolver/resolve.hpp"

namespace pyresolve::bench {

/// The requirements (not the constraints) of a requirements file; nullopt after printing why.
inline std::optional<std::vector<packaging::requirement>> read_requirements(const char* path) {
  auto file = packaging::parse_requirements_file(path);
  if (!file) {
    std::fprintf(stderr, "%s\n", file.error().to_string().c_str());
    return std::nullopt;
  }
  std::vector<packaging::requirement> reqs;
  for (const auto& e : file->entries)
    if (e.requirement && !e.constraint) reqs.push_back(*e.requirement);
  return reqs;
}

/// The benchmarks' target: CPython 3.11.7 on x86_64 manylinux, whatever the host.
inline packaging::target_environment bench_environment() {
  return packaging::target_environment::create(packaging::python_version{3, 11, 7},
                                               packaging::target_platform{});
}

/// A cache, an HTTP client, the cached index of one index URL and a provider over it.
struct index_session {
  std::unique_ptr<cache::cache> store;
  index::http_client http;
  index::index_client client{http};
  std::unique_ptr<cache::cached_index> front;
  std::unique_ptr<resolver::index_provider> source;

  /// nullptr after printing why the cache could not be opened.
  static std::unique_ptr<index_session> open(const std::string& index_url, cache::cache_options copts,
                                             const packaging::target_environment& env, unsigned threads,
                                             std::pmr::memory_resource* memory) {
    auto s = std::make_unique<index_session>();
    auto opened = cache::cache::open(std::move(copts));
    if (!opened) {
      std::fprintf(stderr, "%s\n", opened.error().to_string().c_str());
      return nullptr;
    }
    s->store = std::move(*opened);
    s->front = std::make_unique<cache::cached_index>(*s->store, s->client,
                                                     index::index_locations{index_url, {}, false}, memory);
    resolver::index_provider_options popts;
    popts.environment = env;
    popts.threads = threads;
    popts.memory = memory;
    s->source = std::make_unique<resolver::index_provider>(*s->front, popts);
    return s;
  }

  /// Resolves `reqs`; prints the explanation and returns nullopt when there is no solution.
  std::optional<resolver::resolution> resolve(const std::vector<packaging::requirement>& reqs,
                                              const packaging::target_environment& env,
                                              std::pmr::memory_resource* memory) {
    resolver::resolve_options ropts;
    ropts.environment = env;
    ropts.memory = memory;
    auto out = resolver::resolve(reqs, ropts, *source);
    if (!out) {
      std::fprintf(stderr, "%s\n", out.error().explanation.c_str());
      return std::nullopt;
    }
    return std::move(*out);
  }
};

}  // namespace pyresolve::bench
