#pragma once
/// @file
/// Reads project pages and core metadata from one or more simple repositories.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/index/http.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/metadata.hpp"
#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index {

/// The `Accept` header of every page request (PEP 691 JSON preferred, HTML as fallback).
inline constexpr const char* page_accept =
    "Accept: application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01";

/// How the versions of a project listed by several indexes are combined (uv's
/// `--index-strategy`).
enum class index_strategy : std::uint8_t {
  /// The first index that lists the project is its only source (the safe default: a
  /// project on a private index cannot be shadowed by a public one of the same name).
  first_index,
  /// Every index is read; a version comes from the first index that lists it, and the
  /// versions of an earlier index are all tried before those of a later one.
  unsafe_first_match,
  /// Every index is read; a version comes from the first index that lists it, and the best
  /// version among all of them is chosen.
  unsafe_best_match,
};

/// Which indexes to read, as uv's `--index-url`, `--extra-index-url` and `--no-index`.
struct PYRESOLVE_API index_locations {
  std::string index_url = "https://pypi.org/simple";
  std::vector<std::string> extra_index_urls;
  bool no_index = false;
  index_strategy strategy = index_strategy::first_index;

  /// Indexes in the order they are asked: extra indexes first, then the default index.
  [[nodiscard]] std::vector<std::string> ordered() const;
};

/// Validators and freshness of a fetched page, as RFC 9111 needs them.
struct PYRESOLVE_API cache_headers {
  std::string etag;
  std::string last_modified;
  std::string cache_control;
  std::string date;
  std::string age;
};

/// The raw outcome of one page request.
struct PYRESOLVE_API page_response {
  enum class status_kind : std::uint8_t { ok, not_modified, not_found } status = status_kind::ok;
  std::string url;  ///< redacted: for messages
  /// The URL links are resolved against: the requested URL with its credentials, or the
  /// redirect target. Never show it to users.
  std::string base_url;
  std::string body;
  std::string content_type;  ///< `application/vnd.pypi.simple.v1+json`, `text/html`, ...
  cache_headers headers;
};

/// Parses a page body by its content type (JSON, or HTML); other types are an error naming
/// the URL and the type.
[[nodiscard]] PYRESOLVE_API result<project_page> parse_page(const page_response& response);

/// Reads pages and metadata. Thread-safe; blocking calls wait on the shared `http_client`.
class PYRESOLVE_API index_client {
 public:
  index_client(http_client& http, log_sink log = {}) : m_http(http), m_log(std::move(log)) {}

  /// GET `<index>/<name>/`, conditional when `validators` is given (a 304 answers
  /// `not_modified`). `file://` indexes read `<dir>/<name>/index.json`, else `index.html`
  /// (an index folder that does not exist is an error naming it, not "not found").
  /// 404 and 410 answer `not_found`; other failures are errors naming the URL and the cause.
  [[nodiscard]] result<page_response> fetch_page(std::string_view index_url, std::string_view normalized_name,
                                                 const cache_headers* validators = nullptr);

  /// The core metadata text of a file: the PEP 658 file when advertised (its sha256
  /// checked), else `*.dist-info/METADATA` read out of the wheel with range requests (a full
  /// download, hash-checked, when the server ignores ranges). For an sdist (`.tar.gz`,
  /// `.zip`, ...): the whole file is downloaded (hash-checked) and `<name>-<version>/PKG-INFO`
  /// is read out of it, accepted only when it is Metadata 2.2+ and `Requires-Dist` is not
  /// `Dynamic` (PEP 643); otherwise, or when the archive is corrupt, an error naming the URL
  /// and the file says a build would be needed.
  ///
  /// Error codes: a hash mismatch is `errc::io_error` (the bytes are not the ones the index
  /// promised, perhaps damaged in transit: worth asking again); `errc::invalid_metadata` is a
  /// verdict on the bytes received (no METADATA, a corrupt archive, an sdist needing a build),
  /// final for a file whose sha256 was checked.
  ///
  /// A `file:` URL is read only once this client has been asked for a page of a `file:`
  /// index, or told that one is in use (`allow_local_files`): the page parsers already refuse
  /// `file:` links on remote pages, and this keeps a `dist_file` from anywhere else from
  /// reading local files when every index is remote.
  [[nodiscard]] result<std::string> fetch_metadata_text(const dist_file& file);

  /// `fetch_metadata_text` then `core_metadata::parse`.
  [[nodiscard]] result<packaging::core_metadata> fetch_metadata(const dist_file& file);

  [[nodiscard]] http_client& http() noexcept { return m_http; }

  /// Lets `file:` URLs be read: a `file:` index is in use, and its pages may come from the
  /// cache without this client reading one.
  void allow_local_files() noexcept { m_local_files.store(true, std::memory_order_relaxed); }

 private:
  result<std::string> read_range_metadata(const dist_file& file);
  /// The whole file (local or over HTTP), its sha256 checked when the index gives one.
  result<std::string> download(const dist_file& file);
  static result<std::string> check_file_hash(const dist_file& file, std::string body);
  /// An error unless a `file:` index is in use.
  [[nodiscard]] std::optional<unexpected<error>> refuse_local(std::string_view url) const;
  http_client& m_http;
  log_sink m_log;
  std::atomic<bool> m_local_files{false};  ///< set by the first page of a `file:` index
};

/// `url` without `user:password@` (what may be written to disk).
[[nodiscard]] PYRESOLVE_API std::string strip_credentials(std::string_view url);

/// `url` with the credentials of `index_url` when both have the same origin — scheme, host
/// and port, default ports normalized — and `url` has none (as uv and pip apply an index's
/// credentials to its files).
[[nodiscard]] PYRESOLVE_API std::string with_credentials_of(std::string_view url, std::string_view index_url);

/// Lowercase hex sha256 of `data`; empty when libcrypto cannot be loaded (it is opened on first use).
[[nodiscard]] PYRESOLVE_API std::string sha256_hex(std::string_view data);

}  // namespace pyresolve::index
