#pragma once
/// @file
/// An HTTP client on libcurl's multi interface: many transfers in flight on one worker thread,
/// connection reuse, HTTP/2 where offered, gzip, redirects, timeouts and retries.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pyresolve/support/diagnostics.hpp"
#include "pyresolve/support/export.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::index {

/// One GET.
struct PYRESOLVE_API http_request {
  std::string url;
  std::vector<std::string> headers;  ///< extra `Name: value` lines (e.g. `Accept`)
  std::string if_none_match;         ///< ETag for a conditional request; empty: none
  std::string if_modified_since;     ///< Last-Modified for a conditional request; empty: none
  /// `bytes=first-last`; a negative `first` asks for the last `-first` bytes (suffix range).
  std::optional<std::pair<std::int64_t, std::int64_t>> range;
};

/// A completed response (any status: the caller decides what a 404 means).
struct PYRESOLVE_API http_response {
  long status = 0;
  std::string body;
  std::string effective_url;  ///< after redirects, credentials redacted
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string cache_control;
  std::string date;
  std::string age;
  std::string retry_after;
  std::string content_range;
};

/// Tunables; the defaults are uv's where uv has one.
struct PYRESOLVE_API client_options {
  std::size_t max_in_flight = 50;
  std::chrono::milliseconds connect_timeout{10'000};
  /// A transfer slower than `low_speed_limit` bytes/s for `low_speed_time` is aborted: this
  /// is what catches a stalled server (retried when nothing at all had arrived) or one that
  /// drips its answer (not retried).
  std::chrono::seconds low_speed_time{30};
  long low_speed_limit = 1024;
  /// Each attempt of a request ends after this long, however fast bytes arrive.
  std::chrono::seconds total_timeout{300};
  /// The largest response body kept, counted after decompression (a gzip bomb stops here);
  /// a larger declared Content-Length fails at once. Neither is retried.
  std::uint64_t max_body_size = std::uint64_t{256} << 20;
  /// The most header bytes accepted for one request (all responses of a redirect chain).
  std::uint64_t max_header_bytes = std::uint64_t{256} << 10;
  unsigned max_retries = 3;
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{10'000};
  /// Retry-After values above this are capped, so a hostile server cannot park us for hours.
  std::chrono::seconds retry_after_max{60};
  bool use_netrc = true;
  std::string user_agent = "pyresolve/0.1";
  log_sink log;
};

/// Counters for tests and benchmarks.
struct PYRESOLVE_API client_stats {
  std::uint64_t requests = 0;  ///< transfers started, retries included
  std::uint64_t retries = 0;
  std::uint64_t bytes = 0;  ///< body bytes received
};

namespace detail {
struct client_impl;
}

/// Thread-safe HTTP client: `submit` may be called from any thread; callbacks run on the
/// client's worker thread and must not block (hand work to a task scheduler instead).
/// Credentials may be in the URL or in `~/.netrc`; they never appear in errors or logs.
/// Proxies (`HTTPS_PROXY`, `NO_PROXY`, ...) are read by curl from the environment;
/// `SSL_CERT_FILE` / `SSL_CERT_DIR` set the CA bundle.
class PYRESOLVE_API http_client {
 public:
  using callback = std::function<void(result<http_response>)>;

  explicit http_client(client_options options = {});
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Queues a request; `done` is called exactly once.
  void submit(http_request request, callback done);
  /// Queues a request and returns a future of its result.
  [[nodiscard]] std::future<result<http_response>> fetch(http_request request);
  /// Blocking convenience: `fetch(...).get()`. It blocks the calling thread; a task scheduler
  /// calls it from threads of its own that may block (the resolver's `index_provider` hands
  /// the loads that need the network to its I/O threads).
  [[nodiscard]] result<http_response> get(http_request request);

  [[nodiscard]] client_stats stats() const noexcept;

 private:
  std::unique_ptr<detail::client_impl> m_impl;
};

}  // namespace pyresolve::index
