#pragma once
/// @file
/// The on-disk cache: versioned buckets of pre-parsed, checksummed entries.
///
/// Layout under the root: `CACHEDIR.TAG`, `.lock` (shared by runs, exclusive for clean and
/// prune), `simple-v3/<index-hash>/<name>.bin` (version maps + HTTP validators) and
/// `metadata-v2/<name>/<filename>-<url-hash>.bin` (parsed core metadata). A format change
/// bumps one bucket's suffix; `prune` removes buckets this build does not know.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cache {

/// Bucket folder names of this build.
inline constexpr const char* simple_bucket = "simple-v3";
inline constexpr const char* metadata_bucket = "metadata-v2";

/// How the cache is used in this run.
struct cache_options {
  /// Empty: `default_cache_root()`. The CLI puts `--cache-dir` or `PYRESOLVE_CACHE_DIR` here.
  std::filesystem::path root;
  bool no_cache = false;  ///< read nothing, write nothing
  bool offline = false;   ///< never touch the network; use any entry, stale or not
  bool refresh = false;   ///< entries written before this run are stale
  std::vector<std::string> refresh_packages;  ///< same, for these projects only
  log_sink log;
  /// Unix seconds; tests move it forward to simulate the end of a freshness window.
  std::function<std::int64_t()> now;
};

/// `$XDG_CACHE_HOME/pyresolve`, else `$HOME/.cache/pyresolve`.
[[nodiscard]] std::filesystem::path default_cache_root();

/// `cache dir -v`: where the cache is and how large.
struct cache_info {
  std::filesystem::path root;
  std::uint64_t total_bytes = 0;
  std::uint64_t files = 0;
};

/// HTTP state of a cached page (RFC 9111 subset).
struct http_state {
  std::int64_t fetched_at = 0;  ///< unix seconds of the response (or its last 304)
  std::int64_t max_age = -1;    ///< from Cache-Control; -1: none (always revalidate)
  std::int64_t age = 0;         ///< the response's `Age` header
  bool must_revalidate = false; ///< `no-cache` (revalidate every time)
  std::string etag;
  std::string last_modified;
};

/// A cached project page.
struct simple_entry {
  http_state http;
  index::version_map map;
};

/// Serialization of entries (exposed for tests and benchmarks).
/// Layout: 32-byte header {magic `PYRSLVC\0`, u32 format, u32 kind, u64 payload length,
/// u64 XXH3-64 of the payload}, then the payload: little-endian fixed-width integers and
/// length-prefixed strings. Every read is bounds-checked; nothing is trusted before the
/// checksum matches. Versions, specifiers and requirements are stored as their parts (packed
/// version bits) and rebuilt without parsing; only versions outside the packed form and
/// markers are parsed on load. `memory` holds what the decoded packaging values allocate
/// (versions outside the packed form).
[[nodiscard]] std::string encode_simple(const simple_entry& entry);
[[nodiscard]] result<simple_entry> decode_simple(std::string_view bytes, std::string_view source,
                                                 std::pmr::memory_resource* memory = allocator::default_resource());
/// `written_at` (unix seconds) is what `--refresh` compares against the start of the run.
[[nodiscard]] std::string encode_metadata(const packaging::core_metadata& metadata, std::int64_t written_at = 0);
/// A negative entry: the file's metadata was fetched (and hash-checked) but does not parse.
/// Files are immutable, so the verdict is kept; `decode_metadata` returns it as an error with
/// `errc::invalid_metadata` (corrupt entries give `errc::io_error`).
[[nodiscard]] std::string encode_metadata_error(const error& failure, std::int64_t written_at = 0);
[[nodiscard]] result<packaging::core_metadata> decode_metadata(
    std::string_view bytes, std::string_view source, std::int64_t* written_at = nullptr,
    std::pmr::memory_resource* memory = allocator::default_resource());

/// The cache root: folders, lock, atomic writes and maintenance. Thread-safe.
class cache {
 public:
  /// Creates the root, its `CACHEDIR.TAG` and lock file, and takes the shared lock for the
  /// lifetime of the object. With `no_cache`, nothing is touched.
  [[nodiscard]] static result<std::unique_ptr<cache>> open(cache_options options);
  ~cache();
  cache(const cache&) = delete;
  cache& operator=(const cache&) = delete;

  [[nodiscard]] const cache_options& options() const noexcept { return m_options; }
  [[nodiscard]] const std::filesystem::path& root() const noexcept { return m_options.root; }
  [[nodiscard]] bool enabled() const noexcept { return !m_options.no_cache; }
  [[nodiscard]] std::int64_t now() const { return m_options.now ? m_options.now() : default_now(); }
  /// Unix seconds at `open`: `refresh` compares entries against it.
  [[nodiscard]] std::int64_t run_started() const noexcept { return m_run_started; }

  [[nodiscard]] std::filesystem::path simple_path(std::string_view index_url, std::string_view name) const;
  [[nodiscard]] std::filesystem::path metadata_path(std::string_view name, const index::dist_file& file) const;

  /// Whole file in one read; nullopt when absent.
  [[nodiscard]] std::optional<std::string> read(const std::filesystem::path& path) const;
  /// Writes a temp file in the same folder and renames it into place.
  [[nodiscard]] result<void> write(const std::filesystem::path& path, std::string_view bytes) const;
  /// Removes a bad entry (best effort).
  void remove(const std::filesystem::path& path) const;

  /// Whether `--refresh` / `--refresh-package` makes an entry written at `written` stale.
  [[nodiscard]] bool refresh_requested(std::string_view name, std::int64_t written) const;

  [[nodiscard]] result<cache_info> info() const;
  /// Removes everything (no names) or the entries of the named projects. Exclusive lock.
  [[nodiscard]] result<std::uint64_t> clean(const std::vector<std::string>& names);
  /// Removes unknown buckets (older formats), temp files and empty folders. Exclusive lock.
  [[nodiscard]] result<std::uint64_t> prune();

  void log(log_level level, const std::string& message) const {
    if (m_options.log) m_options.log(level, message);
  }

 private:
  explicit cache(cache_options options) : m_options(std::move(options)) {}
  static std::int64_t default_now();
  result<void> lock_exclusive();
  void lock_shared();
  cache_options m_options;
  int m_lock_fd = -1;
  std::int64_t m_run_started = 0;
};

/// Counters for tests and benchmarks.
struct cached_index_stats {
  std::uint64_t fresh_hits = 0;     ///< used without any request
  std::uint64_t revalidated = 0;    ///< 304 Not Modified
  std::uint64_t fetched = 0;        ///< downloaded and parsed
  std::uint64_t corrupt = 0;        ///< entries that failed validation
  std::uint64_t metadata_hits = 0;
  std::uint64_t metadata_fetched = 0;
};

namespace detail { struct cached_index_state; }

/// What the resolver calls: project pages and metadata through the cache, each fetched at
/// most once per run even when many threads ask at the same time. Thread-safe.
class cached_index {
 public:
  cached_index(cache& store, index::index_client& client, index::index_locations locations);
  ~cached_index();

  /// The version map of a project from the first index that has it (uv's `first-index`).
  [[nodiscard]] result<std::shared_ptr<const index::version_map>> project(std::string_view name);
  /// The core metadata of one file of `project`.
  [[nodiscard]] result<std::shared_ptr<const packaging::core_metadata>> metadata(std::string_view project,
                                                                                const index::dist_file& file);
  [[nodiscard]] cached_index_stats stats() const;
  /// The index URL (credentials stripped) a project's page was read from in this run, empty
  /// when `project(name)` has not succeeded (yet). For pylock.toml and reports.
  [[nodiscard]] std::string index_url(std::string_view name) const;
  /// The client underneath (e.g. to install an HTTP wait hook on its `http_client`).
  [[nodiscard]] index::index_client& client() noexcept { return m_client; }

 private:
  result<std::shared_ptr<const index::version_map>> load_project(const std::string& name);
  /// Remembers where `name` was found and passes the map through.
  std::shared_ptr<const index::version_map> found(const std::string& name, const std::string& index_url,
                                                  std::shared_ptr<const index::version_map> map);
  result<std::shared_ptr<const packaging::core_metadata>> load_metadata(const std::string& name,
                                                                        const index::dist_file& file);
  cache& m_cache;
  index::index_client& m_client;
  index::index_locations m_locations;
  std::unique_ptr<detail::cached_index_state> m_state;
};

}  // namespace pyresolve::cache
