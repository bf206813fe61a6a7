// `resolve batch`'s line reader: the strict JSON reader, a job line as resolve arguments, and
// the shard a job belongs to. The runs themselves are in batch_e2e.py.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "pyresolve/cli/batch_job.hpp"
#include "pyresolve/cli/json_value.hpp"

namespace {

using namespace pyresolve;
using namespace pyresolve::cli;

TEST_CASE("json_value: RFC 8259 values, members in order, escapes decoded") {
  auto v = parse_json(R"( {"b": [1, -2.5e3, true, false, null], "a": "x\"\\\/\n\u00e9\ud83d\ude00"} )");
  REQUIRE(v);
  REQUIRE(v->type == json_value::kind::object);
  REQUIRE(v->members.size() == 2);
  CHECK(v->members[0].key == "b");
  const auto& items = v->members[0].value.items;
  REQUIRE(items.size() == 5);
  CHECK(items[0].text == "1");
  CHECK(items[1].text == "-2.5e3");
  CHECK(items[2].boolean);
  CHECK(items[3].type == json_value::kind::boolean);
  CHECK(!items[3].boolean);
  CHECK(items[4].type == json_value::kind::null);
  CHECK(v->members[1].value.text == "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
}

TEST_CASE("json_value: malformed documents fail with the byte offset") {
  for (const char* bad : {"",
                          "{",
                          "{\"a\"}",
                          "{\"a\":}",
                          "{\"a\":1,}",
                          "[1,]",
                          "[01]",
                          "[1.]",
                          "[.5]",
                          "[1e]",
                          "[-]",
                          "tru",
                          "nul",
                          "\"\\x\"",
                          "\"\\u12\"",
                          "\"\\ud800\"",
                          "\"\\udc00\"",
                          "\"a\tb\"",
                          "\"\xff\"",
                          "\"\xc0\xaf\"",
                          "\"\xed\xa0\x80\"",
                          "{} {}",
                          "[1] x",
                          "{'a': 1}",
                          "[NaN]",
                          "[Infinity]",
                          "\"unterminated"}) {
    CAPTURE(bad);
    auto v = parse_json(bad);
    REQUIRE(!v);
    CHECK(v.error().message.find("invalid JSON at byte ") == 0);
  }
}

TEST_CASE("json_value: nesting is bounded") {
  const std::string deep = std::string(17, '[') + std::string(17, ']');
  CHECK(!parse_json(deep));
  CHECK(parse_json(std::string(16, '[') + std::string(16, ']')));
  const std::string very_deep = std::string(100000, '[');  // no recursion that deep
  auto v = parse_json(very_deep);
  REQUIRE(!v);
  CHECK(v.error().message.find("nesting") != std::string::npos);
}

TEST_CASE("batch job: members become resolve arguments in the order written") {
  auto job = read_batch_job(
      R"({"id": "a", "python_version": "3.12", "universal": true, "no-deps": false, "constraint": ["c1.txt", "c2.txt"],)"
      R"( "requirements": ["requests>=2", "click ; python_version < '4'"], "file": "base.in", "exclude_newer": null,)"
      R"( "http_timeout": 30})");
  REQUIRE(job);
  CHECK(job->id == "\"a\"");
  CHECK(job->sources == std::vector<std::string>{"base.in", "-"});
  CHECK(job->requirements == "requests>=2\nclick ; python_version < '4'\n");
  CHECK(job->flags == std::vector<std::string>{"--python-version=3.12", "--universal", "--constraint=c1.txt",
                                               "--constraint=c2.txt", "--http-timeout=30"});
}

TEST_CASE("batch job: ids, files and what a job may not give") {
  auto numbered = read_batch_job(R"({"id": 12, "file": ["-x.in", "y.in"]})");
  REQUIRE(numbered);
  CHECK(numbered->id == "12");
  CHECK(numbered->sources == std::vector<std::string>{"./-x.in", "y.in"});
  auto unnamed = read_batch_job(R"({"requirements": ["a"]})");
  REQUIRE(unnamed);
  CHECK(unnamed->id.empty());
  const std::map<std::string, std::string> refused{
      {R"([1])", "a job is a JSON object"},
      {R"({})", "needs \"requirements\" or \"file\""},
      {R"({"id": 1.5, "file": "a"})", "\"id\" must be a string or an integer"},
      {R"({"id": ["a"], "file": "a"})", "\"id\" must be"},
      {R"({"file": "a", "file": "b"})", "given twice"},
      {R"({"file": "a", "python_version": "3.11", "python-version": "3.12"})", "given twice"},
      {R"({"file": "-"})", "\"file\" names a file"},
      {R"({"file": 3})", "must be a string or an array of strings"},
      {R"({"requirements": "a"})", "must be an array of strings"},
      {R"({"requirements": ["a\n-r /etc/passwd"]})", "line break"},
      {R"({"requirements": [1]})", "strings only"},
      {R"({"file": "a", "output_file": "x"})", "the whole batch's"},
      {R"({"file": "a", "threads": 4})", "the whole batch's"},
      {R"({"file": "a", "cache-dir": "/tmp"})", "the whole batch's"},
      {R"({"file": "a", "Index_URL": "x"})", "not an option name"},
      {R"({"file": "a", "--index-url": "x"})", "not an option name"},
      {R"({"file": "a", "constraint": {"a": 1}})", "must be true, false"},
      {R"({"file": "a", "constraint": [["x"]]})", "strings or numbers"},
  };
  for (const auto& [line, why] : refused) {
    CAPTURE(line);
    auto job = read_batch_job(line);
    REQUIRE(!job);
    CHECK(job.error().message.find(why) != std::string::npos);
  }
  CHECK(!read_batch_job(std::string(max_job_line + 1, ' ')));
}

std::map<std::string, std::string> fake_environment;
std::optional<std::string> fake_getenv(const char* name) {
  const auto it = fake_environment.find(name);
  return it == fake_environment.end() ? std::nullopt : std::optional<std::string>(it->second);
}

TEST_CASE("shard: I/N, the scheduler's environment, and bad values") {
  fake_environment.clear();
  auto explicit_shard = parse_shard("2/5", &fake_getenv);
  REQUIRE(explicit_shard);
  CHECK(explicit_shard->index == 2);
  CHECK(explicit_shard->count == 5);
  for (const char* bad : {"5/5", "1", "a/2", "1/0", "-1/3", "1/3x", "auto", "auto/3"}) {
    CAPTURE(bad);
    CHECK(!parse_shard(bad, &fake_getenv));
  }
  fake_environment = {{"JOB_COMPLETION_INDEX", "3"}};
  auto k8s = parse_shard("auto/4", &fake_getenv);
  REQUIRE(k8s);
  CHECK(k8s->index == 3);
  CHECK(k8s->count == 4);
  CHECK(!parse_shard("auto/3", &fake_getenv));  // index 3 of 3
  CHECK(!parse_shard("auto", &fake_getenv));    // Kubernetes gives no count
  fake_environment = {
      {"SLURM_ARRAY_TASK_ID", "11"}, {"SLURM_ARRAY_TASK_MIN", "10"}, {"SLURM_ARRAY_TASK_COUNT", "4"}};
  auto slurm = parse_shard("auto", &fake_getenv);
  REQUIRE(slurm);
  CHECK(slurm->index == 1);
  CHECK(slurm->count == 4);
  fake_environment["SLURM_ARRAY_TASK_ID"] = "9";
  CHECK(!parse_shard("auto", &fake_getenv));
  fake_environment.clear();
}

TEST_CASE("shard: every key in exactly one shard, spread evenly, the same every time") {
  constexpr std::uint64_t n = 4;
  std::map<std::uint64_t, int> sizes;
  for (int i = 0; i < 4000; ++i) {
    const std::string key = "\"project-" + std::to_string(i) + "\"";
    int owners = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
      if (shard{k, n}.takes(key)) {
        ++owners;
        ++sizes[k];
      }
    }
    CHECK(owners == 1);
  }
  for (const auto& [k, size] : sizes) CHECK((size > 850 && size < 1150));
  // A fixed hash (not std::hash): the split of a jobs file is the same on every machine.
  CHECK(shard{0, 1}.takes("anything"));
  std::set<std::uint64_t> owner_of_a;
  for (std::uint64_t k = 0; k < 7; ++k)
    if (shard{k, 7}.takes("\"a\"")) owner_of_a.insert(k);
  CHECK(owner_of_a.size() == 1);
}

}  // namespace
