#include <doctest/doctest.h>

#include <memory_resource>
#include <set>

#include "pyresolve/packaging/specifier.hpp"
#include "pyresolve/support/memory.hpp"
#include "test_data.hpp"

using namespace pyresolve::packaging;
using pyresolve::test::read_rows;

namespace {

// Short name: the tests below build many versions inline.
constexpr auto& V = pyresolve::test::must_parse;

// The cases header version_ranges.hpp documents as approximated.
bool approximated(const specifier& s, const version& v) {
  if (s.op() == spec_op::greater && !s.operand().is_postrelease() && s.operand().is_prerelease() &&
      v.pre().has_value() && v.is_postrelease() && v.base_version() == s.operand().base_version()) {
    return true;
  }
  if (s.op() == spec_op::arbitrary_equal) return true;
  if (s.op() == spec_op::less && s.operand().post().value_or(0) > 256 && !s.operand().is_prerelease() &&
      v.base_version() == s.operand().base_version()) {
    return true;
  }
  return false;
}

void check_agrees(const specifier& s, const version& v, std::size_t& checked) {
  if (v.has_local() || approximated(s, v)) return;
  ++checked;
  const bool want = s.contains(v, true);
  if (s.to_ranges().contains(v) != want) {
    FAIL_CHECK(s.to_string() << " -> " << s.to_ranges().to_string() << " disagrees on " << v.to_string()
                             << " (contains: " << want << ")");
  }
}

std::vector<version> corpus() {
  std::vector<version> out;
  for (const auto& r : read_rows("versions_sorted.txt")) {
    std::size_t start = 0;
    const std::string& line = r[0];
    for (;;) {
      const std::size_t sp = line.find(' ', start);
      out.push_back(V(line.substr(start, sp == std::string::npos ? std::string::npos : sp - start)));
      if (sp == std::string::npos) break;
      start = sp + 1;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("to_ranges agrees with contains(prereleases=True) on the vectors") {
  const std::vector<version> versions = corpus();
  std::size_t checked = 0;
  for (const auto& r : read_rows("specifiers.txt")) {
    if (r[1] == "INVALID") continue;
    const specifier s = *specifier::parse(r[0]);
    CAPTURE(r[0]);
    for (const version& v : versions) check_agrees(s, v, checked);
    // Neighbours of the operand, where the rules bite.
    if (s.op() != spec_op::arbitrary_equal) {
      const std::string o = s.operand().to_string();
      for (const char* suffix :
           {"", ".dev0", "a0", "a1.post1", "rc9", ".post0", ".post1.dev0", ".post2", ".0.1", ".1", ".0.0"}) {
        if (auto v = version::parse(o + suffix)) check_agrees(s, *v, checked);
      }
    }
  }
  CHECK(checked > 50000);
}

TEST_CASE("to_ranges agrees with contains on generated specifiers and versions (seeded)") {
  std::mt19937_64 rng(440);
  const char* ops[] = {"==", "!=", "<=", ">=", "<", ">", "~="};
  std::vector<version> versions;
  for (int i = 0; i < 600; ++i) versions.push_back(V(pyresolve::test::random_version(rng, false)));
  std::size_t checked = 0;
  for (int i = 0; i < 400; ++i) {
    std::string text = ops[rng() % 7];
    std::string operand = pyresolve::test::random_version(rng, false);
    if (rng() % 4 == 0 && (text == "==" || text == "!=")) {
      const std::string base = V(operand).base_version().to_string();
      operand = base + ".*";
    }
    text += operand;
    auto s = specifier::parse(text);
    if (!s) continue;  // e.g. ~= with one release segment
    CAPTURE(text);
    for (const version& v : versions) check_agrees(*s, v, checked);
    const version& o = s->operand();
    for (const version& v :
         {o, o.base_version(), V(o.base_version().to_string() + ".post1"),
          V(o.base_version().to_string() + "rc1"), V(o.base_version().to_string() + ".dev0")}) {
      check_agrees(*s, v, checked);
    }
  }
  CHECK(checked > 100000);
}

TEST_CASE("set algebra agrees pointwise") {
  std::mt19937_64 rng(7);
  std::vector<version> probe;
  for (int i = 0; i < 300; ++i) probe.push_back(V(pyresolve::test::random_version(rng, true)));
  std::vector<version_ranges> sets;
  const char* texts[] = {">=1.0,<2.0", "==1.*",   "!=1.5",   "<0.5", ">3",         "~=2.2",  "==1.0+abc",
                         "!=0.*",      "<=2.0a1", ">1.0rc1", "",     "<1.0.post3", "==1!1.*"};
  for (const char* t : texts) sets.push_back(specifier_set::parse(t)->to_ranges());
  sets.push_back(version_ranges::empty_set());
  sets.push_back(version_ranges::full());
  for (const version_ranges& a : sets) {
    CHECK(a.complement().complement() == a);
    for (const version_ranges& b : sets) {
      const version_ranges i = a.intersect(b);
      const version_ranges u = a.unite(b);
      CHECK(i == b.intersect(a));
      CHECK(u == b.unite(a));
      CHECK(a.complement().intersect(b.complement()) == u.complement());
      for (const version& v : probe) {
        CHECK(i.contains(v) == (a.contains(v) && b.contains(v)));
        CHECK(u.contains(v) == (a.contains(v) || b.contains(v)));
        CHECK(a.complement().contains(v) == !a.contains(v));
      }
      // Canonical form: sorted, disjoint, non-adjacent.
      for (std::size_t k = 1; k < u.intervals().size(); ++k) {
        CHECK(u.intervals()[k - 1].upper.has_value());
        CHECK(u.intervals()[k].lower.has_value());
        CHECK(*u.intervals()[k - 1].upper < *u.intervals()[k].lower);
      }
    }
  }
  CHECK(version_ranges::full().is_full());
  CHECK(version_ranges::empty_set().is_empty());
  CHECK(version_ranges::between(V("2.0"), V("1.0")).is_empty());
  CHECK(version_ranges::singleton(V("1.0")).contains(V("1.0.0")));
  CHECK_FALSE(version_ranges::singleton(V("1.0")).contains(V("1.0+a")));
}

TEST_CASE("ranges print in PEP 440 terms") {
  auto r = [](const char* t) { return specifier_set::parse(t)->to_ranges().to_string(); };
  CHECK(r("") == "*");
  CHECK(r(">=1.0,<2.0") == ">=1.0, <2.0");
  CHECK(r("==1.5") == "==1.5");
  CHECK(r("!=1.5") == "<1.5 | >1.5");
  CHECK(r("<=1.5") == "<=1.5");
  CHECK(r("<1.0") == "<1.0");
  CHECK(r("<1.0rc1") == "<1.0rc1");
  CHECK(r("==1.0.*") == "==1.0.*");
  CHECK(r("!=1.0.*") == "<1.0 | >=1.1.dev0");
  CHECK(r("==1.*") == "==1.*");
  CHECK(r("~=1.4.2") == ">=1.4.2, <1.5");
  CHECK(r(">1.0") == ">1.0");
  CHECK(r(">=2.0,<1.0") == "∅");
  CHECK(r("==1.0+abc") == "==1.0+abc");
  CHECK(r("<1.0,>=2.0").empty() == false);
  CHECK(specifier_set::parse("<1.0")
            ->to_ranges()
            .unite(specifier_set::parse(">=2.0")->to_ranges())
            .to_string() == "<1.0 | >=2.0");
}

namespace {
/// Counts what reaches it, on top of the process default.
struct tally_resource final : std::pmr::memory_resource {
  std::size_t allocations = 0;
  void* do_allocate(std::size_t bytes, std::size_t align) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, align);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override {
    std::pmr::new_delete_resource()->deallocate(p, bytes, align);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
};

pyresolve::packaging::version v(const char* text) { return *pyresolve::packaging::version::parse(text); }
}  // namespace

TEST_CASE("sets beyond two intervals live in the resource they were given; copies and results keep it") {
  using pyresolve::packaging::version_ranges;
  tally_resource solver_memory;
  // Three disjoint intervals: more than the two inline slots.
  const version_ranges three = version_ranges::between(v("1"), v("2"), &solver_memory)
                                   .unite(version_ranges::between(v("3"), v("4"), &solver_memory))
                                   .unite(version_ranges::between(v("5"), v("6"), &solver_memory));
  REQUIRE(three.intervals().size() == 3);
  CHECK(three.resource() == &solver_memory);
  CHECK(solver_memory.allocations > 0);

  // A copy keeps the source's resource (a std::pmr container's would take the default).
  const std::size_t before = solver_memory.allocations;
  const version_ranges copy = three;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(copy.resource() == &solver_memory);
  CHECK(solver_memory.allocations == before + 1);
  CHECK(copy == three);

  // Results: the left operand's resource, or the right one's when the left has the default.
  const version_ranges any_default;  // empty, the default resource
  CHECK(any_default.resource() == pyresolve::support::default_resource());
  CHECK(any_default.resource() == std::pmr::new_delete_resource());  // no program here changed it
  const version_ranges united = any_default.unite(three);
  CHECK(united.resource() == &solver_memory);
  CHECK(united == three);
  CHECK(three.complement().resource() == &solver_memory);
  CHECK(three.complement().intervals().size() == 4);
  CHECK(version_ranges::full().intersect(three).resource() == &solver_memory);

  // An explicit copy elsewhere.
  tally_resource other;
  const version_ranges moved_over(three, &other);
  CHECK(moved_over.resource() == &other);
  CHECK(other.allocations == 1);
  CHECK(moved_over == three);
}

namespace {
/// Installs `memory` as the process's default resource for one scope.
class default_resource_scope {
 public:
  explicit default_resource_scope(std::pmr::memory_resource* memory)
      : m_previous(std::pmr::set_default_resource(memory)) {}
  ~default_resource_scope() { std::pmr::set_default_resource(m_previous); }
  default_resource_scope(const default_resource_scope&) = delete;
  default_resource_scope& operator=(const default_resource_scope&) = delete;

 private:
  std::pmr::memory_resource* m_previous;
};
}  // namespace

TEST_CASE("the default resource is std::pmr's: a program that installs one gets versions and sets in it") {
  using pyresolve::packaging::version_ranges;
  tally_resource installed;
  tally_resource solver_memory;
  const version_ranges three = version_ranges::between(v("1"), v("2"), &solver_memory)
                                   .unite(version_ranges::between(v("3"), v("4"), &solver_memory))
                                   .unite(version_ranges::between(v("5"), v("6"), &solver_memory));
  const version_ranges before;  // built before the change: keeps the heap
  {
    const default_resource_scope scope(&installed);
    CHECK(pyresolve::support::default_resource() == &installed);
    // A version too long for the packed form lives in a block of the default resource.
    const auto long_version = pyresolve::packaging::version::parse("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16");
    REQUIRE(long_version);
    CHECK_FALSE(long_version->is_packed());
    CHECK(installed.allocations >= 1);
    // A set built without a resource is in the installed one, and an operation with the
    // solver's set still lands in the solver's resource.
    const version_ranges any_default;
    CHECK(any_default.resource() == &installed);
    const version_ranges united = any_default.unite(three);
    CHECK(united.resource() == &solver_memory);
    CHECK(united == three);
    CHECK(version_ranges::full().intersect(three).resource() == &solver_memory);
    // A set made before keeps its resource, and a result of it stays valid there.
    CHECK(before.resource() == std::pmr::new_delete_resource());
    const version_ranges old_united = before.unite(three);
    CHECK(old_united == three);
    CHECK((old_united.resource() == std::pmr::new_delete_resource() ||
           old_united.resource() == &solver_memory));
  }
  CHECK(pyresolve::support::default_resource() == std::pmr::new_delete_resource());
  const std::size_t after = installed.allocations;
  CHECK(pyresolve::packaging::version::parse("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16"));
  CHECK(installed.allocations == after);
}
