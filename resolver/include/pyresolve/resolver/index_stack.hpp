#pragma once
/// @file
/// The whole index side of a resolve built from one options struct and owned by one object:
/// the on-disk cache, the HTTP client, the index client, the cached index and the index
/// provider that `resolver::resolve` reads.
///
/// ```cpp
/// pyresolve::resolver::index_stack_options options;  // PyPI, the user's cache
/// options.environment = resolve_options.environment;
/// auto stack = pyresolve::resolver::open_index_stack(std::move(options));
/// if (!stack) return stack.error();
/// auto out = pyresolve::resolve(requirements, resolve_options, (*stack)->provider());
/// (*stack)->settle();  // the provider's last loads complete the cache
/// ```

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/index/http.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/resolver/index_provider.hpp"
#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::resolver {

/// Everything that decides how an `index_stack` reads. The defaults are the `resolve`
/// command's: PyPI, the user's cache (`cache::default_cache_root()`), the network allowed,
/// the HTTP client's own timeouts and limits, CPython 3.11 on x86_64 manylinux, one worker
/// per core, the process heap.
struct PYRESOLVE_API index_stack_options {
  /// Which indexes to read (`--index-url`, `--extra-index-url`, `--no-index`); PyPI by default.
  index::index_locations locations;

  /// The cache's root; empty: `cache::default_cache_root()`.
  std::filesystem::path cache_dir;
  bool no_cache = false;  ///< read nothing from the cache, write nothing to it
  bool offline = false;   ///< never touch the network; any cached entry serves, stale or not
  bool refresh = false;   ///< entries written before this run are stale
  /// The same for these projects only; names as written (the cache normalizes them).
  std::vector<std::string> refresh_packages;
  /// Unix seconds for the cache's freshness; empty: the clock. For tests.
  std::function<std::int64_t()> now;

  /// The HTTP client: timeouts, retries, response-size limits, `~/.netrc`, user agent.
  /// Proxies and CA bundles come from the environment (see `index::http_client`). Its `log`,
  /// when empty, is `log` below.
  index::client_options http;

  /// Wheel tags and Requires-Python are checked against it; empty: `default_target()`.
  packaging::target_environment environment;
  binary_policy binaries;       ///< `--no-binary` / `--only-binary`
  upload_cutoff exclude_newer;  ///< `--exclude-newer` / `--exclude-newer-package`
  bool universal = false;       ///< `index_provider_options::universal`
  /// `index_provider_options::requires_python`
  python_bounds requires_python = python_bounds::lower_only;
  unsigned threads = 0;  ///< oneTBB workers that load and parse; 0: one per core
  /// Threads that run the loads needing the network, blocking on HTTP
  /// (`index_provider_options::io_threads`); started only when such a load comes.
  unsigned io_threads = index_provider_options{}.io_threads;

  /// Holds the decoded pages and metadata and the provider's state; must be thread-safe and
  /// outlive the stack.
  std::pmr::memory_resource* memory = support::default_resource();
  /// Diagnostics of every layer: the cache, the HTTP and index clients and the provider.
  log_sink log;
  /// Called once, on the calling thread, right before the provider is built: its oneTBB
  /// workers are the first threads the stack starts (the HTTP client starts its own on its
  /// first request). The `resolve` command waits there for its start-up helper thread.
  std::function<void()> before_provider;
};

/// What the stack's layers counted so far: what `resolve -v` prints.
struct PYRESOLVE_API index_stack_stats {
  index::client_stats http;
  cache::cached_index_stats cache;
  index_provider_stats provider;
};

/// Owns the layers, which refer to each other: not movable, handed out by pointer. Destroyed
/// from the provider down to the cache (whose shared lock it then releases). The provider is
/// thread-safe as `index_provider` is; the other accessors are for statistics and reports.
class PYRESOLVE_API index_stack {
 public:
  ~index_stack();
  index_stack(const index_stack&) = delete;
  index_stack& operator=(const index_stack&) = delete;

  /// What `resolver::resolve` reads.
  [[nodiscard]] index_provider& provider() noexcept { return *m_provider; }
  [[nodiscard]] const index_provider& provider() const noexcept { return *m_provider; }
  /// The pages and metadata through the cache.
  [[nodiscard]] cache::cached_index& index() noexcept { return m_index; }
  [[nodiscard]] const cache::cached_index& index() const noexcept { return m_index; }
  [[nodiscard]] cache::cache& store() noexcept { return *m_store; }
  [[nodiscard]] index::http_client& http() noexcept { return m_http; }
  /// Pages and metadata over HTTP, uncached (direct sources read through it).
  [[nodiscard]] index::index_client& client() noexcept { return m_client; }
  /// The indexes read, as given.
  [[nodiscard]] const index::index_locations& locations() const noexcept { return m_locations; }

  [[nodiscard]] index_stack_stats stats() const;

  /// `index_provider::settle`: waits for the loads in flight and runs those that would add to
  /// the cache. Afterwards only `stats`, the provider's `files` and `index_url`, and the
  /// destructor may be used.
  void settle() { m_provider->settle(); }

  struct construct_key;  ///< Implementation detail: only `open_index_stack` builds one.
  index_stack(construct_key, std::unique_ptr<cache::cache> store, index_stack_options options);

 private:
  // Declared in building order; destroyed the other way round.
  std::unique_ptr<cache::cache> m_store;
  index::index_locations m_locations;
  index::http_client m_http;
  index::index_client m_client;
  cache::cached_index m_index;
  std::unique_ptr<index_provider> m_provider;
};

/// Opens the cache (creating its root, taking its shared lock) and builds the layers over it.
/// Fails with the cache's error when it cannot be opened: a root that cannot be created or
/// locked, or one another user owns or others may read or write (see `cache::cache::open`).
/// Nothing is fetched here: the provider loads what the solver asks for, and its errors
/// (offline, a page or metadata not in the cache is `errc::io_error`) come through it.
[[nodiscard]] PYRESOLVE_API result<std::unique_ptr<index_stack>> open_index_stack(
    index_stack_options options);

}  // namespace pyresolve::resolver
