#include "pyresolve/resolver/index_stack.hpp"

#include <utility>

namespace pyresolve::resolver {

struct index_stack::construct_key {};

namespace {

cache::cache_options cache_options_of(index_stack_options& options) {
  cache::cache_options c;
  c.root = std::move(options.cache_dir);
  c.no_cache = options.no_cache;
  c.offline = options.offline;
  c.refresh = options.refresh;
  c.refresh_packages = std::move(options.refresh_packages);  // the cache normalizes them
  c.log = options.log;
  c.now = std::move(options.now);
  return c;
}

index::client_options client_options_of(index_stack_options& options) {
  index::client_options c = std::move(options.http);
  if (!c.log) c.log = options.log;
  return c;
}

}  // namespace

index_stack::index_stack(construct_key /*unused*/, std::unique_ptr<cache::cache> store,
                         index_stack_options options)
    : m_store(std::move(store)),
      m_locations(std::move(options.locations)),
      m_http(client_options_of(options)),
      m_client(m_http, options.log),
      m_index(*m_store, m_client, m_locations, options.memory) {
  index_provider_options provider_options;
  provider_options.environment = std::move(options.environment);
  provider_options.binaries = std::move(options.binaries);
  provider_options.exclude_newer = std::move(options.exclude_newer);
  provider_options.universal = options.universal;
  provider_options.requires_python = options.requires_python;
  provider_options.threads = options.threads;
  provider_options.io_threads = options.io_threads;
  provider_options.memory = options.memory;
  provider_options.log = std::move(options.log);
  if (options.before_provider) options.before_provider();
  m_provider = std::make_unique<index_provider>(m_index, std::move(provider_options));
}

index_stack::~index_stack() = default;

index_stack_stats index_stack::stats() const {
  return index_stack_stats{m_http.stats(), m_index.stats(), m_provider->stats()};
}

result<std::unique_ptr<index_stack>> open_index_stack(index_stack_options options) {
  auto store = cache::cache::open(cache_options_of(options));
  if (!store) return unexpected<error>(std::move(store).error());
  return std::make_unique<index_stack>(index_stack::construct_key{}, std::move(*store), std::move(options));
}

}  // namespace pyresolve::resolver
