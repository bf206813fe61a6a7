#include <doctest/doctest.h>

#include <map>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/packaging/marker.hpp"
#include "vector_file.hpp"

using namespace pyresolve::packaging;
using pyresolve::errc;
using pyresolve::test::read_vectors;

namespace {

marker_var var_named(const std::string& name) {
  for (std::size_t i = 0; i < marker_var_count; ++i) {
    if (name == to_string(static_cast<marker_var>(i))) return static_cast<marker_var>(i);
  }
  FAIL("unknown marker variable " << name);
  return marker_var::extra;
}

std::map<std::string, marker_environment> environments(
    const std::vector<pyresolve::test::vector_line>& lines) {
  std::map<std::string, marker_environment> envs;
  for (const auto& line : lines) {
    if (line.fields[0] != "env") continue;
    marker_environment env;
    for (std::size_t i = 2; i < line.fields.size(); ++i) {
      const auto& field = line.fields[i];
      const std::size_t eq = field.find('=');
      env.set(var_named(field.substr(0, eq)), field.substr(eq + 1));
    }
    envs[line.fields[1]] = env;
  }
  return envs;
}

}  // namespace

TEST_CASE("marker vectors: str(Marker) and syntax errors match packaging 23.0") {
  const auto lines = read_vectors("markers.txt");
  REQUIRE(lines.size() > 100);
  int checked = 0;
  for (const auto& line : lines) {
    const auto& kind = line.fields[0];
    if (kind != "parse" && kind != "error") continue;
    CAPTURE(line.number);
    CAPTURE(line.fields[1]);
    auto parsed = marker::parse(line.fields[1]);
    ++checked;
    if (kind == "parse") {
      REQUIRE(line.fields.size() == 3);
      if (!parsed)
        FAIL_CHECK(parsed.error().message);
      else
        CHECK(parsed->to_string() == line.fields[2]);
      continue;
    }
    REQUIRE(line.fields.size() == 4);
    if (parsed) {
      FAIL_CHECK("parsed as " << parsed->to_string());
      continue;
    }
    CHECK(parsed.error().code == errc::invalid_marker);
    if (line.fields[2] != "-") CHECK(parsed.error().column == std::stoul(line.fields[2]));
    if (line.fields[3] != "-") CHECK(parsed.error().message == line.fields[3]);
  }
  CHECK(checked > 100);
}

TEST_CASE("marker vectors: evaluation matches packaging 23.0") {
  const auto lines = read_vectors("markers.txt");
  const auto envs = environments(lines);
  REQUIRE(envs.size() >= 4);
  int checked = 0;
  for (const auto& line : lines) {
    if (line.fields[0] != "eval") continue;
    REQUIRE(line.fields.size() == 5);
    CAPTURE(line.number);
    CAPTURE(line.fields[3]);
    CAPTURE(line.fields[2]);
    auto parsed = marker::parse(line.fields[3]);
    REQUIRE(parsed);
    const auto value = parsed->evaluate(envs.at(line.fields[1]), line.fields[2]);
    ++checked;
    if (line.fields[4] == "error") {
      if (value)
        FAIL_CHECK("evaluated to " << *value);
      else
        CHECK(value.error().code == errc::invalid_marker);
    } else {
      if (!value)
        FAIL_CHECK(value.error().message);
      else
        CHECK(*value == (line.fields[4] == "true"));
    }
  }
  CHECK(checked > 300);
}

TEST_CASE("marker_memo hands out what marker::parse gives, from the second call on too") {
  const auto lines = read_vectors("markers.txt");
  const auto envs = environments(lines);
  marker_memo memo;
  int checked = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& line : lines) {
      if (line.fields[0] == "error") {
        CHECK_FALSE(memo.parse(line.fields[1]));  // errors are not remembered as markers
        continue;
      }
      if (line.fields[0] != "eval") continue;
      CAPTURE(line.number);
      auto direct = marker::parse(line.fields[3]);
      auto memoized = memo.parse(line.fields[3]);
      REQUIRE(direct);
      REQUIRE(memoized);
      CHECK(memoized->to_string() == direct->to_string());
      const auto& env = envs.at(line.fields[1]);
      const auto a = direct->evaluate(env, line.fields[2]);
      const auto b = memoized->evaluate(env, line.fields[2]);
      REQUIRE(bool(a) == bool(b));
      if (a) CHECK(*a == *b);
      ++checked;
    }
  }
  CHECK(checked > 600);
}

TEST_CASE("legacy variable spellings parse to the PEP 508 names") {
  auto m = marker::parse("os.name == 'nt' and python_implementation == 'PyPy' or platform.machine == 'x'");
  REQUIRE(m);
  CHECK(m->to_string() ==
        R"(os_name == "nt" and platform_python_implementation == "PyPy" or platform_machine == "x")");
}

TEST_CASE("syntax errors name the text and point at the column") {
  auto m = marker::parse(R"(python_version >= "3" and)");
  REQUIRE_FALSE(m);
  CHECK(m.error().column == 26);
  CHECK(m.error().message ==
        "Expected a marker variable or quoted string\n    python_version >= \"3\" and\n    " +
            std::string(25, ' ') + "^");
  auto unclosed = marker::parse(R"(os_name == "a" or (os_name == "b")");
  REQUIRE_FALSE(unclosed);
  CHECK(unclosed.error().message.starts_with("Expected closing RIGHT_PARENTHESIS"));
}

TEST_CASE("references_extra and extras") {
  auto none = marker::parse(R"(os_name == "nt")");
  REQUIRE(none);
  CHECK_FALSE(none->references_extra());
  CHECK(none->extras().empty());

  auto one = marker::parse(R"(python_version >= "3" and extra == "Socks_Proxy")");
  REQUIRE(one);
  CHECK(one->references_extra());
  CHECK(one->extras() == std::vector<std::string>{"socks-proxy"});

  auto two = marker::parse(R"(extra == "b" or "A" == extra or os_name == "nt")");
  REQUIRE(two);
  CHECK(two->extras() == std::vector<std::string>{"a", "b"});

  auto contradiction = marker::parse(R"(extra == "a" and extra == "b")");
  REQUIRE(contradiction);
  CHECK(contradiction->references_extra());
  CHECK(contradiction->extras().empty());

  auto grouped = marker::parse(R"((extra == "a" or extra == "c") and extra != "c")");
  REQUIRE(grouped);
  CHECK(grouped->extras() == std::vector<std::string>{"a"});
}

TEST_CASE("false_without_extra: false for an empty extra in every environment, and only then") {
  auto is = [](const char* text) {
    auto m = marker::parse(text);
    REQUIRE(m);
    return m->false_without_extra();
  };
  CHECK(is(R"(extra == "test")"));
  CHECK(is(R"(python_version >= "3.8" and extra == "test")"));
  CHECK(is(R"((os_name == "nt" or os_name == "posix") and "docs" == extra)"));
  CHECK(is(R"(extra == "a" or extra == "b")"));
  CHECK(is(R"(extra == "a" and extra == "b")"));
  CHECK_FALSE(marker{}.false_without_extra());
  CHECK_FALSE(is(R"(os_name == "nt")"));
  CHECK_FALSE(is(R"(extra == "test" or python_version < "3.8")"));  // true for 3.7, no extra
  CHECK_FALSE(is(R"(extra != "test")"));                            // true with no extra
  CHECK_FALSE(is(R"(extra == "")"));
  // What it promises, checked against evaluate() in a few environments.
  for (const char* text :
       {R"(python_version >= "3.8" and extra == "test")", R"(extra == "a" or extra == "b")"}) {
    auto m = marker::parse(text);
    REQUIRE(m);
    for (const char* version : {"2.7", "3.7", "3.12"}) {
      marker_environment env;
      env.set(pyresolve::packaging::marker_var::python_version, version);
      auto value = m->evaluate(env, "");
      REQUIRE(value);
      CHECK_FALSE(*value);
    }
  }
}

TEST_CASE("an empty marker is always true") {
  const marker empty;
  CHECK(empty.to_string().empty());
  auto value = empty.evaluate(marker_environment{}, "x");
  REQUIRE(value);
  CHECK(*value);
}

TEST_CASE("a marker's expression tree lives in the memory resource it was parsed into") {
  pyresolve::allocator::counting_resource counted(std::pmr::new_delete_resource());
  {
    auto m = marker::parse(
        R"(python_version < "3.11" and (os_name == "nt" or extra == "test") or sys_platform == "linux")",
        &counted);
    REQUIRE(m);
    const auto after_parse = counted.stats().allocations;
    // The root block and the lists of both levels (nested parentheses included).
    CHECK(after_parse >= 3);
    const marker copy = *m;  // NOLINT(performance-unnecessary-copy-initialization): copies share the tree
    CHECK(counted.stats().allocations == after_parse);
    CHECK(copy.to_string() == m->to_string());
    marker_environment env;
    env.set(marker_var::python_version, "3.10");
    env.set(marker_var::os_name, "posix");
    env.set(marker_var::sys_platform, "darwin");
    CHECK(*copy.evaluate(env, "test"));
    CHECK_FALSE(*copy.evaluate(env, "docs"));
  }
  CHECK(counted.stats().live_bytes == 0);
  CHECK(counted.stats().frees == counted.stats().allocations);
}

TEST_CASE("markers nest at most 64 parentheses deep; deeper is a syntax error, not a stack overflow") {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '(') + "os_name == 'posix'" + std::string(depth, ')');
  };
  auto deepest = marker::parse(nested(64));
  REQUIRE(deepest);
  CHECK(deepest->to_string() == "os_name == \"posix\"");

  for (const std::size_t depth : {65, 10000, 200000}) {
    auto r = marker::parse(nested(depth));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == errc::invalid_marker);
    CHECK(r.error().message.find("Marker nested deeper than 64 parentheses") == 0);
    CHECK(r.error().column == 65);
    // The source is quoted as a window, the pointer line as long as that window.
    CHECK(r.error().message.size() < 1000);
  }

  // Siblings do not add up: only nesting counts.
  std::string wide = nested(60);
  for (int i = 0; i < 100; ++i) wide += " and " + nested(60);
  CHECK(marker::parse(wide));
}

TEST_CASE("a long marker is quoted in part around the error") {
  const std::string text = "os_name == 'a' and " + std::string(5000, ' ') + "os_name ==";
  auto r = marker::parse(text);
  REQUIRE_FALSE(r);
  const std::string& message = r.error().message;
  CHECK(message.size() < 700);
  const auto first = message.find('\n');
  const auto second = message.find('\n', first + 1);
  REQUIRE(second != std::string::npos);
  const std::string shown = message.substr(first + 1, second - first - 1);
  const std::string pointer = message.substr(second + 1);
  CHECK(shown.substr(0, 7) == "    ...");
  // The caret still points at the end of the input within the window.
  CHECK(pointer.size() == shown.size() + 1);
}
