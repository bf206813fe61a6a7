#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "pyresolve/packaging/environment.hpp"

using namespace pyresolve::packaging;

namespace {

struct tag_vector {
  std::string python;
  std::string platform;
  std::vector<std::string> tags;
};

// Reads a file written by tests/packaging/data/gen_tags.py.
tag_vector read_vector(const std::string& name) {
  std::ifstream in(std::string(PYRESOLVE_TEST_DATA_DIR) + "/packaging/data/" + name);
  REQUIRE(in.good());
  tag_vector out;
  std::string line;
  std::getline(in, line);
  REQUIRE(line.rfind("# ", 0) == 0);
  const auto space = line.find(' ', 2);
  out.python = line.substr(2, space - 2);
  out.platform = line.substr(space + 1);
  while (std::getline(in, line)) {
    if (!line.empty()) out.tags.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("tags match packaging.sys_tags() for every generated platform") {
  for (const char* file :
       {"tags_cp311_linux.txt", "tags_cp311_x86_64_manylinux_2_28.txt",
        "tags_cp311_aarch64_manylinux_2_17.txt", "tags_cp311_x86_64_musl.txt", "tags_cp311_macos_arm64.txt",
        "tags_cp311_macos_x86_64.txt", "tags_cp311_windows.txt", "tags_cp312_linux_aarch64_gnu.txt",
        "tags_cp37_linux.txt"}) {
    CAPTURE(file);
    const tag_vector expected = read_vector(file);
    auto env = target_environment::create(expected.python, expected.platform);
    REQUIRE(env);
    std::vector<std::string> actual;
    for (const auto& tag : env->tags()) actual.push_back(tag.to_string());
    REQUIRE(actual.size() == expected.tags.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      CAPTURE(i);
      CHECK(actual[i] == expected.tags[i]);
    }
    // Ranks are positions in that list.
    for (std::size_t i = 0; i < env->tags().size(); ++i) {
      const auto rank = env->rank(env->tags()[i]);
      REQUIRE(rank);
      CHECK(*rank == i);
    }
  }
}

TEST_CASE("the head of the Linux tag list is the exact CPython ABI on the newest manylinux") {
  auto env = target_environment::create("3.12", "x86_64-manylinux_2_28");
  REQUIRE(env);
  const auto& tags = env->tags();
  REQUIRE(tags.size() > 4);
  CHECK(tags[0].to_string() == "cp312-cp312-manylinux_2_28_x86_64");
  CHECK(tags[1].to_string() == "cp312-cp312-manylinux_2_27_x86_64");
  CHECK(tags.back().to_string() == "py30-none-any");
  CHECK(*env->rank("cp312", "cp312", "manylinux2014_x86_64") <
        *env->rank("cp312", "abi3", "manylinux_2_28_x86_64"));
  CHECK_FALSE(env->rank("cp312", "cp312", "manylinux_2_29_x86_64"));
  CHECK_FALSE(env->rank("cp313", "cp313", "manylinux_2_17_x86_64"));
  CHECK_FALSE(env->rank("cp312", "cp312", "musllinux_1_2_x86_64"));
  CHECK_FALSE(env->rank("cp312", "cp312", "win_amd64"));
  CHECK(env->rank("cp311", "abi3", "manylinux_2_17_x86_64"));
  CHECK_FALSE(env->rank("cp311", "cp311", "manylinux_2_17_x86_64"));
  CHECK(env->rank("py3", "none", "any"));
  CHECK(env->rank("py2", "none", "any") == std::nullopt);
}

TEST_CASE("ranks by part numbers agree with ranks by text, and unknown numbers rank nothing") {
  auto env = target_environment::create("3.11", "x86_64-manylinux_2_17");
  REQUIRE(env);
  using part = target_environment::tag_part;
  const auto i = env->part_id(part::interpreter, "cp311"), a = env->part_id(part::abi, "abi3"),
             p = env->part_id(part::platform, "manylinux2014_x86_64");
  REQUIRE(i);
  REQUIRE(a);
  REQUIRE(p);
  CHECK(env->rank_of(*i, *a, *p) == env->rank("cp311", "abi3", "manylinux2014_x86_64"));
  CHECK(env->rank_of(*i, *a, *p).has_value());
  CHECK_FALSE(env->part_id(part::platform, "win_amd64"));
  // Numbers no part has (the table is dense, so these would index past it).
  CHECK_FALSE(env->rank_of(100000, *a, *p));
  CHECK_FALSE(env->rank_of(*i, 100000, *p));
  CHECK_FALSE(env->rank_of(*i, *a, 100000));
  // The strings, built on first use, list each ranked tag at its rank.
  const auto& tags = env->tags();
  REQUIRE(tags.size() > *env->rank_of(*i, *a, *p));
  CHECK(tags[*env->rank_of(*i, *a, *p)].to_string() == "cp311-abi3-manylinux2014_x86_64");
  CHECK(&env->tags() == &tags);
}

TEST_CASE("a compressed tag set ranks as its best tag") {
  auto env = target_environment::create("3.11", "linux");
  REQUIRE(env);
  auto set = compressed_tag_set::parse("py2.py3-none-any");
  REQUIRE(set);
  CHECK(env->rank(*set) == env->rank("py3", "none", "any"));
  auto fat = compressed_tag_set::parse("cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64");
  REQUIRE(fat);
  CHECK(env->rank(*fat) == env->rank("cp311", "cp311", "manylinux_2_17_x86_64"));
  auto none = compressed_tag_set::parse("cp311-cp311-macosx_11_0_arm64.win_amd64");
  REQUIRE(none);
  CHECK_FALSE(env->rank(*none));
}

TEST_CASE("marker values follow the platform") {
  auto linux = target_environment::create("3.12.1", "aarch64-unknown-linux-gnu");
  REQUIRE(linux);
  const auto& m = linux->markers();
  CHECK(m.get(marker_var::python_version) == "3.12");
  CHECK(m.get(marker_var::python_full_version) == "3.12.1");
  CHECK(m.get(marker_var::implementation_version) == "3.12.1");
  CHECK(m.get(marker_var::implementation_name) == "cpython");
  CHECK(m.get(marker_var::platform_python_implementation) == "CPython");
  CHECK(m.get(marker_var::sys_platform) == "linux");
  CHECK(m.get(marker_var::platform_system) == "Linux");
  CHECK(m.get(marker_var::platform_machine) == "aarch64");
  CHECK(m.get(marker_var::os_name) == "posix");
  CHECK(m.get(marker_var::platform_release).empty());

  auto mac = target_environment::create("3.12", "macos");
  REQUIRE(mac);
  CHECK(mac->markers().get(marker_var::python_full_version) == "3.12.0");
  CHECK(mac->markers().get(marker_var::sys_platform) == "darwin");
  CHECK(mac->markers().get(marker_var::platform_system) == "Darwin");
  CHECK(mac->markers().get(marker_var::platform_machine) == "arm64");
  CHECK(mac->tags().front().to_string() == "cp312-cp312-macosx_13_0_arm64");

  auto win = target_environment::create("3.10", "windows");
  REQUIRE(win);
  CHECK(win->markers().get(marker_var::sys_platform) == "win32");
  CHECK(win->markers().get(marker_var::platform_system) == "Windows");
  CHECK(win->markers().get(marker_var::platform_machine) == "AMD64");
  CHECK(win->markers().get(marker_var::os_name) == "nt");
  CHECK(win->tags().front().to_string() == "cp310-cp310-win_amd64");

  auto win32 = target_environment::create("3.10", "i686-pc-windows-msvc");
  REQUIRE(win32);
  CHECK(win32->tags().front().to_string() == "cp310-cp310-win32");
  CHECK(win32->markers().get(marker_var::platform_machine) == "x86");
}

TEST_CASE("platform names follow uv's --python-platform") {
  auto p = target_platform::parse("linux");
  REQUIRE(p);
  CHECK(*p == target_platform{target_os::manylinux, "x86_64", 2, 17});
  CHECK(*target_platform::parse("x86_64-unknown-linux-gnu") == *p);
  CHECK(*target_platform::parse("x86_64-manylinux2014") == *p);
  CHECK(*target_platform::parse("x86_64-manylinux_2_17") == *p);
  CHECK(*target_platform::parse("aarch64-manylinux_2_28") ==
        target_platform{target_os::manylinux, "aarch64", 2, 28});
  CHECK(*target_platform::parse("x86_64-unknown-linux-musl") ==
        target_platform{target_os::musllinux, "x86_64", 1, 2});
  CHECK(*target_platform::parse("x86_64-musllinux_1_1") ==
        target_platform{target_os::musllinux, "x86_64", 1, 1});
  CHECK(*target_platform::parse("macos") == target_platform{target_os::macos, "arm64", 13, 0});
  CHECK(*target_platform::parse("x86_64-apple-darwin") == target_platform{target_os::macos, "x86_64", 13, 0});
  CHECK(*target_platform::parse("windows") == *target_platform::parse("x86_64-pc-windows-msvc"));

  for (const char* bad : {"", "solaris", "x86_64-manylinux_2_x", "riscv-unknown-linux-gnu",
                          "aarch64-manylinux_2_12", "x86_64-manylinux_2_", "x86_64-unknown-linux-gnux"}) {
    CAPTURE(bad);
    auto r = target_platform::parse(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == pyresolve::errc::invalid_argument);
    CHECK(r.error().message.find(std::string("'") + bad + "'") != std::string::npos);
  }
}

TEST_CASE("python versions are X.Y or X.Y.Z") {
  auto v = python_version::parse("3.12");
  REQUIRE(v);
  CHECK(v->major == 3);
  CHECK(v->minor == 12);
  CHECK_FALSE(v->patch);
  CHECK(v->full_string() == "3.12.0");
  auto full = python_version::parse("3.9.18");
  REQUIRE(full);
  CHECK(full->patch == 18u);
  CHECK(full->short_string() == "3.9");
  for (const char* bad : {"", "3", "3.", ".12", "3.12.", "3.12.1.1", "3.x", "3.12rc1", " 3.12", "10.1",
                          "3.99999999999", "3.13.0x1", "3.13.0rc", "3.13.0c1", "3.13.0rc1 "}) {
    CAPTURE(bad);
    CHECK_FALSE(python_version::parse(bad));
  }
}

TEST_CASE("a pre-release Python: its markers say so, Requires-Python sees the release") {
  auto rc = python_version::parse("3.13.0rc1");
  REQUIRE(rc);
  CHECK(rc->pre_release == "rc1");
  CHECK(rc->full_string() == "3.13.0rc1");
  CHECK(rc->release_string() == "3.13.0");
  auto env = target_environment::create("3.13.0rc1", "linux");
  REQUIRE(env);
  CHECK(env->markers().get(marker_var::python_full_version) == "3.13.0rc1");
  CHECK(env->markers().get(marker_var::python_version) == "3.13");
  CHECK(python_version::parse("3.14.0a2"));
  CHECK(python_version::parse("3.14.0b3"));
}

TEST_CASE("custom macOS versions follow packaging's ladders") {
  auto env = target_environment::create(python_version{3, 11, std::nullopt},
                                        target_platform{target_os::macos, "x86_64", 10, 15});
  const auto& tags = env.tags();
  CHECK(tags[0].to_string() == "cp311-cp311-macosx_10_15_x86_64");
  CHECK(tags[1].to_string() == "cp311-cp311-macosx_10_15_intel");
  CHECK(env.rank("cp311", "cp311", "macosx_10_4_universal"));
  CHECK_FALSE(env.rank("cp311", "cp311", "macosx_10_3_x86_64"));
  CHECK_FALSE(env.rank("cp311", "cp311", "macosx_11_0_x86_64"));
}

TEST_CASE("copies of an environment share one state, and another target gets its own") {
  const auto linux_env = target_environment::create(python_version{3, 11, 7}, target_platform{});
  const target_environment copy = linux_env;  // NOLINT(performance-unnecessary-copy-initialization)
  CHECK(copy.tags().data() == linux_env.tags().data());
  // The default target is built once and shared; a different target does not leak into it.
  CHECK(target_environment::default_target().tags().data() ==
        target_environment::default_target().tags().data());
  const target_environment default_copy = target_environment::default_target();
  CHECK(default_copy.tags().data() == target_environment::default_target().tags().data());
  CHECK(default_copy.python().minor == 11);
  auto windows = target_platform::parse("windows");
  REQUIRE(windows);
  const auto win_env = target_environment::create(python_version{3, 11, 7}, *windows);
  CHECK(win_env.tags().data() != linux_env.tags().data());
  CHECK(win_env.markers().get(marker_var::sys_platform) == "win32");
  CHECK(linux_env.markers().get(marker_var::sys_platform) == "linux");
  const auto py312 = target_environment::create(python_version{3, 12, std::nullopt}, target_platform{});
  CHECK(py312.python().minor == 12);
  CHECK(linux_env.python().minor == 11);
  // A default-constructed environment is empty and usable.
  const target_environment empty;
  CHECK(empty.tags().empty());
  CHECK_FALSE(empty.rank("cp311", "cp311", "manylinux_2_17_x86_64"));
}
