// The marker algebra: canonical forms, disjointness and implication, and written markers that
// mean what the diagram means, checked differentially on random markers over a grid of
// environments (platforms x Python versions x implementations x extras).
#include "pyresolve/packaging/marker_algebra.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

namespace pp = pyresolve::packaging;

namespace {

pp::marker_id parse(pp::marker_algebra& a, const std::string& text) {
  auto id = a.parse(text);
  REQUIRE_MESSAGE(id, text);
  return *id;
}

std::string written(pp::marker_algebra& a, pp::marker_id id) {
  auto text = a.to_string(id);
  REQUIRE(text);
  return *text;
}

struct platform {
  const char* sys_platform;
  const char* platform_system;
  const char* os_name;
  const char* platform_machine;
};

/// Every combination of platform, Python version, implementation and extra.
struct grid_env {
  pp::marker_environment env;
  std::string extra;
};

std::vector<grid_env> grid() {
  const platform platforms[] = {{"linux", "Linux", "posix", "x86_64"},
                                {"linux", "Linux", "posix", "aarch64"},
                                {"darwin", "Darwin", "posix", "arm64"},
                                {"win32", "Windows", "nt", "AMD64"},
                                {"cygwin", "CYGWIN_NT-10.0", "posix", "x86_64"}};
  const char* pythons[] = {"2.7.18", "3.6.15", "3.7.0",  "3.8.0",  "3.8.10", "3.9.1",
                           "3.10.0", "3.11.4", "3.12.0", "3.13.0", "3.13.1", "4.0.0"};
  const char* implementations[][2] = {{"cpython", "CPython"}, {"pypy", "PyPy"}};
  std::vector<grid_env> out;
  for (const auto& p : platforms) {
    for (const char* py : pythons) {
      for (const auto& impl : implementations) {
        for (const char* extra : {"", "dev"}) {
          grid_env g;
          g.env.set(pp::marker_var::sys_platform, p.sys_platform);
          g.env.set(pp::marker_var::platform_system, p.platform_system);
          g.env.set(pp::marker_var::os_name, p.os_name);
          g.env.set(pp::marker_var::platform_machine, p.platform_machine);
          g.env.set(pp::marker_var::python_full_version, py);
          const std::string full(py);
          g.env.set(pp::marker_var::python_version, full.substr(0, full.rfind('.')));
          g.env.set(pp::marker_var::implementation_name, impl[0]);
          g.env.set(pp::marker_var::platform_python_implementation, impl[1]);
          g.env.set(pp::marker_var::implementation_version, py);
          g.env.set(pp::marker_var::platform_release, "6.1.0");
          g.env.set(pp::marker_var::platform_version, "#1 SMP");
          g.extra = extra;
          out.push_back(std::move(g));
        }
      }
    }
  }
  return out;
}

/// Random markers over the atoms universal resolution meets; `full_versions` adds
/// `python_full_version` comparisons, whose negations PEP 440 cannot always write.
class marker_generator {
 public:
  explicit marker_generator(unsigned seed, bool full_versions) : m_rng(seed), m_full(full_versions) {}

  std::string next(int depth = 3) {
    if (depth == 0 || pick(3) == 0) return atom();
    std::string a = next(depth - 1);
    std::string b = next(depth - 1);
    return "(" + a + (pick(2) == 0 ? " and " : " or ") + b + ")";
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(m_rng); }
  template <typename T, std::size_t N>
  const T& one(const T (&items)[N]) {
    return items[pick(N)];
  }

  std::string atom() {
    static const char* ops[] = {"<", "<=", "==", "!=", ">=", ">"};
    static const char* minors[] = {"2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13"};
    static const char* fulls[] = {"3.8.0", "3.8.5", "3.9", "3.10.1", "3.12.0"};
    static const char* platforms[] = {"linux", "darwin", "win32", "cygwin"};
    static const char* machines[] = {"x86_64", "aarch64", "arm64", "AMD64"};
    switch (pick(m_full ? 9 : 8)) {
      case 0:
      case 1:
        return std::string("python_version ") + one(ops) + " \"" + one(minors) + "\"";
      case 2:
      case 3:
        return std::string("sys_platform ") + (pick(2) ? "==" : "!=") + " \"" + one(platforms) + "\"";
      case 4:
        return std::string("platform_machine ") + (pick(2) ? "==" : "!=") + " \"" + one(machines) + "\"";
      case 5:
        return std::string("implementation_name ") + (pick(2) ? "==" : "!=") +
               (pick(2) ? " \"cpython\"" : " \"pypy\"");
      case 6:
        return pick(2) ? "\"arm\" in platform_machine" : "\"64\" not in platform_machine";
      case 7:
        return std::string("extra ") + (pick(2) ? "==" : "!=") + " \"dev\"";
      default:
        return std::string("python_full_version ") + (pick(2) ? ">=" : "<") + " \"" + one(fulls) + "\"";
    }
  }

  std::mt19937 m_rng;
  bool m_full;
};

/// The marker a written text stands for (the empty text is the empty marker).
pyresolve::result<pp::marker> reparse(const std::string& text) {
  if (text.empty()) return pp::marker();
  return pp::marker::parse(text);
}

/// `id` evaluates as `m` in every environment of the grid.
void check_same_function(pp::marker_algebra& a, pp::marker_id id, const pp::marker& m,
                         const std::string& text) {
  for (const auto& g : grid()) {
    auto want = m.evaluate(g.env, g.extra);
    auto got = a.evaluate(id, g.env, g.extra);
    REQUIRE(want);
    REQUIRE(got);
    CHECK_MESSAGE(*got == *want, text << " in " << g.env.get(pp::marker_var::sys_platform) << " / "
                                      << g.env.get(pp::marker_var::python_full_version) << " / extra '"
                                      << g.extra << "'");
  }
}

}  // namespace

TEST_CASE("marker algebra: constants, and the empty marker is always true") {
  pp::marker_algebra a;
  CHECK(parse(a, "") == pp::marker_algebra::always());
  CHECK(a.negation(pp::marker_algebra::always()) == pp::marker_algebra::never());
  CHECK(written(a, pp::marker_algebra::always()).empty());
  CHECK(written(a, pp::marker_algebra::never()) == "python_version < \"0\"");
  const auto never_again = parse(a, "python_version < \"0\"");
  CHECK(never_again == pp::marker_algebra::never());
}

TEST_CASE("marker algebra: disjointness and implication") {
  pp::marker_algebra a;
  const auto linux = parse(a, "sys_platform == 'linux'");
  const auto darwin = parse(a, "sys_platform == 'darwin'");
  const auto not_linux = parse(a, "sys_platform != 'linux'");
  CHECK(a.is_disjoint(linux, darwin));
  CHECK(a.implies(darwin, not_linux));
  CHECK(a.negation(linux) == not_linux);
  CHECK(a.conjunction(linux, not_linux) == pp::marker_algebra::never());
  CHECK(a.disjunction(linux, not_linux) == pp::marker_algebra::always());

  const auto py38 = parse(a, "python_version >= '3.8'");
  const auto py37 = parse(a, "python_version > '3.6'");
  CHECK(a.implies(py38, py37));
  CHECK_FALSE(a.implies(py37, py38));
  CHECK(a.is_disjoint(parse(a, "python_version < '3.8'"), py38));
  // python_version folds into python_full_version: 3.8.5 is in series 3.8.
  CHECK(a.implies(parse(a, "python_full_version == '3.8.5'"), parse(a, "python_version == '3.8'")));
  CHECK(a.is_disjoint(parse(a, "python_full_version >= '3.9'"), parse(a, "python_version <= '3.8'")));
}

TEST_CASE("marker algebra: equivalent markers are one node, and write as one text") {
  pp::marker_algebra a;
  const auto range = parse(a, "python_version >= '3.8' and python_version < '3.10'");
  CHECK(range == parse(a, "python_version == '3.8' or python_version == '3.9'"));
  CHECK(range == parse(a, "python_version < '3.10' and python_version > '3.7'"));
  CHECK(written(a, range) == "python_version >= \"3.8\" and python_version < \"3.10\"");

  // Inherited clauses that add nothing are dropped.
  const auto darwin = parse(a,
                            "(sys_platform == 'darwin' and python_version >= '3.8') or "
                            "(sys_platform == 'darwin' and python_version < '3.8')");
  CHECK(darwin == parse(a, "sys_platform == 'darwin'"));
  CHECK(written(a, darwin) == "sys_platform == \"darwin\"");

  const auto either = parse(a, "sys_platform == 'win32' or sys_platform == 'darwin'");
  CHECK(written(a, either) == "sys_platform == \"darwin\" or sys_platform == \"win32\"");
  CHECK(written(a, a.negation(either)) == "sys_platform != \"darwin\" and sys_platform != \"win32\"");
  CHECK(written(a, parse(a, "python_version != '3.9'")) == "python_version != \"3.9\"");
  CHECK(written(a, parse(a, "extra == 'Dev_Tools'")) == "extra == \"dev-tools\"");
  CHECK(written(a, parse(a, "'arm' in platform_machine and os_name == 'nt'")) ==
        "os_name == \"nt\" and \"arm\" in platform_machine");
  CHECK(written(a, a.negation(parse(a, "'arm' in platform_machine"))) == "\"arm\" not in platform_machine");
}

/// 300 random markers of `gen`: each evaluates as parsed on the grid, writes, and its text
/// parses back to the same node and evaluates the same.
void check_random_markers(marker_generator gen, pp::python_spelling spelling = pp::python_spelling::series) {
  pp::marker_algebra a;
  for (int i = 0; i < 300; ++i) {
    const std::string text = gen.next();
    auto m = pp::marker::parse(text);
    REQUIRE_MESSAGE(m, text);
    const auto id = a.from(*m);
    check_same_function(a, id, *m, text);
    auto out = a.to_string(id, spelling);
    REQUIRE_MESSAGE(out, text << ": " << (out ? "" : out.error().to_string()));
    if (spelling == pp::python_spelling::full_version)
      CHECK_MESSAGE(out->find("python_version") == std::string::npos, *out);
    auto back = reparse(*out);
    REQUIRE_MESSAGE(back, *out);
    CHECK_MESSAGE(a.from(*back) == id, text << " -> " << *out);
    check_same_function(a, id, *back, *out);
  }
}

TEST_CASE("marker algebra: random markers evaluate as parsed, and their text parses back to the same node") {
  check_random_markers(marker_generator(20261207, false));
}

TEST_CASE("marker algebra: with python_full_version too, every function writes and parses back") {
  check_random_markers(marker_generator(7, true));
}

TEST_CASE("marker algebra: uv's spelling writes every Python bound on python_full_version") {
  check_random_markers(marker_generator(11, true), pp::python_spelling::full_version);
  pp::marker_algebra a;
  const auto full = pp::python_spelling::full_version;
  CHECK(*a.to_string(parse(a, "python_version >= '3.10'"), full) == "python_full_version >= \"3.10\"");
  CHECK(*a.to_string(parse(a, "python_version < '3.10'"), full) == "python_full_version < \"3.10\"");
  CHECK(*a.to_string(parse(a, "python_version == '3.10'"), full) == "python_full_version == \"3.10.*\"");
  CHECK(*a.to_string(parse(a, "python_version <= '3.9'"), full) == "python_full_version < \"3.10\"");
}

TEST_CASE("marker algebra: an extra decided, Python assumed from a lower bound, the lowest Python") {
  pp::marker_algebra a;
  const auto m =
      parse(a, "(extra == 'dev' and sys_platform == 'linux') or (extra != 'dev' and os_name == 'nt')");
  CHECK(written(a, a.with_extra(m, "dev")) == "sys_platform == \"linux\"");
  CHECK(written(a, a.with_extra(m, "Dev")) == "sys_platform == \"linux\"");
  CHECK(written(a, a.with_extra(m, "")) == "os_name == \"nt\"");
  CHECK(written(a, a.with_extra(m, "other")) == "os_name == \"nt\"");
  const auto v39 = pp::version::from_release({3, 9});
  const auto linux_from_39 = parse(a, "python_full_version >= '3.9' and sys_platform == 'linux'");
  CHECK(written(a, a.assuming_python_from(linux_from_39, v39)) == "sys_platform == \"linux\"");
  const auto old_or_win = parse(a, "python_version < '3.8' or sys_platform == 'win32'");
  CHECK(written(a, a.assuming_python_from(old_or_win, v39)) == "sys_platform == \"win32\"");
  const auto split = parse(a, "python_version >= '3.10' and sys_platform == 'linux'");
  CHECK(a.assuming_python_from(split, v39) == split);
  CHECK(*a.lowest_python(linux_from_39) == v39);
  CHECK(*a.lowest_python(parse(a, "sys_platform == 'linux'")) == pp::version::from_release({0}));
  CHECK(*a.lowest_python(parse(a, "python_version < '3.8' or python_version >= '3.11'")) ==
        pp::version::from_release({0}));
  CHECK(*a.lowest_python(parse(a, "python_version == '3.11' or python_version >= '3.13'")) ==
        pp::version::from_release({3, 11}));
  CHECK_FALSE(a.lowest_python(pp::marker_algebra::never()));
}

TEST_CASE("marker algebra: hostile markers hit a bound, never the stack or the memory") {
  // 600 opaque atoms: more variables than the bound.
  std::string wide;
  for (int i = 0; i < 600; ++i)
    wide += (i ? " or " : "") + std::string("'v") + std::to_string(i) + "' in platform_version";
  pp::marker_algebra a;
  auto m = pp::marker::parse(wide);
  REQUIRE(m);
  static_cast<void>(a.from(*m));
  CHECK(a.exhausted());
  CHECK_FALSE(a.to_string(pp::marker_algebra::always()));
  // (x1 and y1) or (x2 and y2) or ... with every x ordered before every y: exponential in
  // nodes and paths; the bound stops it.
  pp::marker_algebra b;
  std::string pairs;
  for (int i = 0; i < 40; ++i)
    pairs += (i ? " or " : "") + std::string("('a") + std::to_string(100 + i) +
             "' in platform_version and 'b" + std::to_string(100 + i) + "' in platform_version)";
  auto p = pp::marker::parse(pairs);
  REQUIRE(p);
  const auto id = b.from(*p);
  CHECK((b.exhausted() || !b.to_string(id)));
  CHECK(b.size() <= pp::marker_algebra::max_nodes);
}

TEST_CASE("marker algebra: Python versions compare by release, as uv compares them") {
  pp::marker_algebra a;
  const auto at_least = parse(a, "python_full_version >= '3.8.1'");
  CHECK(written(a, a.negation(at_least)) == "python_full_version < \"3.8.1\"");
  CHECK(written(a, parse(a, "python_full_version >= '3.8.0'")) == "python_version >= \"3.8\"");
  CHECK(written(a, parse(a, "python_full_version > '3.8'")) == "python_full_version > \"3.8\"");
  CHECK(written(a, parse(a, "python_full_version == '3.8.1'")) == "python_full_version == \"3.8.1\"");
  CHECK(written(a, parse(a, "python_full_version != '3.8.1'")) == "python_full_version != \"3.8.1\"");
  CHECK(written(a, parse(a, "python_version <= '3.9'")) == "python_version < \"3.10\"");
  // A 3.13.0rc1 interpreter counts as 3.13.0 (packaging would say 3.13.0rc1 < 3.13).
  pp::marker_environment rc;
  rc.set(pp::marker_var::python_full_version, "3.13.0rc1");
  rc.set(pp::marker_var::python_version, "3.13");
  auto value = a.evaluate(parse(a, "python_full_version >= '3.13'"), rc);
  REQUIRE(value);
  CHECK(*value);
}

TEST_CASE("marker algebra: the operations agree with the parsed connectives (canonical forms)") {
  pp::marker_algebra a;
  marker_generator gen(42, true);
  for (int i = 0; i < 200; ++i) {
    const std::string x = gen.next(2);
    const std::string y = gen.next(2);
    const auto ix = parse(a, x);
    const auto iy = parse(a, y);
    CHECK(parse(a, "(" + x + ") and (" + y + ")") == a.conjunction(ix, iy));
    CHECK(parse(a, "(" + y + ") and (" + x + ")") == a.conjunction(ix, iy));
    CHECK(parse(a, "(" + x + ") or (" + y + ")") == a.disjunction(iy, ix));
    CHECK(a.negation(a.disjunction(ix, iy)) == a.conjunction(a.negation(ix), a.negation(iy)));
    CHECK(a.negation(a.negation(ix)) == ix);
    CHECK(a.implies(a.conjunction(ix, iy), ix));
    CHECK(a.is_disjoint(ix, a.negation(ix)));
  }
}
