#include <doctest/doctest.h>

#include <algorithm>
#include <unordered_set>

#include "pyresolve/packaging/version.hpp"
#include "test_data.hpp"

using namespace pyresolve::packaging;
using pyresolve::test::must_parse;
using pyresolve::test::read_rows;

namespace {

version must_parse_heap(const std::string& s) {
  auto v = detail::parse_unpacked(s);
  REQUIRE_MESSAGE(v.has_value(), s);
  return *v;
}

std::string joined_release(const version& v) {
  std::string out;
  for (std::size_t i = 0; i < v.release_size(); ++i) out += (i ? "." : "") + std::to_string(v.release(i));
  return out;
}

std::string local_text(const version& v) {
  std::string out;
  for (const local_segment& s : v.local()) {
    if (!out.empty()) out += '.';
    out += s.is_number ? std::to_string(s.number) : s.text;
  }
  return out;
}

int sign(std::strong_ordering o) { return o < 0 ? -1 : (o > 0 ? 1 : 0); }

}  // namespace

TEST_CASE("valid versions normalize and expose components as packaging does") {
  const auto rows = read_rows("versions_valid.txt");
  REQUIRE(rows.size() > 100);
  for (const auto& r : rows) {
    CAPTURE(r[0]);
    REQUIRE(r.size() == 13);
    for (bool heap : {false, true}) {
      const version v = heap ? must_parse_heap(r[0]) : must_parse(r[0]);
      CHECK(v.to_string() == r[1]);
      CHECK(v.public_version().to_string() == r[2]);
      CHECK(v.base_version().to_string() == r[3]);
      CHECK(std::to_string(v.epoch()) == r[4]);
      CHECK(joined_release(v) == r[5]);
      CHECK(v.release_segments().size() == v.release_size());
      const auto pre = v.pre();
      const std::string pre_text = pre ? std::string(pre->kind == pre_kind::alpha  ? "a"
                                                     : pre->kind == pre_kind::beta ? "b"
                                                                                   : "rc") +
                                             std::to_string(pre->number)
                                       : "-";
      CHECK(pre_text == r[6]);
      CHECK((v.post() ? std::to_string(*v.post()) : "-") == r[7]);
      CHECK((v.dev() ? std::to_string(*v.dev()) : "-") == r[8]);
      CHECK((v.has_local() ? local_text(v) : "-") == r[9]);
      CHECK(v.is_prerelease() == (r[10] == "1"));
      CHECK(v.is_postrelease() == (r[11] == "1"));
      CHECK(v.is_devrelease() == (r[12] == "1"));
      CHECK_FALSE(v.is_sentinel());
      // Printing is a fixed point.
      CHECK(must_parse(v.to_string()) == v);
      CHECK(must_parse(v.to_string()).to_string() == v.to_string());
      if (heap) CHECK_FALSE(v.is_packed());
    }
  }
}

TEST_CASE("invalid versions are rejected with the text and a column") {
  const auto rows = read_rows("versions_invalid.txt");
  REQUIRE(rows.size() > 30);
  for (const auto& r : rows) {
    CAPTURE(r[0]);
    auto v = version::parse(r[0]);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().code == pyresolve::errc::invalid_version);
    CHECK(v.error().column >= 1);
    CHECK(v.error().column <= r[0].size() + 1);
    CHECK(v.error().message.rfind("invalid version '" + r[0] + "': ", 0) == 0);
    CHECK(v.error().message.find(" at column " + std::to_string(v.error().column)) != std::string::npos);
    CHECK_FALSE(detail::parse_unpacked(r[0]).has_value());
  }
}

TEST_CASE("error messages say what was expected and where") {
  auto a = version::parse("1.0+");
  REQUIRE_FALSE(a);
  CHECK(a.error().column == 5);
  CHECK(a.error().message ==
        "invalid version '1.0+': expected a letter or digit in the local label at column 5");
  auto b = version::parse("1.0.0-beta.1x");
  REQUIRE_FALSE(b);
  CHECK(b.error().column == 13);
  auto c = version::parse("18446744073709551616");
  REQUIRE_FALSE(c);
  CHECK(c.error().message.find("number too large") != std::string::npos);
  CHECK(version::parse("18446744073709551615").has_value());
  auto d = version::parse(" x");
  REQUIRE_FALSE(d);
  CHECK(d.error().column == 2);
}

TEST_CASE("whitespace as Python's \\s, including Unicode spaces in UTF-8") {
  CHECK(must_parse("\xc2\xa0 1.0\x1c").to_string() == "1.0");
  CHECK(must_parse("\xe3\x80\x80"
                   "1.0\xe2\x80\xa9")
            .to_string() == "1.0");
  CHECK_FALSE(version::parse("1.0\xc2\xa1").has_value());
}

TEST_CASE("the sorted list is strictly increasing in both representations") {
  const auto rows = read_rows("versions_sorted.txt");
  REQUIRE(rows.size() > 1000);
  struct group {
    std::vector<version> members;
  };
  std::vector<group> groups;
  for (const auto& r : rows) {
    group g;
    std::size_t start = 0;
    const std::string& line = r[0];
    for (;;) {
      const std::size_t sp = line.find(' ', start);
      const std::string s = line.substr(start, sp == std::string::npos ? std::string::npos : sp - start);
      g.members.push_back(must_parse(s));
      g.members.push_back(must_parse_heap(s));
      if (sp == std::string::npos) break;
      start = sp + 1;
    }
    groups.push_back(std::move(g));
  }
  std::size_t packed = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (const version& a : groups[i].members) {
      packed += a.is_packed() ? 1 : 0;
      for (const version& b : groups[i].members) {
        CHECK(a == b);
        CHECK(a.hash() == b.hash());
      }
    }
    if (i + 1 < groups.size()) {
      // Neighbours in every combination of forms, then a sample of distant pairs.
      for (const version& a : groups[i].members) {
        for (const version& b : groups[i + 1].members) {
          CHECK_MESSAGE(a < b, a.to_string() << " < " << b.to_string());
          CHECK(b > a);
          CHECK(a != b);
        }
      }
    }
  }
  CHECK(packed > groups.size() / 4);
  // All pairs, one representative each: O(n^2) but only compares.
  std::size_t bad = 0;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (std::size_t j = 0; j < groups.size(); ++j) {
      const int want = i < j ? -1 : (i > j ? 1 : 0);
      if (sign(groups[i].members[0] <=> groups[j].members[1]) != want) ++bad;
      if (sign(groups[i].members[0] <=> groups[j].members[0]) != want) ++bad;
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("1.0 == 1.0.0 in every form, with equal hashes") {
  const version a = must_parse("1.0");
  const version b = must_parse("1.0.0.0.0");
  const version c = must_parse_heap("1.0.0");
  CHECK(a == b);
  CHECK(a == c);
  CHECK(a.hash() == b.hash());
  CHECK(a.hash() == c.hash());
  CHECK(b.to_string() == "1.0.0.0.0");
  CHECK(a.is_packed());
  CHECK(b.is_packed());
  std::unordered_set<version> set{a, b, c};
  CHECK(set.size() == 1);
  const version big = must_parse("1!1.0+abc");
  CHECK(must_parse("1!1.0.0+ABC").hash() == big.hash());
}

TEST_CASE("packed keys order as the general comparison (seeded property)") {
  std::mt19937_64 rng(20240901);
  std::vector<version> packed;
  std::vector<version> heap;
  for (int i = 0; i < 3000; ++i) {
    const std::string s = pyresolve::test::random_version(rng, true);
    CAPTURE(s);
    packed.push_back(must_parse(s));
    heap.push_back(must_parse_heap(s));
    CHECK(packed.back().to_string() == heap.back().to_string());
  }
  std::size_t both_packed = 0;
  for (std::size_t i = 0; i < packed.size(); ++i) {
    for (std::size_t j = i; j < std::min(packed.size(), i + 40); ++j) {
      const int general = sign(heap[i] <=> heap[j]);
      CHECK(sign(packed[i] <=> packed[j]) == general);
      CHECK(sign(packed[i] <=> heap[j]) == general);
      CHECK(sign(heap[i] <=> packed[j]) == general);
      CHECK((packed[i] == packed[j]) == (general == 0));
      if (general == 0) CHECK(packed[i].hash() == heap[j].hash());
      if (packed[i].is_packed() && packed[j].is_packed()) {
        ++both_packed;
        CHECK(sign(packed[i].packed_key() <=> packed[j].packed_key()) == general);
      }
    }
  }
  CHECK(both_packed > 10000);
}

TEST_CASE("sentinels bracket the versions of a release") {
  for (bool heap : {false, true}) {
    auto p = [&](const char* s) { return heap ? must_parse_heap(s) : must_parse(s); };
    const version v = p("1.7");
    CHECK(v.release_min() < p("1.7.dev0"));
    CHECK(v.release_min() > p("1.6.999.post9+z"));
    CHECK(v.release_min() == p("1.7.0").release_min());
    CHECK(v.release_max() > p("1.7.post99999999999.dev3+zzz.999"));
    CHECK(v.release_max() < p("1.7.0.0.1.dev0"));
    CHECK(v.local_max() > p("1.7+zzz.999.a"));
    CHECK(v.local_max() < p("1.7.post0.dev0"));
    CHECK(v.just_after() > v);
    CHECK(v.just_after() < p("1.7+0"));
    CHECK(p("1.7+a").just_after() < p("1.7+a0"));
    CHECK(p("1.7rc1").release_min() == v.release_min());
    CHECK(v.release_min().is_sentinel());
    CHECK(v.local_max().is_sentinel());
    CHECK_FALSE(v.is_sentinel());
    CHECK(v.release_min().to_string() == "1.7.min");
    CHECK(v.release_max().to_string() == "1.7.max");
    CHECK(v.local_max().to_string() == "1.7+max");
    CHECK(v.just_after().to_string() == "1.7+next");
  }
  CHECK(must_parse("1.7").release_min().is_packed());
  CHECK(must_parse("1.7").release_max().is_packed());
}

TEST_CASE("copies share heap blocks from the given memory resource") {
  std::pmr::monotonic_buffer_resource arena;
  auto v = version::parse("1!2.3.4.5.6rc1.post2.dev3+ubuntu.1", &arena);
  REQUIRE(v);
  CHECK_FALSE(v->is_packed());
  version copy = *v;
  version moved = std::move(copy);
  CHECK(moved == *v);
  CHECK(moved.to_string() == "1!2.3.4.5.6rc1.post2.dev3+ubuntu.1");
  version assigned;
  CHECK(assigned.to_string() == "0");
  assigned = moved;
  CHECK(assigned == *v);
  CHECK(version::from_release({1, 2}).to_string() == "1.2");
  CHECK(version::from_release({1, 2}) == must_parse("1.2.0"));
}

TEST_CASE("packed bits round-trip exactly; bits no version has are refused") {
  std::vector<version> all;
  for (const char* s :
       {"0", "1.0", "1.0.0", "2.31.0rc1", "1.0.post3", "1.0.dev4", "1.2.3.4", "1.0.0.0.0", "0.9b2"})
    all.push_back(must_parse(s));
  const auto base = must_parse("1.7");
  for (const auto& v : {base.release_min(), base.release_max(), base.just_after(), base.local_max()})
    all.push_back(v);
  for (const auto& v : all) {
    INFO(v.to_string());
    auto bits = v.packed_bits();
    REQUIRE(bits);
    auto back = version::from_packed(*bits);
    REQUIRE(back);
    CHECK(back->to_string() == v.to_string());
    CHECK(back->release_size() == v.release_size());
    CHECK(back->is_sentinel() == v.is_sentinel());
    for (const auto& w : all) CHECK((*back <=> w) == (v <=> w));
  }
  // The general form has no packed bits (a cache stores its text).
  for (const char* s : {"1!2.0", "1.0+local.7", "20230901.1", "1.0a1.post2"})
    CHECK_FALSE(must_parse(s).packed_bits());

  const auto one_two = *must_parse("1.2").packed_bits();
  CHECK_FALSE(version::from_packed({one_two.key, 0}));      // no release segment
  CHECK_FALSE(version::from_packed({one_two.key, 1}));      // "2" beyond the written size
  CHECK(version::from_packed({one_two.key, 7}));            // 1.2.0.0.0.0.0 is a version
  CHECK_FALSE(version::from_packed({one_two.key | 3, 2}));  // a final release numbered 3
  const auto min_bits = *base.release_min().packed_bits();
  CHECK_FALSE(version::from_packed({min_bits.key | 1, min_bits.release_size}));  // a bound with a number
  CHECK(version::packed_layout != 0);
}
