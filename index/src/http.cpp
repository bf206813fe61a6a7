#include "pyresolve/index/http.hpp"

#include "detail/backend.hpp"
#include "detail/http_callbacks.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "pyresolve/index/project_page.hpp"

namespace pyresolve::index {
namespace detail {
namespace {

struct easy_deleter {
  void operator()(CURL* h) const noexcept { detail::io().curl.curl_easy_cleanup(h); }
};
struct multi_deleter {
  void operator()(CURLM* h) const noexcept { detail::io().curl.curl_multi_cleanup(h); }
};
struct slist_deleter {
  void operator()(curl_slist* l) const noexcept { detail::io().curl.curl_slist_free_all(l); }
};
using easy_handle = std::unique_ptr<CURL, easy_deleter>;
using multi_handle = std::unique_ptr<CURLM, multi_deleter>;
using slist_handle = std::unique_ptr<curl_slist, slist_deleter>;

/// curl_global_init is not thread-safe; do it once per process.
void global_init() {
  static const bool done = [] {
    return detail::io().curl.curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  }();
  (void)done;
}

using clock = std::chrono::steady_clock;

struct transfer {
  http_request request;
  http_client::callback done;
  unsigned attempt = 0;
  easy_handle easy;
  slist_handle headers;
  http_response response;
  response_sink sink;
  char error_buffer[CURL_ERROR_SIZE] = {};
  clock::time_point not_before{};
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char a = line[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != name[i]) return false;
  }
  return true;
}

}  // namespace

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) noexcept {
  auto& sink = *static_cast<response_sink*>(user);
  return guarded(sink, [&]() -> std::size_t {
    const std::size_t bytes = size * n;
    std::string& body = sink.response->body;
    // The bytes counted are the decompressed ones: a gzip bomb is stopped by what it becomes.
    if (bytes > sink.max_body || body.size() > sink.max_body - bytes) {
      sink.aborted = abort_reason::body_too_large;
      return callback_error;
    }
    sink.received += bytes;
    // Doubling would overshoot the cap by up to half of it; never reserve past the cap.
    if (body.size() + bytes > body.capacity())
      body.reserve(std::min<std::uint64_t>(std::max<std::uint64_t>(2 * body.capacity(), body.size() + bytes),
                                           sink.max_body));
    body.append(data, bytes);
    return bytes;
  });
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) noexcept {
  auto& sink = *static_cast<response_sink*>(user);
  return guarded(sink, [&]() -> std::size_t {
    const std::size_t bytes = size * n;
    if (bytes > sink.max_headers || sink.header_bytes > sink.max_headers - bytes) {
      sink.aborted = abort_reason::headers_too_large;
      return callback_error;
    }
    sink.header_bytes += bytes;
    sink.received += bytes;
    std::string_view line(data, bytes);
    // Each response of a redirect chain starts with a status line: keep only the last headers.
    if (line.starts_with("HTTP/")) {
      *sink.response = http_response{};  // a redirect's body is dropped with its headers
      return bytes;
    }
    struct field {
      std::string_view name;
      std::string http_response::*member;
    };
    static const field fields[] = {{"content-type", &http_response::content_type},
                                   {"etag", &http_response::etag},
                                   {"last-modified", &http_response::last_modified},
                                   {"cache-control", &http_response::cache_control},
                                   {"date", &http_response::date},
                                   {"age", &http_response::age},
                                   {"retry-after", &http_response::retry_after},
                                   {"content-range", &http_response::content_range}};
    for (const auto& f : fields)
      if (iequals_prefix(line, f.name)) (*sink.response).*f.member = trim(line.substr(f.name.size() + 1));
    return bytes;
  });
}

namespace {

bool retryable_curl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct client_impl {
  client_options options;
  multi_handle multi;
  std::mutex mutex;
  std::deque<std::unique_ptr<transfer>> queued;                  // guarded by mutex
  bool stopping = false;                                         // guarded by mutex
  std::unordered_map<CURL*, std::unique_ptr<transfer>> running;  // worker thread only
  std::vector<std::unique_ptr<transfer>> waiting;                // retries not yet due; worker thread only
  std::atomic<std::uint64_t> requests{0}, retries{0}, bytes{0};
  std::mt19937_64 rng{std::random_device{}()};
  std::thread worker;
  std::once_flag started;
  std::optional<error> start_error;  ///< written once, inside `started`

  /// Loads libcurl and starts the multi handle and its worker thread on the first request:
  /// a warm run makes none, so it never loads libcurl nor starts a thread.
  bool ensure_started() {
    std::call_once(started, [this] {
      if (const auto& loaded = detail::backend(); !loaded) {
        start_error = loaded.error();
        return;
      }
      global_init();
      multi.reset(detail::io().curl.curl_multi_init());
      detail::io().curl.curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING,
                                          static_cast<long>(CURLPIPE_MULTIPLEX));
      detail::io().curl.curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                                          static_cast<long>(options.max_in_flight));
      worker = std::thread([this] { run(); });
    });
    return !start_error;
  }

  void log(log_level level, const std::string& msg) const {
    if (options.log) options.log(level, msg);
  }

  void start(transfer& t) {
    t.response = http_response{};
    t.sink =
        response_sink{&t.response, options.max_body_size, options.max_header_bytes, 0, 0, abort_reason::none};
    t.easy.reset(detail::io().curl.curl_easy_init());
    CURL* e = t.easy.get();
    detail::io().curl.curl_easy_setopt(e, CURLOPT_URL, t.request.url.c_str());
    detail::io().curl.curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_WRITEDATA, &t.sink);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_HEADERDATA, &t.sink);
    // A declared length over the cap fails before any byte is stored; the write callback
    // catches what is not declared (chunked, compressed).
    detail::io().curl.curl_easy_setopt(
        e, CURLOPT_MAXFILESIZE_LARGE,
        static_cast<curl_off_t>(std::min<std::uint64_t>(options.max_body_size, INT64_MAX)));
    detail::io().curl.curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                                       static_cast<long>(options.total_timeout.count()) * 1000L);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_MAXREDIRS, 10L);
    // Credentials in the URL must not leak to another host after a redirect.
    detail::io().curl.curl_easy_setopt(e, CURLOPT_UNRESTRICTED_AUTH, 0L);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    detail::io().curl.curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    detail::io().curl.curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                                       static_cast<long>(options.connect_timeout.count()));
    detail::io().curl.curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
                                       static_cast<long>(options.low_speed_time.count()));
    detail::io().curl.curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
    detail::io().curl.curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    // Redirects never go down: from https only to https (curl refuses file: and the rest).
    const bool secure = t.request.url.size() >= 6 && (t.request.url.compare(0, 6, "https:") == 0 ||
                                                      t.request.url.compare(0, 6, "HTTPS:") == 0);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, secure ? "https" : "http,https");
    if (options.use_netrc)
      detail::io().curl.curl_easy_setopt(e, CURLOPT_NETRC, static_cast<long>(CURL_NETRC_OPTIONAL));
    if (const char* ca = std::getenv("SSL_CERT_FILE"); ca && *ca)
      detail::io().curl.curl_easy_setopt(e, CURLOPT_CAINFO, ca);
    if (const char* dir = std::getenv("SSL_CERT_DIR"); dir && *dir)
      detail::io().curl.curl_easy_setopt(e, CURLOPT_CAPATH, dir);
    curl_slist* list = nullptr;
    auto add = [&](const std::string& h) {
      if (curl_slist* n = detail::io().curl.curl_slist_append(list, h.c_str())) list = n;
    };
    for (const auto& h : t.request.headers) add(h);
    if (!t.request.if_none_match.empty()) add("If-None-Match: " + t.request.if_none_match);
    if (!t.request.if_modified_since.empty()) add("If-Modified-Since: " + t.request.if_modified_since);
    t.headers.reset(list);
    detail::io().curl.curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    std::string range;
    if (t.request.range) {
      auto [first, last] = *t.request.range;
      range = first < 0 ? "-" + std::to_string(-first) : std::to_string(first) + "-" + std::to_string(last);
      detail::io().curl.curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());  // curl copies the string
    }
    detail::io().curl.curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    requests.fetch_add(1, std::memory_order_relaxed);
    detail::io().curl.curl_multi_add_handle(multi.get(), e);
  }

  std::chrono::milliseconds backoff(const transfer& t) {
    if (!t.response.retry_after.empty()) {
      // Delta-seconds, or an HTTP date (RFC 9110 10.2.3); anything else falls back to backoff.
      char* end = nullptr;
      long secs = std::strtol(t.response.retry_after.c_str(), &end, 10);
      if (!(end && *end == '\0' && secs >= 0)) {
        time_t when = detail::io().curl.curl_getdate(t.response.retry_after.c_str(), nullptr);
        secs = when > 0 ? std::max<long>(0, static_cast<long>(when - std::time(nullptr))) : -1;
      }
      if (secs >= 0)
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min(std::chrono::seconds(secs), options.retry_after_max));
    }
    auto base = options.backoff_base.count() << std::min(t.attempt, 16U);
    auto capped = std::min<long long>(base, options.backoff_max.count());
    // Full jitter, so that many clients failing together do not come back together.
    std::uniform_int_distribution<long long> dist(capped / 2, std::max<long long>(capped, 1));
    return std::chrono::milliseconds(dist(rng));
  }

  void finish(std::unique_ptr<transfer> t, CURLcode code) {
    std::string url = redact_url(t->request.url);
    long status = 0;
    detail::io().curl.curl_easy_getinfo(t->easy.get(), CURLINFO_RESPONSE_CODE, &status);
    char* eff = nullptr;
    detail::io().curl.curl_easy_getinfo(t->easy.get(), CURLINFO_EFFECTIVE_URL, &eff);
    t->response.status = status;
    t->response.effective_url = redact_url(eff ? eff : t->request.url);
    bytes.fetch_add(t->response.body.size(), std::memory_order_relaxed);
    bool transient = code != CURLE_OK ? retryable_curl(code) : (status >= 500 || status == 429);
    // A server that answers, but too slowly (a drip) or for too long, would do it again: only a
    // transfer that received nothing at all is worth another try after a timeout.
    if (code == CURLE_OPERATION_TIMEDOUT && t->sink.received > 0) transient = false;
    if (transient && t->attempt < options.max_retries) {
      auto delay = backoff(*t);
      ++t->attempt;
      retries.fetch_add(1, std::memory_order_relaxed);
      log(log_level::debug, "retrying " + url + " in " + std::to_string(delay.count()) + " ms (" +
                                (code != CURLE_OK ? std::string(detail::io().curl.curl_easy_strerror(code))
                                                  : "HTTP " + std::to_string(status)) +
                                ")");
      t->not_before = clock::now() + delay;
      t->easy.reset();
      waiting.push_back(std::move(t));
      return;
    }
    if (code != CURLE_OK) {
      std::string detail =
          t->error_buffer[0] ? std::string(t->error_buffer) : detail::io().curl.curl_easy_strerror(code);
      // curl's messages may quote the URL it was given; never echo credentials.
      if (auto at = t->request.url.find('@'); at != std::string::npos)
        detail = detail::io().curl.curl_easy_strerror(code);
      switch (t->sink.aborted) {
        case abort_reason::body_too_large:
          detail = "the response body is larger than the limit of " + std::to_string(options.max_body_size) +
                   " bytes";
          break;
        case abort_reason::headers_too_large:
          detail = "the response headers are larger than the limit of " +
                   std::to_string(options.max_header_bytes) + " bytes";
          break;
        case abort_reason::out_of_memory:
          detail = "out of memory while receiving the response";
          break;
        case abort_reason::none:
          if (code == CURLE_FILESIZE_EXCEEDED)
            detail = "the response declares a length over the limit of " +
                     std::to_string(options.max_body_size) + " bytes";
          else if (code == CURLE_OPERATION_TIMEDOUT)
            detail += " (limits: " + std::to_string(options.total_timeout.count()) +
                      " s per request, at least " + std::to_string(options.low_speed_limit) +
                      " bytes/s over " + std::to_string(options.low_speed_time.count()) + " s)";
          break;
      }
      auto done = std::move(t->done);
      std::string msg = "request failed: " + detail;
      if (t->attempt > 0) msg += " (after " + std::to_string(t->attempt + 1) + " attempts)";
      done(unexpected<error>{error{errc::io_error, std::move(msg), url, 0, 0}});
      return;
    }
    auto done = std::move(t->done);
    done(std::move(t->response));
  }

  void run() {
    while (true) {
      {
        std::lock_guard lock(mutex);
        if (stopping && queued.empty() && running.empty() && waiting.empty()) return;
        while (!queued.empty() && running.size() < options.max_in_flight) {
          auto t = std::move(queued.front());
          queued.pop_front();
          start(*t);
          CURL* e = t->easy.get();
          running.emplace(e, std::move(t));
        }
      }
      auto now = clock::now();
      for (auto it = waiting.begin(); it != waiting.end();) {
        if ((*it)->not_before <= now && running.size() < options.max_in_flight) {
          start(**it);
          CURL* e = (*it)->easy.get();
          running.emplace(e, std::move(*it));
          it = waiting.erase(it);
        } else {
          ++it;
        }
      }
      int still = 0;
      detail::io().curl.curl_multi_perform(multi.get(), &still);
      int left = 0;
      while (CURLMsg* msg = detail::io().curl.curl_multi_info_read(multi.get(), &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL* e = msg->easy_handle;
        CURLcode code = msg->data.result;
        detail::io().curl.curl_multi_remove_handle(multi.get(), e);
        auto node = running.extract(e);
        if (!node.empty()) finish(std::move(node.mapped()), code);
      }
      int timeout_ms = 200;
      now = clock::now();
      for (const auto& w : waiting) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(w->not_before - now).count();
        timeout_ms = std::clamp(static_cast<int>(ms), 0, timeout_ms);
      }
      detail::io().curl.curl_multi_poll(multi.get(), nullptr, 0, timeout_ms, nullptr);
    }
  }
};

}  // namespace detail

http_client::http_client(client_options options) : m_impl(std::make_unique<detail::client_impl>()) {
  m_impl->options = std::move(options);
  if (m_impl->options.max_in_flight == 0) m_impl->options.max_in_flight = 1;
}

http_client::~http_client() {
  if (!m_impl->worker.joinable()) return;  // never started
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->stopping = true;
  }
  detail::io().curl.curl_multi_wakeup(m_impl->multi.get());
  m_impl->worker.join();
}

void http_client::submit(http_request request, callback done) {
  if (!m_impl->ensure_started()) {
    done(unexpected<error>{*m_impl->start_error});
    return;
  }
  auto t = std::make_unique<detail::transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  {
    std::lock_guard lock(m_impl->mutex);
    m_impl->queued.push_back(std::move(t));
  }
  detail::io().curl.curl_multi_wakeup(m_impl->multi.get());
}

std::future<result<http_response>> http_client::fetch(http_request request) {
  auto promise = std::make_shared<std::promise<result<http_response>>>();
  auto future = promise->get_future();
  submit(std::move(request), [promise](result<http_response> r) { promise->set_value(std::move(r)); });
  return future;
}

result<http_response> http_client::get(http_request request) { return fetch(std::move(request)).get(); }

client_stats http_client::stats() const noexcept {
  return {m_impl->requests.load(), m_impl->retries.load(), m_impl->bytes.load()};
}

}  // namespace pyresolve::index
