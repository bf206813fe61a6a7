#pragma once
/// @file
/// The on-disk cache: versioned buckets of pre-parsed, checksummed entries.
///
/// Layout under the root: `CACHEDIR.TAG`, `.lock` (shared by runs, exclusive for clean and
/// prune), `simple-v7/<index-hash>/<name>.bin` (version maps + HTTP validators) and
/// `metadata-v4/<name>/<filename>-<url-hash>.bin` (parsed core metadata). A format change
/// bumps one bucket's suffix; `prune` removes buckets this build does not know.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/memory.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cache {

/// Bucket folder names of this build.
inline constexpr const char* simple_bucket = "simple-v7";
inline constexpr const char* metadata_bucket = "metadata-v4";
/// Answers of the `python3` probe, kept by the CLI (small text files); `prune` keeps it.
inline constexpr const char* interpreter_bucket = "interpreter-v1";

/// How the cache is used in this run.
struct PYRESOLVE_API cache_options {
  /// Empty: `default_cache_root()`. The CLI puts `--cache-dir` or `PYRESOLVE_CACHE_DIR` here.
  std::filesystem::path root;
  bool no_cache = false;                      ///< read nothing, write nothing
  bool offline = false;                       ///< never touch the network; use any entry, stale or not
  bool refresh = false;                       ///< entries written before this run are stale
  std::vector<std::string> refresh_packages;  ///< same, for these projects only
  log_sink log;
  /// Unix seconds; tests move it forward to simulate the end of a freshness window.
  std::function<std::int64_t()> now;
};

/// `$XDG_CACHE_HOME/pyresolve` (an absolute `XDG_CACHE_HOME` only, as the XDG spec says),
/// else `$HOME/.cache/pyresolve`, else `<temp dir>/pyresolve-cache-<uid>`: a folder of this
/// user's own, which `cache::open` creates with mode 0700 and refuses when another user owns
/// it or others may write or read it.
[[nodiscard]] PYRESOLVE_API std::filesystem::path default_cache_root();

/// What an entry was written for, stored in it and compared on load: an entry copied or
/// renamed under another key reads as corrupt, never as another file's answer.
struct PYRESOLVE_API entry_key {
  /// Pages: the index URL; metadata: the file's URL. Both without credentials (as the path
  /// hashes them).
  std::string_view url;
  std::string_view project;   ///< normalized name
  std::string_view filename;  ///< metadata: the distribution file's name; pages: empty
};

/// `cache dir -v`: where the cache is and how large.
struct PYRESOLVE_API cache_info {
  std::filesystem::path root;
  std::uint64_t total_bytes = 0;
  std::uint64_t files = 0;
};

/// HTTP state of a cached page (RFC 9111 subset).
struct PYRESOLVE_API http_state {
  std::int64_t fetched_at = 0;   ///< unix seconds of the response (or its last 304)
  std::int64_t max_age = -1;     ///< from Cache-Control; -1: none (always revalidate)
  std::int64_t age = 0;          ///< the response's `Age` header
  bool must_revalidate = false;  ///< `no-cache` (revalidate every time)
  std::pmr::string etag;         ///< `std::pmr`: a page loaded from the cache keeps it in its resource
  std::pmr::string last_modified;
};

/// A cached project page. An entry with an empty `map` (no name, no version) records that the
/// index answered 404 for the project: an offline run then gives the same answer ("not found")
/// as the run that fetched it, and an online run asks again once it is stale.
struct PYRESOLVE_API simple_entry {
  http_state http;
  index::version_map map;
};

/// A project page entry read without materializing its files. Loading checks the header and
/// checksum, then walks the whole payload once with every bound checked (so nothing read
/// later can fail) and keeps, per file, only what the resolver needs for every version: the
/// flags, the requires-python index and where its record and tag lists are in the entry's
/// bytes. Filenames, URLs, hashes and tags become `index::version_file`s only for the files
/// asked for (`file`, `entry`, `map`): for a warm resolve, the metadata file of each version
/// tried and the files of the pins. Immutable after `load`; thread-safe for reads.
/// A cache entry's bytes, read-only. An entry of at most 1 MiB (every page of the bundled
/// snapshot's top-1,000 closure) is read into a heap buffer, which `bin/resolve` grows on huge
/// pages: a mapping costs its own memory area, system calls, a fault per few pages touched,
/// and a lock that other threads' page faults wait for. A larger one is mapped: nothing is
/// copied, and only the parts read fault in. Entries are replaced by rename and never
/// rewritten in place, so a mapping stays valid while a newer entry takes its name or `cache
/// clean` unlinks it. Move-only.
class PYRESOLVE_API mapped_file {
 public:
  mapped_file() = default;
  ~mapped_file();
  mapped_file(mapped_file&& other) noexcept;
  mapped_file& operator=(mapped_file&& other) noexcept;
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  /// Maps or reads `path`; nullopt when there is no such file; an error naming it when it is
  /// not a regular file (a symlink, a FIFO, a folder, a device: nothing that could block or
  /// never end is read) or cannot be mapped or read whole. An empty file gives no bytes.
  [[nodiscard]] static result<std::optional<mapped_file>> open(const char* path);
  [[nodiscard]] std::string_view bytes() const noexcept { return {m_data, m_size}; }

 private:
  void release() noexcept;
  const char* m_data = nullptr;
  std::size_t m_size = 0;
  bool m_owned = false;  ///< read into a heap buffer (a small file), not mapped
};

class PYRESOLVE_API page_view {
 public:
  /// What `load` keeps of one file.
  struct file_facts {
    std::uint32_t record = 0;           ///< payload offset of the file's record
    std::uint32_t tags = 0;             ///< index of its tag set (wheels)
    std::int32_t requires_python = -1;  ///< index into `requires_python()`, -1: none
    std::uint8_t flags = 0;
    [[nodiscard]] bool yanked() const noexcept { return (flags & 1) != 0; }
    [[nodiscard]] bool sdist() const noexcept { return (flags & 8) != 0; }
  };

  /// Validates a `simple` entry (`bytes` is the file: header, checksum, versions and the
  /// fixed-width file tables) and indexes it, without parsing any file record: records are
  /// read, bounds-checked, when a file is materialized (`decode_simple` checks them all).
  /// Errors name `source`. `memory` holds the index (versions, per-file facts) and the versions outside
  /// the packed form; it must outlive the view.
  /// With `expected`, an entry written for another key is corrupt.
  [[nodiscard]] static result<page_view> load(std::string bytes, std::string_view source,
                                              std::pmr::memory_resource* memory = support::default_resource(),
                                              const entry_key* expected = nullptr);
  /// The same over a mapped entry, which the view then keeps.
  [[nodiscard]] static result<page_view> load(mapped_file bytes, std::string_view source,
                                              std::pmr::memory_resource* memory = support::default_resource(),
                                              const entry_key* expected = nullptr);
  /// File URLs of the same origin get the credentials of `index_url` when materialized (the
  /// entry stores none). A page merged from several indexes is given each of them: a file
  /// gets the credentials of the first one whose origin it shares.
  void set_credentials_from(std::string index_url) { m_index_urls.push_back(std::move(index_url)); }
  /// Which index (by position in the order asked) each version of a page merged from several
  /// indexes was taken from, one entry per version; `in_order`: the versions of each index are
  /// to be exhausted before the next one's (`index_strategy::unsafe_first_match`).
  void set_index_ranks(std::pmr::vector<std::uint8_t> ranks, bool in_order) {
    m_index_ranks = std::move(ranks);
    m_ranks_in_order = in_order;
  }
  /// The position of the index version `v` was taken from; 0 on a page of one index.
  [[nodiscard]] std::uint8_t index_rank(std::size_t v) const noexcept {
    return m_index_ranks.empty() ? 0 : m_index_ranks[v];
  }
  /// Whether the resolver tries the versions index by index (`set_index_ranks`).
  [[nodiscard]] bool ranks_in_order() const noexcept { return m_ranks_in_order; }

  [[nodiscard]] const http_state& http() const noexcept { return m_http; }
  [[nodiscard]] std::string_view name() const noexcept { return m_name; }
  [[nodiscard]] std::size_t skipped_files() const noexcept { return m_skipped; }
  [[nodiscard]] const std::pmr::vector<std::pmr::string>& requires_python_text() const noexcept {
    return m_rp_text;
  }
  [[nodiscard]] const std::pmr::vector<packaging::specifier_set>& requires_python() const noexcept {
    return m_rp;
  }
  /// Versions, ascending.
  [[nodiscard]] std::size_t size() const noexcept { return m_versions.size(); }
  [[nodiscard]] const packaging::version& version(std::size_t v) const { return m_versions[v]; }
  /// The index of exactly `v`, or nullopt.
  [[nodiscard]] std::optional<std::size_t> find(const packaging::version& v) const;
  /// The files of version `v`, sorted by filename.
  [[nodiscard]] std::span<const file_facts> files(std::size_t v) const {
    return std::span<const file_facts>(m_files).subspan(m_first_file[v],
                                                        m_first_file[v + 1] - m_first_file[v]);
  }
  /// The upload time (`index::dist_file::upload_time`) of file `i` of version `v`, read from
  /// the entry in place: `index::no_upload_time` when the page gave none. Any value a damaged
  /// entry holds is only compared; a file materialized with an out-of-range one fails to read.
  [[nodiscard]] std::int64_t upload_time(std::size_t v, std::size_t i) const noexcept;
  /// The best rank (`target_environment::rank`) in `environment` of each of the page's
  /// distinct wheel tag sets, nullopt where none of a set's tags fits. A page's wheels share a
  /// few tag sets, so each set is ranked once per page, not once per file.
  /// The ranks, and the scratch of per-tag-name ids that builds them, are in `memory`.
  using tag_set_ranks = std::pmr::vector<std::optional<std::uint32_t>>;
  [[nodiscard]] tag_set_ranks ranks_in(const packaging::target_environment& environment,
                                       std::pmr::memory_resource* memory = support::default_resource()) const;
  /// A file's rank from `ranks` (`ranks_in(environment)`): nullopt for sdists and
  /// incompatible wheels.
  [[nodiscard]] static std::optional<std::uint32_t> rank(const file_facts& file, const tag_set_ranks& ranks) {
    return file.sdist() ? std::nullopt : ranks[file.tags];
  }
  /// One file, materialized; nullopt when its record is malformed (see `read_file`).
  [[nodiscard]] std::optional<index::version_file> file(const file_facts& file) const;
  /// The same into `out`; false when its record is malformed (it reads past the payload or
  /// names no URL prefix): what is read then is empty, never out of bounds.
  [[nodiscard]] bool read_file(const file_facts& facts, index::version_file& out) const;
  /// Only the file's listing (no tags, no build tag) into `out`, in `out`'s resource: what a
  /// metadata load needs. False when the record is malformed, as `read_file`.
  [[nodiscard]] bool read_dist_file(const file_facts& facts, index::dist_file& out) const;
  /// One version with its files, materialized; a file whose record is malformed (see
  /// `read_file`) is left out.
  [[nodiscard]] index::version_entry entry(std::size_t v) const;
  /// Everything, materialized (what `decode_simple` returns).
  [[nodiscard]] index::version_map map() const;

 private:
  struct text_ref {
    std::uint32_t pos = 0, size = 0;
  };
  // Both readers: `tags` (when given) also gets the kind, tags and build tag.
  bool read_record(const file_facts& facts, index::dist_file& out, index::version_file* tags) const;
  [[nodiscard]] std::int64_t upload_time_at(std::size_t file) const noexcept;
  explicit page_view(std::pmr::memory_resource* memory)
      : m_http{0, -1, 0, false, std::pmr::string(memory), std::pmr::string(memory)},
        m_name(memory),
        m_rp_text(memory),
        m_rp(memory),
        m_prefixes(memory),
        m_tag_names(memory),
        m_tag_sets(memory),
        m_versions(memory),
        m_first_file(memory),
        m_files(memory),
        m_index_ranks(memory) {}
  [[nodiscard]] static result<page_view> index(std::string_view bytes, std::string_view source,
                                               std::pmr::memory_resource* memory, const entry_key* expected);
  [[nodiscard]] std::string_view payload() const noexcept;

  [[nodiscard]] std::string_view text(text_ref t) const noexcept { return payload().substr(t.pos, t.size); }

  std::string m_bytes;   ///< the entry, when it was read or made in memory
  mapped_file m_mapped;  ///< the entry, when it was mapped
  std::vector<std::string> m_index_urls;
  http_state m_http;
  std::pmr::string m_name;
  std::size_t m_skipped = 0;
  std::pmr::vector<std::pmr::string> m_rp_text;
  std::pmr::vector<packaging::specifier_set> m_rp;
  std::pmr::vector<text_ref> m_prefixes, m_tag_names;
  std::pmr::vector<std::uint32_t> m_tag_sets;  ///< payload offset of each tag set's three lists
  std::pmr::vector<packaging::version> m_versions;
  std::pmr::vector<std::uint32_t> m_first_file;  ///< per version, then the total
  std::pmr::vector<file_facts> m_files;
  std::pmr::vector<std::uint8_t> m_index_ranks;  ///< empty: a page of one index
  bool m_ranks_in_order = false;
  std::uint32_t m_upload_times = 0;  ///< payload offset of the upload-time table (i64 per file)
};

/// Serialization of entries (exposed for tests and benchmarks).
/// Layout: 32-byte header {magic `PYRSLVC\0`, u32 format, u32 kind, u64 payload length,
/// u64 XXH3-64 of the payload}, then the payload: little-endian fixed-width integers and
/// length-prefixed strings. Every read is bounds-checked; nothing is trusted before the
/// checksum matches. Versions, specifiers and requirements are stored as their parts (packed
/// version bits) and rebuilt without parsing; only versions outside the packed form and
/// markers are parsed on load. `memory` holds what the decoded packaging values allocate
/// (versions outside the packed form). Every entry starts with its `entry_key`; a decoder
/// given `expected` rejects an entry written for another key as corrupt.
[[nodiscard]] PYRESOLVE_API std::string encode_simple(const simple_entry& entry, const entry_key& key = {});
[[nodiscard]] PYRESOLVE_API result<simple_entry> decode_simple(
    std::string_view bytes, std::string_view source,
    std::pmr::memory_resource* memory = support::default_resource(), const entry_key* expected = nullptr);
/// `written_at` (unix seconds) is what `--refresh` compares against the start of the run.
[[nodiscard]] PYRESOLVE_API std::string encode_metadata(const packaging::core_metadata& metadata,
                                                        std::int64_t written_at = 0,
                                                        const entry_key& key = {});
/// A negative entry: the file's metadata was fetched (and hash-checked) but does not parse.
/// Files are immutable, so the verdict is kept; `decode_metadata` returns it as an error with
/// `errc::invalid_metadata` (corrupt entries give `errc::io_error`).
[[nodiscard]] PYRESOLVE_API std::string encode_metadata_error(const error& failure,
                                                              std::int64_t written_at = 0,
                                                              const entry_key& key = {});
/// Which requirements a metadata read materializes.
enum class metadata_scope : std::uint8_t {
  all,  ///< every `Requires-Dist`
  /// All but those whose marker is false without an extra (`marker::false_without_extra`):
  /// what a package asked for without extras can depend on, in the same order. Most of a
  /// project's requirements are often behind `extra == "test"` and the like; a resolve
  /// reads few of them.
  without_extra_only,
};

/// `markers`, when given, parses the requirements' markers (shared across decodes).
[[nodiscard]] PYRESOLVE_API result<packaging::core_metadata> decode_metadata(
    std::string_view bytes, std::string_view source, std::int64_t* written_at = nullptr,
    std::pmr::memory_resource* memory = support::default_resource(),
    packaging::marker_memo* markers = nullptr, metadata_scope scope = metadata_scope::all,
    const entry_key* expected = nullptr);

/// The cache root: folders, lock, atomic writes and maintenance. Thread-safe.
class PYRESOLVE_API cache {
 public:
  /// Creates the root, its `CACHEDIR.TAG` and lock file, and takes the shared lock for the
  /// lifetime of the object. With `no_cache`, nothing is touched. The temp-dir fallback root
  /// (`default_cache_root`) must be a real folder of this user with no access for others.
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
  [[nodiscard]] std::filesystem::path metadata_path(std::string_view name,
                                                    const index::dist_file& file) const;
  /// The same paths as plain strings: what a warm run reads (an `fs::path` also allocates the
  /// list of its components). A path is built only from safe components: a project name or
  /// filename that is not a plain file name (empty, `.`, `..`, longer than 200 bytes, or with
  /// `/`, `\`, NUL or another control character) is replaced by `~` and a hash of it, so
  /// every path stays a file below its bucket whatever an index calls its files.
  [[nodiscard]] std::string simple_file(std::string_view index_url, std::string_view name) const;
  [[nodiscard]] std::string metadata_file(std::string_view name, const index::dist_file& file) const;
  /// The same strings in `memory` (`cached_index` builds them in its resource).
  [[nodiscard]] std::pmr::string simple_file(std::string_view index_url, std::string_view name,
                                             std::pmr::memory_resource* memory) const;
  [[nodiscard]] std::pmr::string metadata_file(std::string_view name, const index::dist_file& file,
                                               std::pmr::memory_resource* memory) const;

  /// Whole file; nullopt when absent or not readable as an entry (see `read_entry`).
  [[nodiscard]] std::optional<std::string> read(const std::filesystem::path& path) const {
    return read_file(path.c_str());
  }
  [[nodiscard]] std::optional<std::string> read_file(const char* path) const;
  /// `read_entry`, with anything but its bytes as nullopt.
  [[nodiscard]] std::optional<std::string_view> read_file(const char* path, std::string& buffer) const;
  /// An entry into `buffer`, which keeps its size for the next call (no allocation or
  /// zero-fill once it is large enough); the view is valid until `buffer` changes. Nullopt:
  /// no such file. An error naming the path (`errc::io_error`, a corrupt entry) when it is
  /// not a regular file (opened with `O_NOFOLLOW|O_NONBLOCK`, so a symlink, FIFO or device is
  /// never followed nor waited on) or cannot be read; a file larger than its first read whose
  /// header does not declare exactly its size is read no further.
  [[nodiscard]] result<std::optional<std::string_view>> read_entry(const char* path,
                                                                   std::string& buffer) const;
  /// Writes a temp file in the same folder and renames it into place.
  [[nodiscard]] result<void> write(const std::filesystem::path& path, std::string_view bytes) const;
  /// Removes a bad entry (best effort): a file, or whatever took its name (a folder is removed
  /// with its contents; symlinks are removed, never followed).
  void remove(const std::filesystem::path& path) const;

  /// Whether `--refresh` / `--refresh-package` makes an entry written at `written` stale.
  [[nodiscard]] bool refresh_requested(std::string_view name, std::int64_t written) const;

  [[nodiscard]] result<cache_info> info() const;
  /// Removes everything (no names) or the entries of the named projects. Exclusive lock.
  /// Each name must be a valid project name (`errc::invalid_name` naming it, and nothing is
  /// removed, otherwise). Nothing outside the root is removed: symlinks are removed, never
  /// followed.
  [[nodiscard]] result<std::uint64_t> clean(const std::vector<std::string>& names);
  /// Removes unknown buckets (older formats), temp files and empty folders. Exclusive lock.
  /// Symlinks are never followed.
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
struct PYRESOLVE_API cached_index_stats {
  std::uint64_t fresh_hits = 0;   ///< used without any request
  std::uint64_t revalidated = 0;  ///< 304 Not Modified
  std::uint64_t fetched = 0;      ///< downloaded and parsed
  std::uint64_t corrupt = 0;      ///< entries that failed validation
  std::uint64_t metadata_hits = 0;
  std::uint64_t metadata_fetched = 0;
};

namespace detail {
struct cached_index_state;
}

/// What the resolver calls: project pages and metadata through the cache, each fetched at
/// most once per run even when many threads ask at the same time. Thread-safe.
class PYRESOLVE_API cached_index {
 public:
  /// `memory` holds the decoded pages and metadata (what the resolver reads); it must
  /// outlive this object and every page or metadata it handed out.
  cached_index(cache& store, index::index_client& client, index::index_locations locations,
               std::pmr::memory_resource* memory = support::default_resource());
  ~cached_index();

  /// The version map of a project from the first index that has it (uv's `first-index`).
  [[nodiscard]] result<std::shared_ptr<const index::version_map>> project(std::string_view name);
  /// The same page as a `page_view` (files materialized on demand): what the resolver reads.
  [[nodiscard]] result<std::shared_ptr<const page_view>> project_page(std::string_view name);
  /// The core metadata of one file of `project`. With `metadata_scope::without_extra_only`
  /// a cached entry leaves out the requirements that need an extra; metadata fetched in this
  /// run is whole either way. Each scope is read at most once per file and run.
  [[nodiscard]] result<std::shared_ptr<const packaging::core_metadata>> metadata(
      std::string_view project, const index::dist_file& file, metadata_scope scope = metadata_scope::all);
  /// `project_page` and `metadata` when they can answer without HTTP, with the answer they
  /// would give (a fresh entry; any entry offline; the offline and no-cache rules; `file:`
  /// URLs, which are read directly). nullopt when the call needs the network: an HTTP index
  /// or file with no fresh entry (or with `--refresh`), or the same key being loaded by
  /// another caller now. A declined call changes nothing but what it found corrupt (removed
  /// and counted, as the normal call does); the normal call then loads the key.
  [[nodiscard]] std::optional<result<std::shared_ptr<const page_view>>> project_page_from_cache(
      std::string_view name);
  [[nodiscard]] std::optional<result<std::shared_ptr<const packaging::core_metadata>>> metadata_from_cache(
      std::string_view project, const index::dist_file& file, metadata_scope scope = metadata_scope::all);
  [[nodiscard]] cached_index_stats stats() const;
  /// The index URL (credentials stripped) a project's page was read from in this run, empty
  /// when `project(name)` has not succeeded (yet). For pylock.toml and reports.
  [[nodiscard]] std::string index_url(std::string_view name) const;
  /// The same for one version: on a page merged from several indexes (`index_strategy`'s
  /// unsafe modes), the index that version was taken from.
  [[nodiscard]] std::string index_url(std::string_view name, const packaging::version& version);
  /// The client underneath.
  [[nodiscard]] index::index_client& client() noexcept { return m_client; }
  /// Whether a load can still add to the cache: it is enabled and the run may fetch.
  [[nodiscard]] bool can_store() const noexcept;
  /// Whether the cache holds an entry (fresh or not) for `name`'s page under one of the
  /// indexes, or for `file`'s metadata: a file test, nothing is read. A load started only to
  /// fill the cache for the next run is pointless then.
  [[nodiscard]] bool stored(std::string_view name) const;
  [[nodiscard]] bool stored(std::string_view project, const index::dist_file& file) const;

 private:
  /// nullopt only when `cache_only` and the answer needs HTTP.
  std::optional<result<std::shared_ptr<const page_view>>> load_project(std::string_view name,
                                                                       bool cache_only);
  /// What one index says about a project.
  struct index_answer {
    enum class kind : std::uint8_t { page, absent, unanswered, needs_network } what = kind::absent;
    std::shared_ptr<const page_view> page;  ///< with the index's credentials; `kind::page` only
  };
  result<index_answer> ask_index(const std::string& index_url, std::string_view name, bool cache_only);
  /// Remembers where `name` was found and passes the page through.
  std::shared_ptr<const page_view> found(std::string_view name, const std::string& index_url,
                                         std::shared_ptr<const page_view> page);
  std::optional<result<std::shared_ptr<const packaging::core_metadata>>> load_metadata(
      std::string_view name, const index::dist_file& file, metadata_scope scope, bool cache_only);
  cache& m_cache;
  index::index_client& m_client;
  index::index_locations m_locations;
  std::pmr::memory_resource* m_memory;
  std::vector<std::string> m_ordered;  ///< `m_locations.ordered()`, once
  std::unique_ptr<detail::cached_index_state> m_state;
};

}  // namespace pyresolve::cache
