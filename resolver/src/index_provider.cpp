// The cache-backed provider: every load (a project's version map, one version's metadata) is
// a oneTBB task in the provider's arena, started at most once (a concurrent map of name ->
// shared state) and waited for by the solver thread only when it needs the answer. A task
// asks the cache only; a load that needs the network moves to the provider's I/O threads,
// which block on HTTP instead of a worker. resolver/README.md describes the design.
#include "pyresolve/resolver/index_provider.hpp"

#include <oneapi/tbb/concurrent_hash_map.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <system_error>
#include <unordered_map>

#include "detail/io_pool.hpp"
#include "pyresolve/packaging/name.hpp"
#include "pyresolve/support/tsan.hpp"

namespace pyresolve::resolver {
namespace {

// ThreadSanitizer and Debian's (uninstrumented) libtbb: TSan cannot see the synchronization
// inside the scheduler, so every hand-off between threads is announced here: enqueue -> task
// start through one global address (the task cannot read its captures before acquiring),
// task end -> the solver's wait through the state's address. Task closures hold only
// pointers, so destroying them writes nothing TSan could pair with a later task's memory.
// tests/tsan.supp silences what remains inside TBB's own headers. The I/O threads need no
// annotation: their hand-offs are std::mutex, std::condition_variable and atomics.
int handoff = 0;

using steady = std::chrono::steady_clock;

/// How many lower versions a batch prefetch starts.
constexpr std::size_t prefetch_batch = 8;

/// What a worker derives from a version map: the solver's flags of each version and the file
/// whose metadata stands for it.
struct version_facts {
  bool gone = false;  ///< every file is past the upload cutoff: not listed
  bool yanked = false;
  bool requires_python_ok = true;
  bool has_compatible_dist = false;
  std::int32_t metadata_file = -1;    ///< index into `version_entry::files`; -1: none usable
  std::int32_t requires_python = -1;  ///< the metadata file's, into `requires_python()`
};

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

/// pip's rule: a per-project `--no-binary`/`--only-binary` wins over the other's `:all:`.
struct allowed_kinds {
  bool wheels = true;
  bool sdists = true;
};

allowed_kinds allowed_for(const binary_policy& policy, std::string_view name) {
  const bool no_binary = listed(policy.no_binary, name), only_binary = listed(policy.only_binary, name);
  return {!no_binary && !(policy.no_binary_all && !only_binary),
          !only_binary && !(policy.only_binary_all && !no_binary)};
}

/// Classifies every version of `page` for the target, reading only the files' compact facts
/// (no file is materialized). Each interned requires-python text is checked once. A
/// version's files count when the binary policy admits their kind, wheels only when their
/// tags fit; yanked files count only when the whole version is yanked. Files past the
/// project's upload cutoff are not there at all; `untimed` counts those excluded for having no
/// upload time.
void classify(const cache::page_view& page, const index_provider_options& options,
              const packaging::version& python, std::pmr::vector<version_facts>& out, std::size_t& untimed) {
  // The value spelled out: `(n, memory)` would take the pointer as the value (a pointer
  // converts to bool before it converts to an allocator) and allocate from the default resource.
  std::pmr::vector<bool> python_ok(page.requires_python().size(), false, options.memory);
  for (std::size_t i = 0; i < python_ok.size(); ++i)
    python_ok[i] =
        options.universal || python_admitted(page.requires_python()[i], python, options.requires_python);
  const allowed_kinds kinds = allowed_for(options.binaries, page.name());
  auto ranks = options.universal ? cache::page_view::tag_set_ranks(options.memory)
                                 : page.ranks_in(options.environment, options.memory);
  const std::optional<std::int64_t> cutoff = options.exclude_newer.for_project(page.name());
  // Read only under a cutoff: one bit per file of a version, set when it is past it.
  std::pmr::vector<bool> past(options.memory);
  out.assign(page.size(), version_facts{});
  for (std::size_t v = 0; v < page.size(); ++v) {
    const auto files = page.files(v);
    version_facts& f = out[v];
    const auto excluded = [&](std::size_t i) { return cutoff && past[i]; };
    if (cutoff) {
      past.assign(files.size(), false);
      std::size_t n = 0;
      for (std::size_t i = 0; i < files.size(); ++i) {
        const std::int64_t at = page.upload_time(v, i);
        past[i] = upload_cutoff::excludes(*cutoff, at);
        n += past[i] ? 1 : 0;
        untimed += at == index::no_upload_time ? 1 : 0;
      }
      f.gone = !files.empty() && n == files.size();
      if (f.gone) continue;
    }
    bool all_yanked = true, any_file = false;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (excluded(i)) continue;
      any_file = true;
      all_yanked = all_yanked && files[i].yanked();
    }
    f.yanked = any_file && all_yanked;
    bool any_python_ok = false, usable_python_ok = false;
    std::optional<std::uint32_t> best_rank;
    std::int32_t best_wheel = -1, sdist = -1, fallback = -1;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const cache::page_view::file_facts& file = files[i];
      if (excluded(i) || (file.yanked() && !f.yanked)) continue;
      const bool py = file.requires_python < 0 || python_ok[static_cast<std::size_t>(file.requires_python)];
      any_python_ok = any_python_ok || py;
      std::optional<std::uint32_t> rank;
      if (!file.sdist()) {
        if (options.universal) rank = 0;
        if (!kinds.wheels || !(rank || (rank = cache::page_view::rank(file, ranks)))) continue;
      } else if (!kinds.sdists) {
        continue;
      }
      f.has_compatible_dist = true;
      usable_python_ok = usable_python_ok || py;
      const auto index = static_cast<std::int32_t>(i);
      if (fallback < 0) fallback = index;
      if (!py) continue;
      if (rank && (!best_rank || *rank < *best_rank)) {
        best_rank = rank;
        best_wheel = index;
      } else if (!rank && sdist < 0) {
        sdist = index;
      }
    }
    f.requires_python_ok = f.has_compatible_dist ? usable_python_ok : any_python_ok || files.empty();
    f.metadata_file = best_wheel >= 0 ? best_wheel : sdist >= 0 ? sdist : fallback;
    if (f.metadata_file >= 0)
      f.requires_python = files[static_cast<std::size_t>(f.metadata_file)].requires_python;
  }
}

/// A version the solver may pick without a pin, with a file to read its metadata from.
bool selectable(const version_facts& f) {
  return !f.gone && !f.yanked && f.requires_python_ok && f.has_compatible_dist && f.metadata_file >= 0;
}

/// The version the solver will most likely pick first: the highest usable final release,
/// else the highest usable pre-release.
std::optional<std::size_t> likely_choice(const std::pmr::vector<version_facts>& facts,
                                         const cache::page_view& page) {
  std::optional<std::size_t> pre;
  for (std::size_t v = facts.size(); v-- > 0;) {
    if (!selectable(facts[v])) continue;
    if (!page.version(v).is_prerelease()) return v;
    if (!pre) pre = v;
  }
  return pre;
}

/// `e` with its source (URL or file) in the message, which is all the solver's explanation
/// shows; the source is then in the message only, so that `to_string` names it once.
error located(const error& e) {
  error out = e;
  if (!e.source.empty() && e.message.find(e.source) == std::string::npos) out.message = e.to_string();
  if (!e.source.empty()) {
    out.source.clear();
    out.line = out.column = 0;
  }
  return out;
}

/// The code a metadata load's failure is reported with. Only metadata that was read and is
/// invalid (or needs a build) is a verdict on the version; anything else (not in the cache
/// offline, a corrupt entry offline, a network or file error, a missing metadata file) means
/// it could not be read, and no other version may silently stand in for it.
errc metadata_failure_code(const error& e) {
  return e.code == errc::invalid_metadata ? errc::invalid_metadata : errc::io_error;
}

}  // namespace

/// One load. Runs once: on a worker when the cache answers it, else on an I/O thread (the
/// worker's task hands it over and ends), or on the solver thread. The solver reads its
/// result only after `done` is set (release/acquire).
struct load_state {
  tbb::task_group_context context{tbb::task_group_context::isolated};
  tbb::task_group group{context};
  /// Taken by whoever runs the load: its task on a worker, or a solver thread when it needs
  /// the result before any worker started it.
  std::atomic<bool> claimed{false};
  /// Set (release) once the result is in, and notified: solver threads block on it.
  std::atomic<bool> done{false};
  /// What a load on an I/O thread threw (out of memory), for the solver to rethrow.
  std::exception_ptr failure;
};

struct project_state : load_state {
  explicit project_state(std::pmr::memory_resource* memory) : name(memory), facts(memory) {}
  std::pmr::string name;  ///< normalized
  std::optional<result<std::shared_ptr<const cache::page_view>>> map;
  std::pmr::vector<version_facts> facts;
  std::size_t untimed = 0;  ///< files left out under a cutoff for having no upload time
  /// Built by the first solver thread that asks, from `facts`, in the provider's memory.
  std::once_flag candidates_built;
  std::optional<std::pmr::vector<candidate>> candidates;
  /// How many versions' dependencies the solvers asked for, and the lowest version index a
  /// batch prefetch has reached (under `batch_mutex`: several solver threads may ask).
  std::mutex batch_mutex;
  std::uint32_t asked = 0;
  std::size_t prefetched_from = SIZE_MAX;
  /// Versions whose files `files()` materialized (for the CLI's hashes and pylock.toml).
  mutable std::mutex entries_mutex;
  mutable std::unordered_map<std::size_t, std::unique_ptr<const index::version_entry>> entries;
};

struct metadata_state : load_state {
  explicit metadata_state(std::pmr::memory_resource* memory) : file(memory) {}
  std::string_view project;  ///< the project state's name, which outlives this state
  index::dist_file file;     ///< materialized from the page when the load is started
  bool malformed = false;    ///< the page's record of `file` did not read whole
  std::optional<result<std::shared_ptr<const packaging::core_metadata>>> metadata;
};

namespace {

/// Project names as keys: looked up by `std::string_view`, stored in the provider's memory.
struct name_compare {
  using is_transparent = void;
  static std::size_t hash(std::string_view name) { return std::hash<std::string_view>{}(name); }
  static bool equal(std::string_view a, std::string_view b) { return a == b; }
};

/// One version of one project: the project's state (unique per name, alive as long as the
/// provider) and the version's index in its page. Nothing to allocate or to hash but two words.
struct metadata_key {
  const project_state* project = nullptr;
  std::size_t version = 0;
  friend bool operator==(const metadata_key&, const metadata_key&) = default;
};

struct metadata_key_compare {
  static std::size_t hash(const metadata_key& key) {
    // The map picks buckets by the low bits: mixed, as an aligned pointer has none.
    auto x = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key.project)) ^
             (static_cast<std::uint64_t>(key.version) * 0x9E3779B97F4A7C15ULL);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    return static_cast<std::size_t>(x);
  }
  static bool equal(const metadata_key& a, const metadata_key& b) { return a == b; }
};

template <class Key, class State, class Compare>
using state_map =
    tbb::concurrent_hash_map<Key, std::shared_ptr<State>, Compare,
                             std::pmr::polymorphic_allocator<std::pair<const Key, std::shared_ptr<State>>>>;

}  // namespace

namespace {
/// The options with their target set (`or_default`: an empty one means the default target).
index_provider_options with_target(index_provider_options o) {
  o.environment = o.environment.or_default();
  return o;
}
}  // namespace

struct index_provider::impl {
  cache::cached_index& index;
  index_provider_options options;
  packaging::version python;
  std::optional<tbb::global_control> parallelism;
  tbb::task_arena arena;
  /// Keys, nodes and states are in `options.memory`, allocated on workers too.
  state_map<std::pmr::string, project_state, name_compare> projects;
  state_map<metadata_key, metadata_state, metadata_key_compare> metadata;
  std::atomic<std::uint64_t> loaded_projects{0}, loaded_metadata{0}, metadata_errors{0}, prefetched{0},
      solver_waits{0}, solver_loads{0}, io_loads{0};
  std::atomic<std::int64_t> load_ns{0}, wait_ns{0};
  /// Loads the cache cannot answer block on HTTP here. Last: joined first, after
  /// `settle_all()` waited for every load, while the states its tasks point to still live.
  detail::io_pool io;

  impl(cache::cached_index& source, index_provider_options o)
      : index(source),
        options(with_target(std::move(o))),
        python(*packaging::version::parse(options.environment.python().release_string())),
        projects(options.memory),
        metadata(options.memory),
        io(options.io_threads) {
    // The solver thread takes one slot, `threads` workers the others. Asking for more threads
    // than cores (I/O-bound cold runs) needs the process-wide limit raised while we run.
    if (options.threads > 0) {
      const int slots = static_cast<int>(options.threads) + 1;
      if (slots > tbb::info::default_concurrency())
        parallelism.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(slots));
      arena.initialize(slots, 1);
    } else {
      arena.initialize();
    }
  }

  ~impl() { settle_all(); }

  void settle_all() {
    if (settled) return;
    settled = true;
    // Loads still queued or running (prefetches the solver never needed) hold references into
    // us. One no worker has started is run here only when it would add to the cache: the
    // next run, which starts the same loads, then finds them all and makes no request. When
    // the cache cannot grow (offline, no cache) or already holds the entry (a warm run), it is
    // dropped: running it would read and decode a file for nobody.
    const bool can_store = index.can_store();
    arena.execute([&] {
      // (Entries, not structured bindings: clang 14, the fuzz preset, cannot capture those.)
      for (auto& entry : projects) {  // first: a page load may start metadata loads
        const project_state& s = *entry.second;
        settle(*entry.second, [&] { return can_store && !index.stored(s.name); });
      }
      for (auto& entry : metadata) {
        const metadata_state& s = *entry.second;
        settle(*entry.second, [&] { return can_store && !index.stored(s.project, s.file); });
      }
    });
    for (auto& [name, state] : projects) tsan_acquire(static_cast<load_state*>(state.get()));
    for (auto& [key, state] : metadata) tsan_acquire(static_cast<load_state*>(state.get()));
  }
  bool settled = false;

  /// At the end: a load nobody started runs (blocking, as the solver's own do) only when
  /// `worth_it()`; then whatever a worker or an I/O thread runs is waited for.
  template <class State, class WorthIt>
  void settle(State& state, WorthIt worth_it) {
    if (!state.claimed.exchange(true, std::memory_order_acq_rel)) {
      if (worth_it()) load(state);
      state.done.store(true, std::memory_order_release);
      state.done.notify_all();
    }
    state.group.wait();
    state.done.wait(false, std::memory_order_acquire);
  }

  void log(log_level level, const std::string& message) const {
    if (options.log) options.log(level, message);
  }

  /// Adds `ns` since `start` to `counter`.
  static void add_time(std::atomic<std::int64_t>& counter, steady::time_point start) {
    counter += std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - start).count();
  }

  /// The state of `key`, its load enqueued by the first asker (the accessor is held while
  /// enqueuing, so whoever finds the state finds its task in the group). `init` fills the
  /// state's inputs; the task captures only pointers (see the ThreadSanitizer note above).
  template <class State, class Map, class Key, class Init>
  std::shared_ptr<State> start(Map& map, const Key& key, bool prefetch, Init init) {
    typename Map::accessor a;
    if (map.insert(a, key)) {
      auto state =
          std::allocate_shared<State>(std::pmr::polymorphic_allocator<State>(options.memory), options.memory);
      init(*state);
      a->second = state;
      if (prefetch) ++prefetched;
      tsan_acquire(&handoff);  // after the tasks that ended before (TBB reuses their memory)
      auto task = state->group.defer([this, raw = state.get()] {
        tsan_acquire(&handoff);
        if (raw->claimed.exchange(true, std::memory_order_acq_rel)) return;  // the solver ran it
        const auto t0 = steady::now();
        const bool loaded = load_from_cache(*raw);
        add_time(load_ns, t0);
        if (loaded) {
          tsan_release(static_cast<load_state*>(raw));
          raw->done.store(true, std::memory_order_release);
          raw->done.notify_all();  // a solver thread may be blocked on it
        } else {
          ++io_loads;
          try {
            io.post([this, raw] { load_on_io_thread(*raw); });
          } catch (const std::system_error&) {  // no thread to be had: block this worker instead
            load_on_io_thread(*raw);
          }
          // The task's end (its `post` included) before whoever waited for it with
          // `group.wait()`: `settle_all` then destroys the pool this task posted to.
          tsan_release(static_cast<load_state*>(raw));
        }
        tsan_release(&handoff);
      });
      tsan_release(&handoff);  // the task and its closure are built
      arena.enqueue(std::move(task));
    }
    return a->second;
  }

  /// The network half of a load whose task the cache could not answer, on an I/O thread.
  template <class State>
  void load_on_io_thread(State& state) {
    const auto t0 = steady::now();
    try {
      load(state);
    } catch (...) {
      state.failure = std::current_exception();
    }
    add_time(load_ns, t0);
    state.done.store(true, std::memory_order_release);
    state.done.notify_all();
  }

  /// Blocks a solver thread until `state` is loaded. A load nobody has started yet, the solver
  /// runs itself, right away (blocking on HTTP if it must); one under way (on a worker, an I/O
  /// thread or another solver thread) it waits for on `done`, blocked, without taking other
  /// loads meanwhile (it used to help with whatever was queued, mostly prefetches it did not
  /// need yet, while the worker sat idle: the solver thread is the one that limits a warm
  /// resolve). Whoever sets `done` notifies it. (Waiting in the arena for the load's task, as
  /// this once did, deadlocks with several solver threads: the claimer may be another solver,
  /// and the task, still queued, may find no free worker to run it.)
  template <class State>
  void wait(State& state) {
    if (!state.done.load(std::memory_order_acquire)) {
      ++solver_waits;
      const auto t0 = steady::now();
      if (!state.claimed.exchange(true, std::memory_order_acq_rel)) {
        ++solver_loads;
        const auto l0 = steady::now();
        load(state);
        add_time(load_ns, l0);
        state.done.store(true, std::memory_order_release);
        state.done.notify_all();  // another solver thread may wait for it
      } else {
        state.done.wait(false, std::memory_order_acquire);
      }
      add_time(wait_ns, t0);
    }
    tsan_acquire(&state);
    if (state.failure) std::rethrow_exception(state.failure);
  }

  std::shared_ptr<project_state> project(std::string_view name, bool prefetch) {
    return start<project_state>(projects, name, prefetch, [&](project_state& s) { s.name = name; });
  }

  /// A load as its task runs it: from the cache only. False (nothing done) when the load
  /// needs the network.
  bool load_from_cache(project_state& s) {
    auto map = index.project_page_from_cache(s.name);
    if (!map) return false;
    s.map = std::move(*map);
    after_map_read(s);
    return true;
  }

  void load(project_state& s) {
    s.map = index.project_page(s.name);
    after_map_read(s);
  }

  /// What follows a version map's read, wherever it ran.
  void after_map_read(project_state& s) {
    if (!*s.map) return;
    ++loaded_projects;
    const cache::page_view& page = ***s.map;
    classify(page, options, python, s.facts, s.untimed);
    // The solver will most likely ask for this one next: start reading it now.
    if (auto v = likely_choice(s.facts, page)) metadata_of(s, page, *v, true);
  }

  /// The metadata load of version `v` of the loaded project `owner`.
  std::shared_ptr<metadata_state> metadata_of(const project_state& owner, const cache::page_view& page,
                                              std::size_t v, bool prefetch) {
    return start<metadata_state>(metadata, metadata_key{&owner, v}, prefetch, [&](metadata_state& s) {
      s.project = owner.name;
      s.malformed =
          !page.read_dist_file(page.files(v)[static_cast<std::size_t>(owner.facts[v].metadata_file)], s.file);
    });
  }

  bool load_from_cache(metadata_state& s) {
    if (s.malformed) {
      load(s);
      return true;
    }
    auto md = index.metadata_from_cache(s.project, s.file, cache::metadata_scope::without_extra_only);
    if (!md) return false;
    s.metadata = std::move(*md);
    ++(*s.metadata ? loaded_metadata : metadata_errors);
    return true;
  }

  void load(metadata_state& s) {
    // Only a page entry altered behind its checksum gets here; its version is then unusable,
    // with the reason, rather than fetched from an empty URL.
    s.metadata = s.malformed
                     ? fail(errc::io_error, "corrupt cache entry: a malformed file record in the page of " +
                                                std::string(s.project))
                     : index.metadata(s.project, s.file, cache::metadata_scope::without_extra_only);
    ++(*s.metadata ? loaded_metadata : metadata_errors);
  }

  /// The loaded project state, waiting if needed.
  project_state& loaded(std::string_view name) {
    auto state = project(name, false);
    wait(*state);
    return *state;  // owned by `projects` until the provider dies
  }
};

index_provider::index_provider(cache::cached_index& index, index_provider_options options)
    : m_impl(std::make_unique<impl>(index, std::move(options))) {}

index_provider::~index_provider() = default;

void index_provider::settle() { m_impl->settle_all(); }

result<std::span<const candidate>> index_provider::versions(std::string_view name) {
  std::string storage;
  project_state& s = m_impl->loaded(packaging::normalized_name(name, storage));
  if (!*s.map) {
    error e = located(s.map->error());
    // A read that failed (io_error) ends the resolve with its message; a page that is not
    // one (an invalid page) only makes the project unusable, so it is worth a warning.
    if (e.code != errc::not_found && e.code != errc::io_error)
      m_impl->log(log_level::warning, "cannot read the versions of " + e.message);
    return unexpected<error>{std::move(e)};
  }
  std::call_once(s.candidates_built, [&] {
    const cache::page_view& page = ***s.map;
    // uv warns of each such file; one line per project says the same.
    if (s.untimed > 0)
      m_impl->log(log_level::warning, std::string(s.name) + ": " + std::to_string(s.untimed) +
                                          " file(s) have no upload time and are left out under the "
                                          "--exclude-newer cutoff");
    std::pmr::vector<candidate> out(m_impl->options.memory);
    out.reserve(page.size());
    for (std::size_t v = 0; v < page.size(); ++v) {
      const version_facts& f = s.facts[v];
      if (f.gone) continue;  // as uv does: past the cutoff, the version does not exist
      const packaging::specifier_set* requires_python =
          f.requires_python >= 0 ? &page.requires_python()[static_cast<std::size_t>(f.requires_python)]
                                 : nullptr;
      out.push_back(candidate{page.version(v), f.yanked, f.requires_python_ok, f.has_compatible_dist,
                              requires_python, page.ranks_in_order() ? page.index_rank(v) : std::uint8_t{0}});
    }
    s.candidates.emplace(std::move(out));
  });
  return std::span<const candidate>(*s.candidates);
}

result<std::span<const packaging::requirement>> index_provider::dependencies(
    std::string_view name, const packaging::version& version) {
  return requirements_of(name, version, cache::metadata_scope::all);
}

result<std::span<const packaging::requirement>> index_provider::dependencies_without_extra_only(
    std::string_view name, const packaging::version& version) {
  return requirements_of(name, version, cache::metadata_scope::without_extra_only);
}

result<std::span<const packaging::requirement>> index_provider::requirements_of(
    std::string_view name, const packaging::version& version, cache::metadata_scope scope) {
  std::string storage;
  const std::string_view normalized = packaging::normalized_name(name, storage);
  project_state& s = m_impl->loaded(normalized);
  // Only failures name the version: built on demand, not per request.
  const auto what = [&] { return std::string(normalized) + " " + version.to_string(); };
  if (!*s.map) return fail(s.map->error().code, what() + ": " + s.map->error().message);
  const cache::page_view& page = ***s.map;
  const auto found = page.find(version);
  if (!found)
    return fail(errc::not_found, what() + ": no such version on " + m_impl->index.index_url(normalized));
  const std::size_t v = *found;
  if (s.facts[v].metadata_file < 0)
    return fail(errc::not_found, what() + ": no distribution file usable for this target");
  auto md = m_impl->metadata_of(s, page, v, false);
  // A second version asked for means the solver is rejecting this project's versions one by
  // one, newest first (uv's batch prefetch): keep the next usable ones below loading, so
  // workers read them while the solver rules this one out. The window grows with the
  // rejections, up to `prefetch_batch`: most projects stop after a few, and what a window
  // reaches past the version finally chosen is read for nothing. Versions a batch reached
  // before are not asked for again.
  if (std::lock_guard batch(s.batch_mutex); ++s.asked >= 2) {
    const std::size_t window = std::min<std::size_t>(prefetch_batch, s.asked);
    std::size_t ahead = 0;
    std::size_t w = v;
    for (; w > 0 && ahead < window; --w) {
      if (!selectable(s.facts[w - 1])) continue;
      ++ahead;
      if (w - 1 < s.prefetched_from) static_cast<void>(m_impl->metadata_of(s, page, w - 1, true));
    }
    s.prefetched_from = std::min(s.prefetched_from, w);
  }
  m_impl->wait(*md);
  const std::string_view filename = md->file.filename;
  if (!*md->metadata) {
    const std::string reason =
        "metadata of " + std::string(filename) + ": " + located(md->metadata->error()).message;
    const errc code = metadata_failure_code(md->metadata->error());
    m_impl->log(log_level::debug,
                what() + (code == errc::io_error ? " cannot be read: " : " is unusable: ") + reason);
    return fail(code, reason);
  }
  const packaging::core_metadata& meta = ***md->metadata;
  // Metadata for another file than the one it was fetched for (a hostile or broken index)
  // would change the answer: the version is unusable instead.
  std::string meta_name;
  if (packaging::normalized_name(meta.name, meta_name) != normalized)
    return fail(errc::invalid_metadata, "metadata of " + std::string(filename) + " is for project '" +
                                            std::string(meta.name) + "', not '" + std::string(normalized) +
                                            "'");
  if (meta.version != version)
    return fail(errc::invalid_metadata, "metadata of " + std::string(filename) + " is for version " +
                                            meta.version.to_string() + ", not " + version.to_string());
  if (scope == cache::metadata_scope::without_extra_only)
    return std::span<const packaging::requirement>(meta.requires_dist);
  // An extra of this version: its requirements were left out of the load (the cached index
  // reads the entry whole once, and keeps it as long as it lives, which outlasts us).
  auto whole = m_impl->index.metadata(md->project, md->file, cache::metadata_scope::all);
  if (!whole)
    return fail(metadata_failure_code(whole.error()),
                "metadata of " + std::string(filename) + ": " + located(whole.error()).message);
  return std::span<const packaging::requirement>((*whole)->requires_dist);
}

void index_provider::prefetch(std::string_view name) {
  std::string storage;
  static_cast<void>(m_impl->project(packaging::normalized_name(name, storage), true));
}

const index::version_entry* index_provider::files(std::string_view name,
                                                  const packaging::version& version) const {
  decltype(m_impl->projects)::const_accessor a;
  std::string storage;
  if (!m_impl->projects.find(a, packaging::normalized_name(name, storage))) return nullptr;
  const project_state& s = *a->second;
  if (!s.done.load(std::memory_order_acquire) || !*s.map) return nullptr;
  const cache::page_view& page = ***s.map;
  const auto v = page.find(version);
  if (!v) return nullptr;
  std::lock_guard lock(s.entries_mutex);
  auto& entry = s.entries[*v];
  if (!entry) {
    auto e = page.entry(*v);
    if (const auto cutoff = m_impl->options.exclude_newer.for_project(s.name))
      std::erase_if(e.files, [&](const index::version_file& f) {
        return upload_cutoff::excludes(*cutoff, f.file.upload_time);
      });
    entry = std::make_unique<const index::version_entry>(std::move(e));
  }
  return entry.get();
}

std::string index_provider::index_url(std::string_view name) const { return m_impl->index.index_url(name); }

std::string index_provider::index_url(std::string_view name, const packaging::version& version) const {
  return m_impl->index.index_url(name, version);
}

index_provider_stats index_provider::stats() const {
  const impl& i = *m_impl;
  return {i.loaded_projects.load(),
          i.loaded_metadata.load(),
          i.metadata_errors.load(),
          i.prefetched.load(),
          i.solver_waits.load(),
          i.solver_loads.load(),
          i.io_loads.load(),
          i.io.threads(),
          std::chrono::nanoseconds(i.load_ns.load()),
          std::chrono::nanoseconds(i.wait_ns.load())};
}

void warm_up_task_scheduler() noexcept {
  try {
    // Building an arena runs the process-wide start-up once; the arena itself is let go.
    tbb::task_arena arena(1, 0);
    arena.initialize();
  } catch (...) {  // out of memory: the first provider starts the scheduler (and reports)
  }
}

}  // namespace pyresolve::resolver
