#include <doctest/doctest.h>

#include <cstring>
#include <fstream>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/cache/cache.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::cache;
namespace t = pyresolve::test;

namespace {

simple_entry sample_entry() {
  index::project_page page;
  for (const char* fname :
       {"foo-1.0-py3-none-any.whl", "foo-1.0.tar.gz", "foo-2.0-1-cp311-abi3-manylinux_2_17_x86_64.whl"}) {
    index::dist_file f;
    f.filename = fname;
    f.url = std::string("https://x/") + fname;
    f.sha256 = "ab";
    f.requires_python = ">=3.8";
    f.has_metadata = true;
    f.size = 42;
    page.files.push_back(f);
  }
  page.files[1].yanked = true;
  page.files[1].yanked_reason = "oops";
  simple_entry e;
  e.map = index::build_version_map(page, "foo");
  e.http.fetched_at = 1000;
  e.http.max_age = 600;
  e.http.etag = "\"abc\"";
  return e;
}

/// `entry` with its header's length and checksum made to match its (tampered) payload again.
std::string reseal(std::string entry) {
  const std::uint64_t len = entry.size() - 32, sum = XXH3_64bits(entry.data() + 32, len);
  std::memcpy(entry.data() + 16, &len, 8);
  std::memcpy(entry.data() + 24, &sum, 8);
  return entry;
}

/// A cache rooted in `tmp/c`, opened with default options.
std::unique_ptr<pyresolve::cache::cache> open_cache_in(const t::temp_dir& tmp) {
  cache_options options;
  options.root = tmp.path / "c";
  auto opened = pyresolve::cache::cache::open(options);
  REQUIRE(opened);
  return std::move(*opened);
}

}  // namespace

TEST_CASE("simple entries round-trip") {
  auto e = sample_entry();
  auto bytes = encode_simple(e);
  auto back = decode_simple(bytes, "x.bin");
  REQUIRE(back);
  CHECK(back->http.etag == "\"abc\"");
  CHECK(back->http.max_age == 600);
  REQUIRE(back->map.versions.size() == 2);
  CHECK(back->map.versions[0].files.size() == 2);
  CHECK(back->map.versions[0].files[1].file.yanked_reason == "oops");
  CHECK(back->map.versions[0].files[1].kind == index::file_kind::sdist);
  CHECK(back->map.versions[1].files[0].build->number == 1U);
  CHECK(back->map.versions[1].files[0].tags == e.map.versions[1].files[0].tags);
  CHECK(back->map.requires_python.size() == 1);
  CHECK(back->map.requires_python[0].to_string() == ">=3.8");
  CHECK(encode_simple(*back) == bytes);
}

TEST_CASE("a page_view gives the facts and files of the version map it was written from") {
  const auto e = sample_entry();
  auto view = page_view::load(encode_simple(e), "v.bin");
  REQUIRE(view);
  REQUIRE(view->size() == e.map.versions.size());
  CHECK(view->name() == "foo");
  CHECK(view->http().etag == "\"abc\"");
  const auto py311 = packaging::target_environment::create("3.11", "x86_64-manylinux_2_17");
  REQUIRE(py311);
  const auto py38 = packaging::target_environment::create("3.8", "x86_64-manylinux_2_17");
  REQUIRE(py38);
  for (std::size_t v = 0; v < view->size(); ++v) {
    const auto& entry = e.map.versions[v];
    CHECK(view->version(v) == entry.version);
    CHECK(view->find(entry.version) == v);
    const auto files = view->files(v);
    REQUIRE(files.size() == entry.files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      const auto& expected = entry.files[i];
      CHECK(files[i].yanked() == expected.file.yanked);
      CHECK(files[i].sdist() == (expected.kind == index::file_kind::sdist));
      CHECK(files[i].requires_python == expected.requires_python);
      // Ranked in place from the interned tag names, as the version map's tags rank.
      for (const auto* env : {&*py311, &*py38}) {
        const auto want = expected.kind == index::file_kind::wheel ? env->rank(expected.tags) : std::nullopt;
        CHECK(page_view::rank(files[i], view->ranks_in(*env)) == want);
      }
      const auto file = view->file(files[i]);
      REQUIRE(file);
      CHECK(file->file.filename == expected.file.filename);
      CHECK(file->file.url == expected.file.url);
      CHECK(file->file.yanked_reason == expected.file.yanked_reason);
      CHECK(file->tags == expected.tags);
      CHECK(file->build == expected.build);
    }
  }
  // cp311-abi3 is accepted by 3.11 and not by 3.8; py3-none-any by both.
  const auto ranks311 = view->ranks_in(*py311), ranks38 = view->ranks_in(*py38);
  CHECK(page_view::rank(view->files(1)[0], ranks311));
  CHECK_FALSE(page_view::rank(view->files(1)[0], ranks38));
  CHECK(page_view::rank(view->files(0)[0], ranks38));
  CHECK_FALSE(view->find(*packaging::version::parse("3.0")));
  CHECK(encode_simple({view->http(), view->map()}) == encode_simple(e));
}

TEST_CASE("metadata entries round-trip with requirements parsed") {
  auto md = packaging::core_metadata::parse(
      "Metadata-Version: 2.1\nName: Foo\nVersion: 1.0\nRequires-Python: >=3.8\n"
      "Requires-Dist: bar[x]>=1; python_version < \"3.11\"\nRequires-Dist: baz @ "
      "https://x/baz.whl\nProvides-Extra: x\n\n");
  REQUIRE(md);
  auto bytes = encode_metadata(*md);
  auto back = decode_metadata(bytes, "m.bin");
  REQUIRE(back);
  CHECK(back->name == "Foo");
  REQUIRE(back->requires_dist.size() == 2);
  CHECK(back->requires_dist[0].to_string() == md->requires_dist[0].to_string());
  CHECK(back->requires_dist[1].url == "https://x/baz.whl");
  CHECK(back->provides_extra == std::pmr::vector<std::pmr::string>{"x"});
}

TEST_CASE(
    "metadata scopes: without_extra_only leaves out exactly the requirements that need an extra, in order") {
  auto md = packaging::core_metadata::parse(
      "Metadata-Version: 2.1\nName: foo\nVersion: 1.0\n"
      "Requires-Dist: a\n"
      "Requires-Dist: b; extra == \"test\"\n"
      "Requires-Dist: c; python_version >= \"3.8\" and extra == \"docs\"\n"
      "Requires-Dist: d; extra == \"test\" or python_version < \"3.8\"\n"  // true without an extra on 3.7
      "Requires-Dist: e; os_name == \"nt\"\n"
      "Requires-Dist: f; extra != \"x\"\n"
      "Provides-Extra: test\nProvides-Extra: docs\n\n");
  REQUIRE(md);
  const auto bytes = encode_metadata(*md);
  auto names = [](const packaging::core_metadata& m) {
    std::string out;
    for (const auto& r : m.requires_dist) out += r.name;
    return out;
  };
  auto all = decode_metadata(bytes, "m.bin");
  REQUIRE(all);
  CHECK(names(*all) == "abcdef");
  auto base = decode_metadata(bytes, "m.bin", nullptr, support::default_resource(), nullptr,
                              metadata_scope::without_extra_only);
  REQUIRE(base);
  CHECK(names(*base) == "adef");
  CHECK(base->provides_extra == all->provides_extra);  // the rest reads as before
  CHECK(encode_metadata(*all) == bytes);

  // Past a valid checksum, a record's flag and length are checked in both scopes.
  // Requirement "a": flag 0, its record's length (18: the name "a" with its length, no extras,
  // no URL, no specifiers, no marker), then the record.
  const std::string first_record("\x00\x12\x00\x00\x00\x01\x00\x00\x00\x61", 10);
  const auto at = bytes.find(first_record, 32);
  REQUIRE(at != std::string::npos);
  const std::size_t flag_at = at, length_at = at + 1;
  std::string bad_flag = bytes;
  bad_flag[flag_at] = 7;
  for (auto scope : {metadata_scope::all, metadata_scope::without_extra_only}) {
    auto got =
        decode_metadata(reseal(bad_flag), "m.bin", nullptr, support::default_resource(), nullptr, scope);
    REQUIRE_FALSE(got);
    CAPTURE(got.error().to_string());
    CHECK(got.error().to_string().find("bad flags of requirement 0") != std::string::npos);
  }
  std::string bad_length = bytes;
  bad_length[length_at] = static_cast<char>(bad_length[length_at] + 1);
  auto got = decode_metadata(reseal(bad_length), "m.bin");
  REQUIRE_FALSE(got);
  CHECK(got.error().to_string() == "m.bin: corrupt cache entry: bad length of requirement 0");
  // A skipped record's length past the end is refused, not followed.
  const auto b_at = bytes.find(std::string("\x01\x00\x00\x00\x62\x00\x00\x00\x00", 9), 32);  // "b", no extras
  REQUIRE(b_at != std::string::npos);
  REQUIRE(bytes[b_at - 5] == 1);  // flagged: needs an extra
  std::string huge = bytes;
  const std::uint32_t big = 0x7FFFFFFF;
  std::memcpy(huge.data() + b_at - 4, &big, 4);
  auto skipped = decode_metadata(reseal(huge), "m.bin", nullptr, support::default_resource(), nullptr,
                                 metadata_scope::without_extra_only);
  REQUIRE_FALSE(skipped);
  CHECK(skipped.error().to_string().find("corrupt cache entry") != std::string::npos);
}

TEST_CASE("decoding rebuilds versions, specifiers and requirements exactly, in the given memory resource") {
  // 1!2.0 and 2023.10.1.post12345 do not pack: they are stored as text and parsed into `memory`.
  auto md = packaging::core_metadata::parse(
      "Metadata-Version: 2.2\nName: foo\nVersion: 1!2.0\nRequires-Python: >=3.8, !=3.9.*\n"
      "Requires-Dist: bar[x,y]~=1.4.2; python_version < \"3.11\" and extra == 'x'\n"
      "Requires-Dist: baz===weird\nRequires-Dist: qux (>2023.10.1.post12345,<3!0)\nRequires-Dist: url @ "
      "https://x/u.whl ; os_name == 'nt'\n\n");
  REQUIRE(md);
  const auto bytes = encode_metadata(*md, 77);
  allocator::counting_resource counted(std::pmr::new_delete_resource());
  std::int64_t written = 0;
  auto back = decode_metadata(bytes, "m.bin", &written, &counted);
  REQUIRE(back);
  CHECK(written == 77);
  CHECK(back->version == md->version);
  CHECK(back->version.to_string() == "1!2.0");
  REQUIRE(back->requires_python);
  CHECK(back->requires_python->to_string() == md->requires_python->to_string());
  REQUIRE(back->requires_dist.size() == md->requires_dist.size());
  for (std::size_t i = 0; i < md->requires_dist.size(); ++i) {
    const auto& a = back->requires_dist[i];
    const auto& b = md->requires_dist[i];
    CHECK(a.to_string() == b.to_string());
    CHECK(a.extras == b.extras);
    CHECK(a.specifiers.specifiers() == b.specifiers.specifiers());
  }
  CHECK(counted.stats().allocations >= 3);  // 1!2.0, 2023.10.1.post12345 and 3!0
  CHECK(encode_metadata(*back, 77) == bytes);
  // Everything decoded lives in `counted`: strings, lists and specifier sets alike (what a
  // warm resolve decodes by the thousand must not fall back to the global heap).
  const auto in_counted = [&](const auto& member) { return member.get_allocator().resource() == &counted; };
  CHECK(in_counted(back->name));
  CHECK(in_counted(back->metadata_version));
  CHECK(in_counted(back->requires_dist));
  CHECK(in_counted(back->provides_extra));
  CHECK(in_counted(back->dynamic));
  CHECK(in_counted(back->requires_python->specifiers()));
  for (const auto& r : back->requires_dist) {
    CHECK(in_counted(r.name));
    CHECK(in_counted(r.url));
    CHECK(in_counted(r.extras));
    for (const auto& extra : r.extras) CHECK(in_counted(extra));
    CHECK(in_counted(r.specifiers.specifiers()));
  }
  // Text parsing takes a resource the same way.
  allocator::counting_resource parsed_into(std::pmr::new_delete_resource());
  auto parsed = packaging::core_metadata::parse(
      "Metadata-Version: 2.1\nName: a-rather-long-project-name\nVersion: 1.0\n"
      "Requires-Dist: another-long-project-name[some-extra]>=1.0.0.dev0\n\n",
      "METADATA", &parsed_into);
  REQUIRE(parsed);
  CHECK(parsed->name.get_allocator().resource() == &parsed_into);
  CHECK(parsed->requires_dist.get_allocator().resource() == &parsed_into);
  CHECK(parsed->requires_dist.at(0).name.get_allocator().resource() == &parsed_into);
  CHECK(parsed->requires_dist.at(0).extras.at(0).get_allocator().resource() == &parsed_into);
  CHECK(parsed->requires_dist.at(0).specifiers.specifiers().get_allocator().resource() == &parsed_into);
  // Long names: neither fits a short-string buffer, so both went through `parsed_into`.
  CHECK(parsed_into.stats().allocations >= 4);

  auto e = sample_entry();
  auto simple_back = decode_simple(encode_simple(e), "s.bin", &counted);
  REQUIRE(simple_back);
  for (std::size_t i = 0; i < e.map.versions.size(); ++i)
    CHECK(simple_back->map.versions[i].version.packed_bits()->key ==
          e.map.versions[i].version.packed_bits()->key);
}

TEST_CASE("truncated, bit-flipped and garbage entries are all rejected with the path") {
  auto bytes = encode_simple(sample_entry());
  for (std::size_t n = 0; n < bytes.size(); n += 7) {
    auto r = decode_simple(std::string_view(bytes).substr(0, n), "e.bin");
    REQUIRE_FALSE(r);
    CHECK(r.error().source == "e.bin");
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit : {0, 5}) {
      auto copy = bytes;
      copy[i] = static_cast<char>(copy[i] ^ (1 << bit));
      CHECK_FALSE(decode_simple(copy, "e.bin"));
    }
  }
  CHECK_FALSE(decode_simple(std::string(4096, 'x'), "e.bin"));
  CHECK_FALSE(decode_metadata(bytes, "e.bin"));  // wrong kind
  // A well-formed envelope around a garbage payload is rejected by the bounds checks.
  std::string garbage(64, '\xff');
  CHECK_FALSE(decode_metadata(garbage, "e.bin"));
}

TEST_CASE("past a valid checksum, a page_view checks its tables and every file read is bounds-checked") {
  // Tampered entries with a recomputed checksum: the payload cut short by every length.
  const auto bytes = encode_simple(sample_entry());
  auto resealed = [&](std::size_t cut) { return reseal(bytes.substr(0, bytes.size() - cut)); };
  REQUIRE(page_view::load(resealed(0), "e.bin"));
  std::size_t rejected_on_load = 0, caught_on_read = 0;
  for (std::size_t cut = 1; cut <= bytes.size() - 32; ++cut) {
    const auto entry = resealed(cut);
    auto whole = decode_simple(entry, "e.bin");
    REQUIRE_FALSE(whole);  // a whole decode reads every record
    CHECK(whole.error().source == "e.bin");
    auto view = page_view::load(entry, "e.bin");
    if (!view) {
      ++rejected_on_load;
      CHECK(view.error().to_string().find("corrupt cache entry") != std::string::npos);
      continue;
    }
    // Loaded (the tables are whole, a record lost bytes): reading that record says so.
    bool all_ok = true;
    index::version_file out;
    for (std::size_t v = 0; v < view->size(); ++v)
      for (const auto& f : view->files(v)) {
        const bool read = view->read_file(f, out);
        CHECK(view->file(f).has_value() == read);  // a malformed record is no file, not an empty one
        all_ok = read && all_ok;
      }
    CHECK_FALSE(all_ok);
    ++caught_on_read;
  }
  CHECK(rejected_on_load > 0);
  CHECK(caught_on_read > 0);
}

TEST_CASE("cache folder: CACHEDIR.TAG, atomic writes, info, clean, prune, no-cache") {
  t::temp_dir tmp;
  cache_options o;
  o.root = tmp.path / "c";
  auto c = pyresolve::cache::cache::open(o);
  REQUIRE(c);
  CHECK(std::filesystem::exists(o.root / "CACHEDIR.TAG"));
  index::dist_file f;
  f.filename = "foo-1.0-py3-none-any.whl";
  f.url = "https://x/foo-1.0-py3-none-any.whl";
  auto p1 = (*c)->simple_path("https://u:p@x/simple/", "foo");
  CHECK(p1 == (*c)->simple_path("https://x/simple", "foo"));
  CHECK(p1.string().find(simple_bucket) != std::string::npos);
  // Spelled as `root / bucket / ...` spells it (entries of older runs stay found).
  CHECK(p1.parent_path().parent_path() == o.root / simple_bucket);
  CHECK(p1.filename() == "foo.bin");
  CHECK(p1.parent_path().filename().string().size() == 16);
  const auto m1 = (*c)->metadata_path("foo", f);
  CHECK(m1.parent_path() == o.root / metadata_bucket / "foo");
  CHECK(m1.filename().string().starts_with(f.filename + "-"));
  CHECK(m1.filename().string().size() == f.filename.size() + 1 + 16 + 4);
  index::dist_file with_user = f;
  with_user.url = "https://u:p@x/foo-1.0-py3-none-any.whl";
  CHECK((*c)->metadata_path("foo", with_user) == m1);
  // The string forms name the same files, and read the same bytes.
  CHECK((*c)->metadata_file("foo", f) == m1.native());
  CHECK((*c)->simple_file("https://x/simple/", "foo") == p1.native());
  REQUIRE((*c)->write(p1, "hello"));
  REQUIRE((*c)->write((*c)->metadata_path("foo", f), "meta"));
  REQUIRE((*c)->write((*c)->simple_path("https://x/simple", "bar"), "bar"));
  CHECK((*c)->read(p1) == std::optional<std::string>("hello"));
  CHECK((*c)->read_file((*c)->simple_file("https://x/simple", "foo").c_str()) ==
        std::optional<std::string>("hello"));
  CHECK_FALSE((*c)->read_file((*c)->simple_file("https://x/simple", "absent").c_str()));
  auto info = (*c)->info();
  REQUIRE(info);
  CHECK(info->total_bytes >= 12);
  // Leftovers of a killed writer and an old bucket format are pruned.
  t::spit(p1.parent_path() / "foo.bin.tmp.123.0", "half");
  std::filesystem::create_directories(o.root / "simple-v0" / "x");
  t::spit(o.root / "simple-v0" / "x" / "a.bin", "old");
  // The CLI's python3 probe answers live in a bucket of this build: kept.
  std::filesystem::create_directories(o.root / interpreter_bucket);
  t::spit(o.root / interpreter_bucket / "k.txt", "3.11.7 linux");
  auto pruned = (*c)->prune();
  REQUIRE(pruned);
  CHECK(std::filesystem::exists(o.root / interpreter_bucket / "k.txt"));
  CHECK_FALSE(std::filesystem::exists(p1.parent_path() / "foo.bin.tmp.123.0"));
  CHECK_FALSE(std::filesystem::exists(o.root / "simple-v0"));
  CHECK(std::filesystem::exists(p1));
  auto cleaned = (*c)->clean({"Foo"});
  REQUIRE(cleaned);
  CHECK_FALSE(std::filesystem::exists(p1));
  CHECK_FALSE(std::filesystem::exists((*c)->metadata_path("foo", f)));
  CHECK(std::filesystem::exists((*c)->simple_path("https://x/simple", "bar")));
  REQUIRE((*c)->clean({}));
  CHECK_FALSE(std::filesystem::exists((*c)->simple_path("https://x/simple", "bar")));
  CHECK(std::filesystem::exists(o.root / "CACHEDIR.TAG"));

  cache_options off;
  off.no_cache = true;
  auto nc = pyresolve::cache::cache::open(off);
  REQUIRE(nc);
  CHECK_FALSE((*nc)->enabled());
}

TEST_CASE("negative metadata entries keep the parse error") {
  error e{errc::invalid_metadata, "invalid Requires-Python '>=3.5.*'", "http://x/f.whl.metadata", 4, 0};
  auto bytes = encode_metadata_error(e, 77);
  std::int64_t written = 0;
  auto back = decode_metadata(bytes, "m.bin", &written);
  REQUIRE_FALSE(back);
  CHECK(back.error().code == errc::invalid_metadata);
  CHECK(back.error().to_string() == e.to_string());
  CHECK(written == 77);
  bytes[bytes.size() - 1] = static_cast<char>(bytes[bytes.size() - 1] ^ 1);
  auto bad = decode_metadata(bytes, "m.bin");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == errc::io_error);
}

TEST_CASE(
    "a page_view keeps its index (versions, per-file facts, interned texts) in the given memory resource") {
  const auto bytes = encode_simple(sample_entry());
  allocator::counting_resource counted(std::pmr::new_delete_resource());
  {
    auto view = page_view::load(bytes, "v.bin", &counted);
    REQUIRE(view);
    // Versions, the first-file table, the files' facts and the interned prefix and tag texts.
    CHECK(counted.stats().allocations >= 5);
    CHECK(counted.stats().live_bytes > 0);
    // Moving the view (as the front cache does into its shared pointer) keeps its resource.
    const auto before = counted.stats().allocations;
    page_view moved = std::move(*view);
    CHECK(counted.stats().allocations == before);
    REQUIRE(moved.size() == 2);
    CHECK(moved.files(0).size() == 2);
    // Its requires-python texts and sets, name and validators too.
    CHECK(moved.requires_python_text().get_allocator().resource() == &counted);
    CHECK(moved.requires_python().get_allocator().resource() == &counted);
    for (const auto& set : moved.requires_python())
      CHECK(set.specifiers().get_allocator().resource() == &counted);
    CHECK(moved.http().etag.get_allocator().resource() == &counted);
    // A file's listing goes into the resource of the listing it is read into.
    allocator::counting_resource listing(std::pmr::new_delete_resource());
    index::dist_file file(&listing);
    REQUIRE(moved.read_dist_file(moved.files(0)[0], file));
    CHECK(file.url.get_allocator().resource() == &listing);
    const auto whole = moved.file(moved.files(0)[0]);
    REQUIRE(whole);
    CHECK(file.filename == whole->file.filename);
    CHECK(file.url == whole->file.url);
    CHECK(file.sha256 == whole->file.sha256);
  }
  CHECK(counted.stats().live_bytes == 0);
  CHECK(counted.stats().frees == counted.stats().allocations);
}

TEST_CASE("mapped_file: small entries read, large ones mapped, both whole, across moves") {
  t::temp_dir tmp;
  // Either side of the 1 MiB line between reading and mapping, and a byte either side of it.
  for (const std::size_t size :
       {std::size_t{1}, std::size_t{1024 * 1024}, std::size_t{1024 * 1024 + 1}, std::size_t{3000000}}) {
    CAPTURE(size);
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i * 7 % 26);
    const auto path = (tmp.path / ("f" + std::to_string(size))).string();
    { std::ofstream(path, std::ios::binary) << bytes; }
    auto file = mapped_file::open(path.c_str());
    REQUIRE(file);
    REQUIRE(*file);
    CHECK((*file)->bytes() == bytes);
    mapped_file moved(std::move(**file));
    CHECK((*file)->bytes().empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(moved.bytes() == bytes);
    auto other = mapped_file::open(path.c_str());
    REQUIRE(other);
    REQUIRE(*other);
    moved = std::move(**other);  // releases what `moved` held (ASan would flag a leak or a double free)
    CHECK(moved.bytes() == bytes);
    // Replaced by rename after opening: the bytes held stay the old ones.
    { std::ofstream(path + ".new", std::ios::binary) << std::string(size, 'z'); }
    std::filesystem::rename(path + ".new", path);
    CHECK(moved.bytes() == bytes);
  }
}

TEST_CASE(
    "a page_view over a mapped entry reads as one over the same bytes in memory; metadata reads reuse one "
    "buffer") {
  t::temp_dir tmp;
  const auto bytes = encode_simple(sample_entry());
  const auto path = (tmp.path / "foo.bin").string();
  { std::ofstream(path, std::ios::binary) << bytes; }
  auto mapped = mapped_file::open(path.c_str());
  REQUIRE(mapped);
  REQUIRE(*mapped);
  CHECK((*mapped)->bytes() == bytes);
  auto from_map = page_view::load(std::move(**mapped), path);
  auto from_string = page_view::load(bytes, path);
  REQUIRE(from_map);
  REQUIRE(from_string);
  CHECK(encode_simple({from_map->http(), from_map->map()}) ==
        encode_simple({from_string->http(), from_string->map()}));
  // Moving the view keeps the mapping (and its offsets) valid.
  const page_view moved = std::move(*from_map);
  CHECK(moved.name() == "foo");
  CHECK(moved.size() == from_string->size());

  const auto absent = mapped_file::open((tmp.path / "absent.bin").string().c_str());
  REQUIRE(absent);
  CHECK_FALSE(*absent);
  const auto empty = (tmp.path / "empty.bin").string();
  { std::ofstream(empty, std::ios::binary); }
  auto none = mapped_file::open(empty.c_str());
  REQUIRE(none);
  REQUIRE(*none);
  CHECK((*none)->bytes().empty());
  auto corrupt_view = page_view::load(std::move(**none), empty);
  REQUIRE_FALSE(corrupt_view);
  CHECK(corrupt_view.error().to_string().find(empty) != std::string::npos);

  auto store = open_cache_in(tmp);
  std::string buffer;
  const auto big = store->read_file(path.c_str(), buffer);
  REQUIRE(big);
  CHECK(*big == bytes);
  const auto small = (tmp.path / "small.bin").string();
  { std::ofstream(small, std::ios::binary) << "abc"; }
  const auto again = store->read_file(small.c_str(), buffer);
  REQUIRE(again);
  CHECK(*again == "abc");
  CHECK(buffer.size() >= bytes.size());  // kept for the next read
}

TEST_CASE("read_file reads entries of every size whole, and no further than their header says") {
  t::temp_dir tmp;
  auto store = open_cache_in(tmp);
  std::string buffer;
  // Around the first read's size (64 KiB), and nothing at all.
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{65535}, std::size_t{65536},
                                 std::size_t{65537}, std::size_t{131072}, std::size_t{300001}}) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + (i * 7919) % 26);
    // A header that declares the rest as its payload (what lets a read go past 64 KiB).
    if (size >= 32) {
      std::memcpy(bytes.data(), "PYRSLVC", 8);
      const std::uint64_t payload = size - 32;
      std::memcpy(bytes.data() + 16, &payload, 8);
    }
    const auto path = (tmp.path / ("f" + std::to_string(size))).string();
    { std::ofstream(path, std::ios::binary) << bytes; }
    const auto got = store->read_file(path.c_str(), buffer);
    REQUIRE(got);
    CHECK(got->size() == size);
    CHECK(*got == bytes);
    std::string fresh;  // a buffer that starts empty
    CHECK(store->read_file(path.c_str(), fresh) == std::optional<std::string_view>(bytes));
  }
  CHECK_FALSE(store->read_file((tmp.path / "absent").string().c_str(), buffer));
  CHECK_FALSE(store->read_file(tmp.path.string().c_str(), buffer));  // a folder
}

TEST_CASE(
    "upload times round-trip through an entry, read in place by a page_view; a damaged one is no file") {
  auto e = sample_entry();
  // foo-1.0's wheel has a time, its sdist none; foo-2.0's wheel the latest time there is.
  e.map.versions[0].files[0].file.upload_time = 1'694'121'121'123'456;
  e.map.versions[1].files[0].file.upload_time = index::max_upload_time;
  const auto bytes = encode_simple(e);
  auto back = decode_simple(bytes, "t.bin");
  REQUIRE(back);
  CHECK(back->map.versions[0].files[0].file.upload_time == 1'694'121'121'123'456);
  CHECK(back->map.versions[0].files[1].file.upload_time == index::no_upload_time);
  CHECK(back->map.versions[1].files[0].file.upload_time == index::max_upload_time);
  CHECK(encode_simple(*back) == bytes);
  auto view = page_view::load(bytes, "t.bin");
  REQUIRE(view);
  CHECK(view->upload_time(0, 0) == 1'694'121'121'123'456);
  CHECK(view->upload_time(0, 1) == index::no_upload_time);
  CHECK(view->upload_time(1, 0) == index::max_upload_time);
  CHECK(view->file(view->files(0)[0])->file.upload_time == 1'694'121'121'123'456);

  // The table of times sits right before the records: find the first one and damage it.
  std::string tampered = bytes;
  const std::int64_t first = 1'694'121'121'123'456;
  const auto at = tampered.find(std::string_view(reinterpret_cast<const char*>(&first), 8));
  REQUIRE(at != std::string::npos);
  for (const std::int64_t bad : {std::int64_t{-1}, index::max_upload_time + 1}) {
    std::memcpy(tampered.data() + at, &bad, 8);
    const auto entry = reseal(tampered);
    CHECK_FALSE(decode_simple(entry, "t.bin"));  // a whole decode reads every record
    auto damaged = page_view::load(entry, "t.bin");
    REQUIRE(damaged);                                  // the tables are whole
    CHECK(damaged->upload_time(0, 0) == bad);          // compared only, never trusted
    CHECK_FALSE(damaged->file(damaged->files(0)[0]));  // a file with it does not read
    CHECK(damaged->file(damaged->files(0)[1]));        // the others do
  }
}
