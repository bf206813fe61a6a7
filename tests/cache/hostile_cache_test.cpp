// A cache tampered with (FIFOs, folders and symlinks in place of entries, entries copied under
// another key), names from a hostile index, `cache clean` arguments, and a second local user
// around the temp-dir fallback: nothing is read forever, nothing outside the root is written
// or removed, and no entry answers for another.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include "pyresolve/cache/cache.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
namespace pc = pyresolve::cache;
namespace t = pyresolve::test;
namespace fs = std::filesystem;

namespace {

const char* universe = R"({"packages": {
  "a": {"1.0": {"requires_dist": ["b"]}, "2.0": {"requires_dist": ["b", "c"]}},
  "b": {"1.0": {}, "1.1": {}},
  "c": {"0.1": {}}}})";

/// The universe as a file:// index, a cache folder beside it, and a front over both.
struct tampered_universe {
  t::temp_dir tmp;
  pc::cache_options options;
  index::index_locations locations;
  tampered_universe() {
    REQUIRE(t::make_index_universe(tmp.path, universe));
    options.root = tmp.path / "cache";
    locations.index_url = "file://" + (tmp.path / "idx/simple").string();
  }
  struct run {
    std::unique_ptr<pc::cache> store;
    index::http_client http;
    index::index_client client{http};
    std::unique_ptr<pc::cached_index> front;
    run(const pc::cache_options& o, const index::index_locations& loc) {
      auto c = pc::cache::open(o);
      REQUIRE(c);
      store = std::move(*c);
      front = std::make_unique<pc::cached_index>(*store, client, loc);
    }
  };
  [[nodiscard]] pc::cache_options offline() const {
    auto o = options;
    o.offline = true;
    return o;
  }
  /// The file of `project` `version` (from a page read in a run of its own).
  index::dist_file file_of(const std::string& project, const std::string& version) {
    run r(options, locations);
    auto page = r.front->project(project);
    REQUIRE(page);
    for (const auto& v : (*page)->versions)
      if (v.version.to_string() == version) return v.files.at(0).file;
    FAIL("no such version");
    return {};
  }
  /// Fills the cache with every page and metadata file.
  void fill() {
    run r(options, locations);
    for (const char* name : {"a", "b", "c"}) {
      auto page = r.front->project(name);
      REQUIRE(page);
      for (const auto& v : (*page)->versions)
        for (const auto& f : v.files) REQUIRE(r.front->metadata(name, f.file));
    }
  }
  [[nodiscard]] fs::path metadata_path(const std::string& project, const index::dist_file& file) const {
    run r(options, locations);
    return r.store->metadata_path(project, file);
  }
  [[nodiscard]] fs::path page_path(const std::string& project) const {
    run r(options, locations);
    return r.store->simple_path(locations.index_url, project);
  }
};

bool is_regular(const fs::path& p) { return fs::symlink_status(p).type() == fs::file_type::regular; }

/// What takes an entry's place.
enum class intruder { fifo, folder, symlink_to_dev_zero, dangling_symlink };

void plant(const fs::path& at, intruder what) {
  fs::remove_all(at);
  switch (what) {
    case intruder::fifo:
      REQUIRE(::mkfifo(at.c_str(), 0644) == 0);
      break;
    case intruder::folder:
      fs::create_directories(at / "inside");
      t::spit(at / "inside" / "x", "x");
      break;
    case intruder::symlink_to_dev_zero:
      fs::create_symlink("/dev/zero", at);
      break;
    case intruder::dangling_symlink:
      fs::create_symlink(at.string() + ".nowhere", at);
      break;
  }
}

/// A cache in `tmp/c`, opened with default options.
std::unique_ptr<pc::cache> open_cache(const t::temp_dir& tmp) {
  pc::cache_options o;
  o.root = tmp.path / "c";
  auto opened = pc::cache::open(o);
  REQUIRE(opened);
  return std::move(*opened);
}

const char* name_of(intruder what) {
  switch (what) {
    case intruder::fifo:
      return "fifo";
    case intruder::folder:
      return "folder";
    case intruder::symlink_to_dev_zero:
      return "symlink to /dev/zero";
    case intruder::dangling_symlink:
      return "dangling symlink";
  }
  return "";
}

}  // namespace

TEST_CASE("reads never follow a symlink nor wait on a FIFO: anything but a regular file is a corrupt entry") {
  t::temp_dir tmp;
  const auto store = open_cache(tmp);
  std::string buffer;
  for (const auto what :
       {intruder::fifo, intruder::folder, intruder::symlink_to_dev_zero, intruder::dangling_symlink}) {
    CAPTURE(name_of(what));
    const fs::path at = tmp.path / "entry.bin";
    plant(at, what);
    const auto read = store->read_entry(at.c_str(), buffer);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == errc::io_error);
    CHECK(read.error().to_string().find(at.string()) != std::string::npos);
    const auto mapped = pc::mapped_file::open(at.c_str());
    REQUIRE_FALSE(mapped);
    CHECK(mapped.error().to_string().find(at.string()) != std::string::npos);
  }
  const auto absent = store->read_entry((tmp.path / "absent.bin").c_str(), buffer);
  REQUIRE(absent);
  CHECK_FALSE(*absent);
  // A large file whose header does not declare its size is read no further than the first
  // 64 KiB: no entry, however large the file, costs more than that to reject.
  const fs::path big = tmp.path / "big.bin";
  t::spit(big, std::string(3'000'000, 'z'));
  const auto head = store->read_entry(big.c_str(), buffer);
  REQUIRE(head);
  REQUIRE(*head);
  CHECK((*head)->size() == 64 * 1024);
  CHECK_FALSE(pc::decode_metadata(**head, big.string()));
}

TEST_CASE_FIXTURE(
    tampered_universe,
    "a FIFO, a folder or a symlink in place of an entry: replaced online, an error naming it offline") {
  fill();
  const auto b11 = file_of("b", "1.1");
  const fs::path metadata = metadata_path("b", b11);
  const fs::path page = page_path("c");
  REQUIRE(is_regular(metadata));
  REQUIRE(is_regular(page));
  const fs::path outside = tmp.path / "outside";
  for (const auto what :
       {intruder::fifo, intruder::folder, intruder::symlink_to_dev_zero, intruder::dangling_symlink}) {
    CAPTURE(name_of(what));
    plant(metadata, what);
    plant(page, what);
    {
      run r(offline(), locations);
      auto md = r.front->metadata("b", b11);
      REQUIRE_FALSE(md);
      CHECK(md.error().code == errc::io_error);
      CHECK(md.error().to_string().find(metadata.string()) != std::string::npos);
      auto c = r.front->project_page("c");
      REQUIRE_FALSE(c);
      CHECK(c.error().code == errc::io_error);
      CHECK(c.error().to_string().find(page.string()) != std::string::npos);
    }
    {
      run r(options, locations);
      auto md = r.front->metadata("b", b11);
      REQUIRE(md);
      CHECK((*md)->version.to_string() == "1.1");
      REQUIRE(r.front->project_page("c"));
      CHECK(r.front->stats().corrupt == 2);
    }
    // Repaired: a regular entry again, which the next offline run reads.
    CHECK(is_regular(metadata));
    CHECK(is_regular(page));
    run r(offline(), locations);
    CHECK(r.front->metadata("b", b11));
    CHECK(r.front->project_page("c"));
  }
}

TEST_CASE_FIXTURE(tampered_universe,
                  "an entry copied under another key is refused: refetched online, an error offline") {
  fill();
  const auto b10 = file_of("b", "1.0");
  const auto b11 = file_of("b", "1.1");
  // b 1.0's metadata (a valid entry) under b 1.1's name, and b's page under c's.
  fs::copy_file(metadata_path("b", b10), metadata_path("b", b11), fs::copy_options::overwrite_existing);
  fs::copy_file(page_path("b"), page_path("c"), fs::copy_options::overwrite_existing);
  {
    run r(offline(), locations);
    auto md = r.front->metadata("b", b11);
    REQUIRE_FALSE(md);
    CHECK(md.error().code == errc::io_error);
    CHECK(md.error().to_string().find("written for another file") != std::string::npos);
    CHECK(md.error().to_string().find(metadata_path("b", b11).string()) != std::string::npos);
    auto c = r.front->project_page("c");
    REQUIRE_FALSE(c);
    CHECK(c.error().to_string().find("written for another file") != std::string::npos);
  }
  {
    run r(options, locations);
    auto md = r.front->metadata("b", b11);
    REQUIRE(md);
    CHECK((*md)->version.to_string() == "1.1");
    auto c = r.front->project_page("c");
    REQUIRE(c);
    CHECK((*c)->name() == "c");
    CHECK(r.front->stats().corrupt == 2);
  }
  // The same entry under another index's folder is refused too.
  index::index_locations other = locations;
  other.index_url = "file://" + (tmp.path / "elsewhere/simple").string();
  const fs::path there = [&] {
    run r(options, other);
    return r.store->simple_path(other.index_url, "b");
  }();
  fs::create_directories(there.parent_path());
  fs::copy_file(page_path("b"), there);
  run r(offline(), other);
  auto b = r.front->project_page("b");
  REQUIRE_FALSE(b);
  CHECK(b.error().to_string().find("written for another file") != std::string::npos);
}

TEST_CASE_FIXTURE(tampered_universe,
                  "offline, metadata not in the cache is an error naming the file and the entry") {
  fill();
  const auto b11 = file_of("b", "1.1");
  fs::remove(metadata_path("b", b11));
  run r(offline(), locations);
  auto md = r.front->metadata("b", b11);
  REQUIRE_FALSE(md);
  CHECK(md.error().to_string().find("b-1.1-py3-none-any.whl") != std::string::npos);
  CHECK(md.error().to_string().find(metadata_path("b", b11).string()) != std::string::npos);
}

TEST_CASE("paths: names and filenames from an index never leave their bucket") {
  t::temp_dir tmp;
  const auto opened = open_cache(tmp);
  const pc::cache& store = *opened;
  const fs::path metadata_root = opened->root() / pc::metadata_bucket;
  const std::string nul("x\0y.whl", 7);
  for (const std::string& bad :
       {std::string("evil-1.0-1/../../../../../../tmp/x-py3-none-any.whl"), std::string(".."),
        std::string("."), std::string(""), std::string("a/b"), std::string("a\\b"), nul,
        std::string("esc\x1b[31m.whl"), std::string("/etc/passwd"), std::string(300, 'x')}) {
    CAPTURE(bad);
    index::dist_file file;
    file.filename = bad;
    file.url = "https://x/" + bad;
    for (const std::string& name : {std::string("evil"), bad}) {
      const fs::path p = store.metadata_path(name, file);
      // Exactly two components below the bucket, neither `.` nor `..`, and no NUL or control
      // character anywhere (a string check: nothing is resolved on disk).
      CHECK(p.parent_path().parent_path() == metadata_root);
      CHECK(p.lexically_normal() == p);
      CHECK(p.filename().string().size() <= 255);
      for (const auto& part : p.lexically_relative(metadata_root)) {
        CHECK(part != "..");
        CHECK(part != ".");
      }
      CHECK(std::none_of(p.native().begin(), p.native().end(),
                         [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
      REQUIRE(store.write(p, "entry"));
      CHECK(store.read(p) == std::optional<std::string>("entry"));
    }
    const fs::path page = store.simple_path("https://x/simple", bad);
    CHECK(page.parent_path().parent_path() == opened->root() / pc::simple_bucket);
    CHECK(page.lexically_normal() == page);
  }
  // Nothing was written outside the cache, nor any folder made there.
  std::size_t outside = 0;
  for (const auto& e : fs::directory_iterator(tmp.path))
    if (e.path() != opened->root()) ++outside;
  CHECK(outside == 0);
  // A safe name keeps its spelling (entries of earlier runs stay found).
  index::dist_file plain;
  plain.filename = "foo-1.0-py3-none-any.whl";
  plain.url = "https://x/foo-1.0-py3-none-any.whl";
  CHECK(store.metadata_path("foo", plain).parent_path() == metadata_root / "foo");
  CHECK(store.metadata_path("foo", plain).filename().string().starts_with("foo-1.0-py3-none-any.whl-"));
}

TEST_CASE("cache clean takes project names only, and nothing outside the root is ever removed") {
  t::temp_dir tmp;
  const auto opened = open_cache(tmp);
  pc::cache& store = *opened;
  const fs::path victim = tmp.path / "victim";
  t::spit(victim, "keep");
  t::spit(tmp.path / "victim.bin", "keep");
  REQUIRE(store.write(store.simple_path("https://x/simple", "foo"), "entry"));
  for (const std::string& bad : {victim.string(), std::string("/"), std::string("../victim"),
                                 std::string("a/b"), std::string(""), std::string(".."), std::string("-x")}) {
    CAPTURE(bad);
    auto cleaned = store.clean({"foo", bad});
    REQUIRE_FALSE(cleaned);
    CHECK(cleaned.error().code == errc::invalid_name);
    CHECK(cleaned.error().message.find("'" + bad + "'") != std::string::npos);
  }
  CHECK(fs::exists(victim));
  CHECK(fs::exists(tmp.path / "victim.bin"));
  CHECK(fs::exists(store.simple_path("https://x/simple", "foo")));  // a bad argument: nothing removed

  // Buckets and index folders that are symlinks leading out are not followed.
  const fs::path away = tmp.path / "away";
  fs::create_directories(away / "foo");
  t::spit(away / "foo" / "keep.bin", "keep");
  fs::create_directories(away / "idx");
  t::spit(away / "idx" / "foo.bin", "keep");
  t::spit(away / "left.tmp.1", "keep");
  fs::create_directories(away / "empty");
  fs::remove_all(opened->root() / pc::metadata_bucket);
  fs::create_directory_symlink(away, opened->root() / pc::metadata_bucket);
  fs::create_directory_symlink(away / "idx", opened->root() / pc::simple_bucket / "0000000000000000");
  REQUIRE(store.clean({"foo"}));
  CHECK(fs::exists(away / "foo" / "keep.bin"));
  CHECK(fs::exists(away / "idx" / "foo.bin"));
  CHECK_FALSE(fs::exists(store.simple_path("https://x/simple", "foo")));
  REQUIRE(store.prune());
  CHECK(fs::exists(away / "left.tmp.1"));
  CHECK(fs::exists(away / "empty"));
  REQUIRE(store.clean({}));
  CHECK(fs::exists(away / "foo" / "keep.bin"));
  CHECK(fs::exists(victim));
}

TEST_CASE(
    "temp files: unpredictable names, created only where nothing is (a planted symlink is not written "
    "through)") {
  t::temp_dir tmp;
  const auto opened = open_cache(tmp);
  const pc::cache& store = *opened;
  const fs::path entry = store.simple_path("https://x/simple", "foo");
  fs::create_directories(entry.parent_path());
  const fs::path victim = tmp.path / "victim";
  t::spit(victim, "secret");
  ::chmod(victim.c_str(), 0600);
  // Symlinks under every name of the old scheme (`<entry>.tmp.<pid>.<n>`) this process could use.
  for (int n = 0; n < 256; ++n)
    fs::create_symlink(victim,
                       entry.string() + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(n));
  REQUIRE(store.write(entry, "entry"));
  REQUIRE(store.write(entry, "again"));
  CHECK(t::slurp(victim) == "secret");
  CHECK(t::slurp(entry) == "again");
  // The planted links are leftovers like any other; no temp file of ours is left.
  std::size_t temps = 0;
  for (const auto& e : fs::directory_iterator(entry.parent_path()))
    if (e.path().filename().string().find(".tmp.") != std::string::npos && !e.is_symlink()) ++temps;
  CHECK(temps == 0);
}

TEST_CASE(
    "the default root: an absolute XDG_CACHE_HOME, else HOME, else a private folder of this user in the temp "
    "dir") {
  t::temp_dir tmp;
  struct saved_env {
    std::optional<std::string> xdg, home, tmpdir;
    static std::optional<std::string> get(const char* n) {
      const char* v = std::getenv(n);
      return v ? std::optional<std::string>(v) : std::nullopt;
    }
    static void put(const char* n, const std::optional<std::string>& v) {
      if (v)
        ::setenv(n, v->c_str(), 1);
      else
        ::unsetenv(n);
    }
    saved_env() : xdg(get("XDG_CACHE_HOME")), home(get("HOME")), tmpdir(get("TMPDIR")) {}
    ~saved_env() {
      put("XDG_CACHE_HOME", xdg);
      put("HOME", home);
      put("TMPDIR", tmpdir);
    }
  } restore;
  ::setenv("HOME", (tmp.path / "home").c_str(), 1);
  ::setenv("XDG_CACHE_HOME", "relative/cache", 1);
  CHECK(pc::default_cache_root() == tmp.path / "home" / ".cache" / "pyresolve");
  ::setenv("XDG_CACHE_HOME", (tmp.path / "xdg").c_str(), 1);
  CHECK(pc::default_cache_root() == tmp.path / "xdg" / "pyresolve");
  ::unsetenv("XDG_CACHE_HOME");
  ::unsetenv("HOME");
  ::setenv("TMPDIR", tmp.path.c_str(), 1);
  const fs::path fallback = tmp.path / ("pyresolve-cache-" + std::to_string(::geteuid()));
  CHECK(pc::default_cache_root() == fallback);

  // Created 0700 by this user.
  {
    auto store = pc::cache::open({});
    REQUIRE(store);
    CHECK((*store)->root() == fallback);
    struct stat st {};
    REQUIRE(::lstat(fallback.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(st.st_uid == ::geteuid());
  }
  // Open to others, a symlink, or another user's: refused, naming it.
  ::chmod(fallback.c_str(), 0777);
  auto open_to_all = pc::cache::open({});
  REQUIRE_FALSE(open_to_all);
  CHECK(open_to_all.error().to_string().find(fallback.string()) != std::string::npos);
  fs::remove_all(fallback);
  fs::create_directories(tmp.path / "elsewhere");
  ::chmod((tmp.path / "elsewhere").c_str(), 0700);
  fs::create_directory_symlink(tmp.path / "elsewhere", fallback);
  auto linked = pc::cache::open({});
  REQUIRE_FALSE(linked);
  CHECK(linked.error().to_string().find(fallback.string()) != std::string::npos);
  fs::remove(fallback);
  if (::geteuid() == 0) {
    REQUIRE(::mkdir(fallback.c_str(), 0700) == 0);
    REQUIRE(::chown(fallback.c_str(), 65534, 65534) == 0);
    auto foreign = pc::cache::open({});
    REQUIRE_FALSE(foreign);
    CHECK(foreign.error().to_string().find(fallback.string()) != std::string::npos);
    CHECK(foreign.error().to_string().find("65534") != std::string::npos);
    CHECK_FALSE(fs::exists(fallback / "CACHEDIR.TAG"));
  }
}
