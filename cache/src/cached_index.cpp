#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory_resource>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "detail/merged_page.hpp"
#include "pyresolve/cache/cache.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/support/text_hash.hpp"

namespace pyresolve::cache {
namespace detail {

/// Computes each key once; concurrent askers wait for the first one's answer. Keys, nodes and
/// answers live in the index's memory.
///
/// Not `std::promise`: its `set_value` runs through `std::call_once`, and glibc's `pthread_once`
/// ends with a futex wake whether anyone waits or not. That was one system call per page and
/// per metadata file read (193 of a warm jupyter.in resolve's 247 futex calls). Here only an
/// answer someone is actually waiting for wakes anybody.
template <class V>
class once_map {
 public:
  explicit once_map(std::pmr::memory_resource* memory) : m_map(memory) {}

  template <class F>
  V get(std::string_view key, F&& compute) {
    auto [s, owner] = find(key);
    while (!owner) {
      std::uint32_t seen = s->state.load(std::memory_order_acquire);
      if (seen == done) break;
      if (seen == vacant) {  // a cache-only attempt gave it up: whoever comes next computes
        owner = s->state.compare_exchange_strong(seen, computing, std::memory_order_acquire);
        continue;
      }
      // Say that someone waits before sleeping, so the owner knows to wake us.
      if (seen == computing &&
          !s->state.compare_exchange_strong(seen, computing_awaited, std::memory_order_acquire))
        continue;
      s->state.wait(computing_awaited, std::memory_order_acquire);
    }
    if (owner) {
      try {
        s->value.emplace(compute());
      } catch (...) {
        s->failure = std::current_exception();
        publish(*s, done);
        throw;
      }
      publish(*s, done);
      return *s->value;
    }
    if (s->failure) std::rethrow_exception(s->failure);
    return *s->value;
  }

  /// `get` for a `compute` that may decline (nullopt: it cannot answer without the network).
  /// A declined key stays uncomputed: the next `get` or `try_get` computes it. nullopt too
  /// when another caller is computing the key now (it may be on the network).
  template <class F>
  std::optional<V> try_get(std::string_view key, F&& compute) {
    auto [s, owner] = find(key);
    if (!owner) {
      std::uint32_t seen = s->state.load(std::memory_order_acquire);
      if (seen == done) {
        if (s->failure) std::rethrow_exception(s->failure);
        return *s->value;
      }
      if (seen != vacant || !s->state.compare_exchange_strong(seen, computing, std::memory_order_acquire))
        return std::nullopt;
    }
    std::optional<V> out;
    try {
      out = compute();
    } catch (...) {
      s->failure = std::current_exception();
      publish(*s, done);
      throw;
    }
    if (!out) {
      publish(*s, vacant);
      return std::nullopt;
    }
    s->value.emplace(*out);
    publish(*s, done);
    return out;
  }

 private:
  /// `vacant`: a cache-only attempt declined; waiters wake and one of them computes.
  static constexpr std::uint32_t computing = 0, computing_awaited = 1, done = 2, vacant = 3;
  struct slot {
    std::atomic<std::uint32_t> state{computing};
    std::optional<V> value;
    std::exception_ptr failure;  ///< what `compute` threw (out of memory), rethrown to every asker
  };

  struct found_slot {
    slot* s;
    bool owner;  ///< inserted now: the caller computes
  };
  found_slot find(std::string_view key) {
    std::pmr::string k(key, m_map.get_allocator());
    std::lock_guard lock(m_mutex);
    auto [it, inserted] = m_map.try_emplace(std::move(k));
    return {&it->second, inserted};  // nodes never move: the slot outlives the lock
  }

  static void publish(slot& s, std::uint32_t state) {
    if (s.state.exchange(state, std::memory_order_acq_rel) == computing_awaited) s.state.notify_all();
  }

  std::mutex m_mutex;
  std::pmr::unordered_map<std::pmr::string, slot> m_map;
};

struct cached_index_state {
  explicit cached_index_state(std::pmr::memory_resource* memory)
      : pages(memory),
        projects(memory),
        metadata(memory),
        metadata_without_extra_only(memory),
        markers(memory),
        origins(memory) {}
  once_map<result<std::shared_ptr<const page_view>>> pages;
  once_map<result<std::shared_ptr<const index::version_map>>> projects;
  once_map<result<std::shared_ptr<const packaging::core_metadata>>> metadata;
  once_map<result<std::shared_ptr<const packaging::core_metadata>>> metadata_without_extra_only;
  packaging::marker_memo markers;
  mutable std::mutex origins_mutex;
  /// project -> index URL
  std::pmr::unordered_map<std::pmr::string, std::pmr::string, text_hash, std::equal_to<>> origins;
  std::atomic<std::uint64_t> fresh_hits{0}, revalidated{0}, fetched{0}, corrupt{0}, metadata_hits{0},
      metadata_fetched{0};
};

}  // namespace detail

namespace {

/// Reads `max-age`, `s-maxage` is for shared caches and ignored; `no-cache` means always
/// revalidate; `no-store` means do not store (nullopt).
std::optional<http_state> http_state_from(const index::cache_headers& h, std::int64_t now) {
  http_state s;
  s.fetched_at = now;
  s.etag = h.etag;
  s.last_modified = h.last_modified;
  std::string cc;
  for (char c : h.cache_control) cc += static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  if (cc.find("no-store") != std::string::npos) return std::nullopt;
  if (cc.find("no-cache") != std::string::npos) s.must_revalidate = true;
  if (auto p = cc.find("max-age="); p != std::string::npos && (p == 0 || cc[p - 1] != '-'))
    s.max_age = std::strtoll(cc.c_str() + p + 8, nullptr, 10);
  if (!h.age.empty()) s.age = std::max<std::int64_t>(0, std::strtoll(h.age.c_str(), nullptr, 10));
  return s;
}

/// Credentials never reach the disk: file URLs are stored without them...
simple_entry without_credentials(const simple_entry& e) {
  simple_entry out = e;
  for (auto& v : out.map.versions)
    for (auto& f : v.files) f.file.url = index::strip_credentials(f.file.url);
  return out;
}

/// ...and get the index's credentials back on load (same host only).
std::shared_ptr<const page_view> with_credentials(page_view view, const std::string& index_url,
                                                  std::pmr::memory_resource* memory) {
  if (index::has_credentials(index_url)) view.set_credentials_from(index_url);
  return std::allocate_shared<page_view>(std::pmr::polymorphic_allocator<page_view>(memory), std::move(view));
}

/// `url` as an entry's key holds it: without credentials (no copy when it has none, the usual
/// case) and, for an index URL, without trailing slashes (as its path hashes it).
std::string_view key_url(std::string_view url, std::string& storage, bool index_url) {
  if (index::has_credentials(url)) {
    storage = index::strip_credentials(url);
    url = storage;
  }
  while (index_url && url.ends_with('/')) url.remove_suffix(1);
  return url;
}

/// An entry that records the index's 404 for the project (`simple_entry`): no name, no version.
bool is_absence(const page_view& entry) { return entry.name().empty() && entry.size() == 0; }

/// A `file:` URL: reading it blocks on no network.
bool is_local(std::string_view url) {
  return url.size() >= 5 && std::equal(url.begin(), url.begin() + 5, "file:", [](char a, char b) {
           return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
         });
}

bool is_fresh(const http_state& s, std::int64_t now) {
  if (s.must_revalidate || s.max_age < 0) return false;
  return (now - s.fetched_at) + s.age < s.max_age;
}

}  // namespace

cached_index::cached_index(cache& store, index::index_client& client, index::index_locations locations,
                           std::pmr::memory_resource* memory)
    : m_cache(store),
      m_client(client),
      m_locations(std::move(locations)),
      m_memory(memory),
      m_ordered(m_locations.ordered()),
      m_state(std::make_unique<detail::cached_index_state>(memory)) {
  // A page of a `file:` index read from the cache still links local files.
  if (std::any_of(m_ordered.begin(), m_ordered.end(), [](const std::string& url) { return is_local(url); }))
    m_client.allow_local_files();
}

cached_index::~cached_index() = default;

cached_index_stats cached_index::stats() const {
  return {m_state->fresh_hits.load(), m_state->revalidated.load(),   m_state->fetched.load(),
          m_state->corrupt.load(),    m_state->metadata_hits.load(), m_state->metadata_fetched.load()};
}

std::string cached_index::index_url(std::string_view name) const {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  std::lock_guard lock(m_state->origins_mutex);
  auto it = m_state->origins.find(normalized);
  return it == m_state->origins.end() ? std::string() : std::string(it->second);
}

std::shared_ptr<const page_view> cached_index::found(std::string_view name, const std::string& index_url,
                                                     std::shared_ptr<const page_view> page) {
  std::lock_guard lock(m_state->origins_mutex);
  if (!m_state->origins.contains(name)) {
    if (index::has_credentials(index_url)) {
      m_state->origins.emplace(name, index::strip_credentials(index_url));
    } else {
      m_state->origins.emplace(name, index_url);
    }
  }
  return page;
}

std::string cached_index::index_url(std::string_view name, const packaging::version& version) {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  if (m_locations.strategy != index::index_strategy::first_index) {
    // The page is loaded by now (the answer was read from it): this is the memo's copy.
    if (auto page = project_page(normalized)) {
      if (const auto v = (*page)->find(version)) {
        const std::uint8_t rank = (*page)->index_rank(*v);
        if (rank < m_ordered.size()) return index::strip_credentials(m_ordered[rank]);
      }
    }
  }
  return index_url(normalized);
}

result<std::shared_ptr<const index::version_map>> cached_index::project(std::string_view name) {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  return m_state->projects.get(normalized, [&]() -> result<std::shared_ptr<const index::version_map>> {
    auto page = project_page(normalized);
    if (!page) return unexpected<error>{std::move(page).error()};
    return std::make_shared<const index::version_map>((*page)->map());
  });
}

bool cached_index::can_store() const noexcept { return m_cache.enabled() && !m_cache.options().offline; }

bool cached_index::stored(std::string_view name) const {
  if (!m_cache.enabled()) return false;
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  return std::any_of(m_ordered.begin(), m_ordered.end(), [&](const std::string& index_url) {
    return ::access(m_cache.simple_file(index_url, normalized, m_memory).c_str(), F_OK) == 0;
  });
}

bool cached_index::stored(std::string_view project, const index::dist_file& file) const {
  if (!m_cache.enabled()) return false;
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(project, storage);
  return ::access(m_cache.metadata_file(normalized, file, m_memory).c_str(), F_OK) == 0;
}

result<std::shared_ptr<const page_view>> cached_index::project_page(std::string_view name) {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  return m_state->pages.get(normalized, [&] { return *load_project(normalized, false); });
}

std::optional<result<std::shared_ptr<const page_view>>> cached_index::project_page_from_cache(
    std::string_view name) {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  return m_state->pages.try_get(normalized, [&] { return load_project(normalized, true); });
}

std::optional<result<std::shared_ptr<const page_view>>> cached_index::load_project(std::string_view name,
                                                                                   bool cache_only) {
  const auto& indexes = m_ordered;
  if (indexes.empty())
    return fail(errc::not_found,
                "project '" + std::string(name) + "' not found: no index is configured (--no-index)");
  const bool merge = m_locations.strategy != index::index_strategy::first_index;
  // Offline, an index whose answer is not in the cache: the project may be there, so its
  // absence is a failed read, not an answer.
  bool unanswered = false;
  std::vector<detail::ranked_page> pages;
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    auto answer = ask_index(indexes[i], name, cache_only);
    if (!answer) return unexpected<error>{std::move(answer).error()};
    using kind = index_answer::kind;
    switch (answer->what) {
      case kind::needs_network:
        return std::nullopt;
      case kind::unanswered:
        unanswered = true;  // maybe a later index has it cached
        break;
      case kind::absent:
        break;
      case kind::page:
        if (!merge) return found(name, indexes[i], std::move(answer->page));
        pages.emplace_back(static_cast<std::uint8_t>(std::min<std::size_t>(i, 255)), std::move(answer->page));
        break;
    }
  }
  if (!pages.empty()) {
    const std::string& first = indexes[pages.front().first];
    if (pages.size() == 1) return found(name, first, std::move(pages.front().second));
    auto merged = detail::merge_pages(
        name, pages, indexes, m_locations.strategy == index::index_strategy::unsafe_first_match, m_memory);
    if (!merged) return unexpected<error>{std::move(merged).error()};
    return found(name, first,
                 std::allocate_shared<page_view>(std::pmr::polymorphic_allocator<page_view>(m_memory),
                                                 std::move(*merged)));
  }
  std::string where;
  for (const auto& i : indexes) where += (where.empty() ? "" : ", ") + index::redact_url(i);
  if (unanswered)
    return fail(errc::io_error,
                "offline: project '" + std::string(name) + "' is not in the cache (indexes: " + where + ")");
  return fail(errc::not_found, "project '" + std::string(name) + "' not found in " + where);
}

result<cached_index::index_answer> cached_index::ask_index(const std::string& index_url,
                                                           std::string_view name, bool cache_only) {
  const auto& opts = m_cache.options();
  std::optional<page_view> entry;
  std::pmr::string path(m_memory);
  std::string url_storage;
  const entry_key key{key_url(index_url, url_storage, true), name, {}};
  if (m_cache.enabled()) {
    path = m_cache.simple_file(index_url, name, m_memory);
    // Nothing there (nullopt), or an entry that is read and checked against its key: anything
    // else (not a regular file, unreadable, corrupt, written for another page) is replaced.
    auto opened = mapped_file::open(path.c_str());
    std::optional<result<page_view>> decoded;
    if (!opened) {
      decoded.emplace(unexpected<error>{std::move(opened).error()});
    } else if (*opened) {
      decoded.emplace(page_view::load(std::move(**opened), path, m_memory, &key));
    }
    if (decoded && *decoded) {
      entry = std::move(**decoded);
    } else if (decoded) {
      const error& failure = decoded->error();
      ++m_state->corrupt;
      m_cache.log(log_level::debug, failure.to_string() + "; refetching");
      if (opts.offline)
        return unexpected<error>{
            error{errc::io_error,
                  "offline and the cache entry of '" + std::string(name) + "' is corrupt: " + failure.message,
                  std::string(path), 0, 0}};
      m_cache.remove(path);
    }
  }
  std::int64_t now = m_cache.now();
  if (entry) {
    bool refresh = m_cache.refresh_requested(name, entry->http().fetched_at);
    if (opts.offline || (!refresh && is_fresh(entry->http(), now))) {
      ++m_state->fresh_hits;
      if (is_absence(*entry)) return index_answer{};  // this index answered 404
      return index_answer{index_answer::kind::page, with_credentials(std::move(*entry), index_url, m_memory)};
    }
  }
  if (opts.offline) return index_answer{index_answer::kind::unanswered, {}};
  if (cache_only && !is_local(index_url)) return index_answer{index_answer::kind::needs_network, {}};
  index::cache_headers validators;
  if (entry)
    validators = {std::string(entry->http().etag), std::string(entry->http().last_modified), {}, {}, {}};
  auto resp = m_client.fetch_page(index_url, name, entry ? &validators : nullptr);
  if (!resp) return unexpected<error>{std::move(resp).error()};
  using sk = index::page_response::status_kind;
  if (resp->status == sk::not_found) {
    // Recorded, so that a later offline run gives the same answer as this one.
    const auto http = http_state_from(resp->headers, now);
    if (m_cache.enabled() && http) {
      if (auto w = m_cache.write(path, encode_simple(simple_entry{*http, {}}, key)); !w)
        m_cache.log(log_level::warning, w.error().to_string());
    }
    return index_answer{};
  }
  if (resp->status == sk::not_modified && entry) {
    ++m_state->revalidated;
    auto fresh = http_state_from(resp->headers, now);
    if (fresh) {
      // A 304 may omit validators; keep the ones we revalidated with.
      if (fresh->etag.empty()) fresh->etag = entry->http().etag;
      if (fresh->last_modified.empty()) fresh->last_modified = entry->http().last_modified;
      // An entry revalidated on every use (no-cache, no max-age: local pages among them)
      // gains nothing from a new fetch time, so it is not rewritten.
      const auto& old = entry->http();
      const bool always_revalidated = fresh->must_revalidate || fresh->max_age < 0;
      const bool same = fresh->etag == old.etag && fresh->last_modified == old.last_modified &&
                        fresh->must_revalidate == old.must_revalidate && fresh->max_age == old.max_age;
      if (!(always_revalidated && same)) {
        if (auto w = m_cache.write(path, encode_simple({*fresh, entry->map()}, key)); !w)
          m_cache.log(log_level::warning, w.error().to_string());
      }
    }
    if (is_absence(*entry)) return index_answer{};
    return index_answer{index_answer::kind::page, with_credentials(std::move(*entry), index_url, m_memory)};
  }
  if (resp->status == sk::not_modified)
    return unexpected<error>{
        error{errc::io_error, "304 Not Modified to an unconditional request", resp->url, 0, 0}};
  auto page = index::parse_page(*resp);
  if (!page) return unexpected<error>{std::move(page).error()};
  ++m_state->fetched;
  simple_entry fresh_entry;
  fresh_entry.map = index::build_version_map(*page, name);
  const auto http = http_state_from(resp->headers, now);
  if (http) fresh_entry.http = *http;
  // The fresh page is read through the same view as a cached one: one code path, and what a
  // warm run will see is exactly what this run saw.
  std::string bytes = encode_simple(without_credentials(fresh_entry), key);
  if (m_cache.enabled() && http) {
    if (auto w = m_cache.write(path, bytes); !w) m_cache.log(log_level::warning, w.error().to_string());
  }
  auto view = page_view::load(std::move(bytes), resp->url, m_memory);
  if (!view) return unexpected<error>{std::move(view).error()};
  return index_answer{index_answer::kind::page, with_credentials(std::move(*view), index_url, m_memory)};
}

result<std::shared_ptr<const packaging::core_metadata>> cached_index::metadata(std::string_view project,
                                                                               const index::dist_file& file,
                                                                               metadata_scope scope) {
  std::string storage;
  const std::string_view name = packaging::normalized_name(project, storage);
  auto& memo = scope == metadata_scope::all ? m_state->metadata : m_state->metadata_without_extra_only;
  return memo.get(file.url, [&] { return *load_metadata(name, file, scope, false); });
}

std::optional<result<std::shared_ptr<const packaging::core_metadata>>> cached_index::metadata_from_cache(
    std::string_view project, const index::dist_file& file, metadata_scope scope) {
  std::string storage;
  const std::string_view name = packaging::normalized_name(project, storage);
  auto& memo = scope == metadata_scope::all ? m_state->metadata : m_state->metadata_without_extra_only;
  return memo.try_get(file.url, [&] { return load_metadata(name, file, scope, true); });
}

std::optional<result<std::shared_ptr<const packaging::core_metadata>>> cached_index::load_metadata(
    std::string_view name, const index::dist_file& file, metadata_scope scope, bool cache_only) {
  const auto& opts = m_cache.options();
  std::pmr::string path(m_memory);
  std::string url_storage;
  const entry_key key{key_url(file.url, url_storage, false), name, file.filename};
  if (m_cache.enabled()) {
    path = m_cache.metadata_file(name, file, m_memory);
    // Decoding copies what it keeps, so one buffer per thread serves every metadata read.
    thread_local std::string buffer;
    auto read = m_cache.read_entry(path.c_str(), buffer);
    if (!read || *read) {
      std::int64_t written = 0;
      auto decoded = read ? decode_metadata(**read, path, &written, m_memory, &m_state->markers, scope, &key)
                          : result<packaging::core_metadata>(unexpected<error>{std::move(read).error()});
      // Files are immutable, so a valid entry needs no revalidation (only --refresh).
      bool negative = !decoded && decoded.error().code == errc::invalid_metadata;
      if ((decoded || negative) && (opts.offline || !m_cache.refresh_requested(name, written))) {
        ++m_state->metadata_hits;
        if (negative) return unexpected<error>{std::move(decoded).error()};
        return std::allocate_shared<packaging::core_metadata>(
            std::pmr::polymorphic_allocator<packaging::core_metadata>(m_memory), std::move(*decoded));
      }
      if (!decoded && !negative) {
        ++m_state->corrupt;
        m_cache.log(log_level::debug, decoded.error().to_string() + "; refetching");
        if (opts.offline)
          return unexpected<error>{error{errc::io_error,
                                         "offline and the cached metadata of " + std::string(file.filename) +
                                             " is corrupt: " + decoded.error().message,
                                         std::string(path), 0, 0}};
        m_cache.remove(path);
      }
    }
  }
  // No usable entry: the whole read fetches (or reports that it cannot), once for both scopes.
  if (scope != metadata_scope::all) {
    if (cache_only)
      return m_state->metadata.try_get(file.url,
                                       [&] { return load_metadata(name, file, metadata_scope::all, true); });
    return m_state->metadata.get(file.url,
                                 [&] { return *load_metadata(name, file, metadata_scope::all, false); });
  }
  if (opts.offline)
    return unexpected<error>{error{errc::not_found,
                                   "offline: metadata of " + std::string(file.filename) + " (project '" +
                                       std::string(name) + "') is not in the cache",
                                   std::string(path), 0, 0}};
  if (cache_only && !is_local(file.url)) return std::nullopt;
  auto text = m_client.fetch_metadata_text(file);
  if (!text) {
    // An sdist downloaded whole and hash-checked gives a final verdict ("a build would be
    // needed", a corrupt archive): remember it, or every run downloads the sdist again.
    // Anything else may be transient and is not stored.
    const bool final_verdict = text.error().code == errc::invalid_metadata && !file.has_metadata &&
                               !file.sha256.empty() && !std::string_view(file.filename).ends_with(".whl");
    if (final_verdict && m_cache.enabled()) {
      if (auto w = m_cache.write(path, encode_metadata_error(text.error(), m_cache.now(), key)); !w)
        m_cache.log(log_level::warning, w.error().to_string());
    }
    return unexpected<error>{std::move(text).error()};
  }
  ++m_state->metadata_fetched;
  auto md = packaging::core_metadata::parse(
      *text, index::redact_url(file.url) + (file.has_metadata ? ".metadata" : "#METADATA"));
  if (!md) {
    // The bytes are what the index serves (hash-checked): remember that they do not parse.
    if (m_cache.enabled()) {
      if (auto w = m_cache.write(path, encode_metadata_error(md.error(), m_cache.now(), key)); !w)
        m_cache.log(log_level::warning, w.error().to_string());
    }
    return unexpected<error>{std::move(md).error()};
  }
  if (m_cache.enabled()) {
    if (auto w = m_cache.write(path, encode_metadata(*md, m_cache.now(), key)); !w)
      m_cache.log(log_level::warning, w.error().to_string());
  }
  return std::allocate_shared<packaging::core_metadata>(
      std::pmr::polymorphic_allocator<packaging::core_metadata>(m_memory), std::move(*md));
}

}  // namespace pyresolve::cache
