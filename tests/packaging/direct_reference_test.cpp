#include <doctest/doctest.h>

#include <string>

#include "pyresolve/packaging/direct_reference.hpp"
#include "pyresolve/packaging/pyproject.hpp"

using namespace pyresolve::packaging;
namespace fs = std::filesystem;

TEST_CASE("direct references: kinds, paths, git refs and fragments") {
  const fs::path base = "/work/project";

  auto wheel = parse_direct_reference("https://host/files/app-1.0-py3-none-any.whl#sha256=ABCDEF", base);
  REQUIRE(wheel);
  CHECK(wheel->kind == direct_kind::archive);
  CHECK(wheel->url == "https://host/files/app-1.0-py3-none-any.whl");
  CHECK(wheel->filename == "app-1.0-py3-none-any.whl");
  CHECK(wheel->hashes == std::vector<direct_hash>{{"sha256", "abcdef"}});
  CHECK(wheel->written() == "https://host/files/app-1.0-py3-none-any.whl#sha256=ABCDEF");

  auto sdist = parse_direct_reference("file:///srv/dist/tool%2B1-1.0.tar.gz", base);
  REQUIRE(sdist);
  CHECK(sdist->kind == direct_kind::archive);
  CHECK(sdist->url.empty());
  CHECK(sdist->path == fs::path("/srv/dist/tool+1-1.0.tar.gz"));
  CHECK(sdist->filename == "tool+1-1.0.tar.gz");

  auto relative = parse_direct_reference("../libs/one", base);
  REQUIRE(relative);
  CHECK(relative->kind == direct_kind::directory);
  CHECK(relative->path == fs::path("/work/libs/one"));
  CHECK(relative->written() == "../libs/one");

  auto editable = parse_direct_reference("file://localhost/srv/proj", base, true);
  REQUIRE(editable);
  CHECK(editable->editable);
  CHECK(editable->path == fs::path("/srv/proj"));

  auto git =
      parse_direct_reference("git+https://user@host/org/repo.git@v1.2#subdirectory=pkgs/a&egg=a", base);
  REQUIRE(git);
  CHECK(git->kind == direct_kind::git);
  CHECK(git->repository == "https://user@host/org/repo.git");
  CHECK(git->ref == "v1.2");
  CHECK(git->subdirectory == "pkgs/a");
  const std::string commit(40, 'a');
  CHECK(git->written(commit) == "git+https://user@host/org/repo.git@" + commit + "#subdirectory=pkgs/a");

  auto ssh = parse_direct_reference("git+ssh://git@host/org/repo.git", base);
  REQUIRE(ssh);
  CHECK(ssh->ref.empty());  // the '@' of the user name is not a ref
  CHECK(ssh->repository == "ssh://git@host/org/repo.git");

  auto local_git = parse_direct_reference("git+file:///srv/repo@main", base);
  REQUIRE(local_git);
  CHECK(local_git->repository == "file:///srv/repo");
  CHECK(local_git->ref == "main");
}

TEST_CASE("direct references: what is refused, and why") {
  const fs::path base = "/work";
  auto refused = [&](std::string_view text, std::string_view why, bool editable = false) {
    auto r = parse_direct_reference(text, base, editable);
    REQUIRE_MESSAGE(!r, text);
    CHECK_MESSAGE(r.error().message.find(why) != std::string::npos, r.error().message);
  };
  refused("hg+https://host/repo", "hg repositories are not supported");
  refused("ftp://host/x-1.0.tar.gz", "the scheme 'ftp'");
  refused("https://host/project/", "must name a wheel or an sdist");
  refused("-uhttps://x", "may not start with '-'");
  refused("git+https://host/repo@--upload-pack=evil", "is not a git ref");
  refused("git+https://host/repo@", "empty git ref");
  refused("./proj#subdirectory=../../etc", "without '..'");
  refused("./proj#subdirectory=/etc", "without '..'");
  refused("./x-1.0.tar.gz#sha256=xyz", "not a hexadecimal digest");
  refused("file:///srv/a%00b", "NUL");
  refused("file:///srv/a%2", "malformed percent-escape");
  refused("file://otherhost/srv/a", "local path");
  refused("./x-1.0-py3-none-any.whl", "must be a project directory", true);
  refused("git+https://host/repo", "must be a local directory", true);
  refused(std::string_view("./a\nb"), "control character");
}

TEST_CASE("unnamed requirement lines: extras and markers after the path") {
  auto line = parse_unnamed_requirement("./proj[cli, test] ; python_version >= '3.9'", "/w");
  REQUIRE(line);
  CHECK(line->reference.path == fs::path("/w/proj"));
  CHECK(line->extras == std::vector<std::string>{"cli", "test"});
  CHECK(line->marker == "python_version >= '3.9'");
  // A ';' inside a URL is not a marker.
  auto url = parse_unnamed_requirement("https://host/a;b/x-1.0-py3-none-any.whl", "/w");
  REQUIRE(url);
  CHECK(url->marker.empty());
  CHECK(url->reference.filename == "x-1.0-py3-none-any.whl");
  CHECK(!parse_unnamed_requirement("./proj[cli,]", "/w"));
}

TEST_CASE("pyproject.toml's [project] table") {
  auto project = parse_pyproject(R"([build-system]
requires = ["setuptools"]
[project]
name = "My.Lib"
version = "1.2"
requires-python = ">=3.9"
dynamic = ["readme"]
dependencies = ["lib>=2", "other @ https://host/other-1.0-py3-none-any.whl"]
[project.optional-dependencies]
cli = ["click ; os_name == 'posix'"]
)",
                                 "pyproject.toml");
  REQUIRE(project);
  CHECK(project->name == "My.Lib");
  CHECK(project->version->to_string() == "1.2");
  CHECK(project->requires_python_text == ">=3.9");
  CHECK(project->has_build_system);
  REQUIRE(project->dependencies.size() == 2);
  CHECK(project->dependencies[1].requirement.url == "https://host/other-1.0-py3-none-any.whl");
  CHECK(project->dependencies[1].at.line == 8);
  REQUIRE(project->optional_dependencies.size() == 1);
  CHECK(project->optional_dependencies[0].name == "cli");
  CHECK(project->dynamic_field("readme").has_value());
  CHECK(!project->dynamic_field("dependencies"));

  auto wrong_type = parse_pyproject("[project]\nname = 'x'\ndependencies = 'lib'\n", "p.toml");
  REQUIRE(!wrong_type);
  CHECK(wrong_type.error().to_string().rfind("p.toml:3:", 0) == 0);
  auto bad_version = parse_pyproject("[project]\nname = 'x'\nversion = 'one'\n", "p.toml");
  REQUIRE(!bad_version);
  CHECK(bad_version.error().to_string().rfind("p.toml:3:", 0) == 0);
  // A quote glued to a string, then a non-ASCII character (undefined behaviour in toml++ 3.3).
  auto glued = parse_pyproject("[project]\nname = \"x\"\"\xc3\xa9\"\n", "p.toml");
  REQUIRE(!glued);
  CHECK(glued.error().to_string().rfind("p.toml:2:11: unexpected character '\"'", 0) == 0);
  auto space = parse_pyproject("[project]\nname = \"x\"\xc2\xa0\n", "p.toml");
  REQUIRE(!space);
  CHECK(space.error().to_string().rfind("p.toml:2:11: unexpected non-ASCII character U+00A0", 0) == 0);
  std::string dotted = "a";
  for (int i = 0; i < 500; ++i) dotted += ".a";
  auto deep = parse_pyproject(dotted + " = 1\n", "p.toml");
  REQUIRE(!deep);
  CHECK(deep.error().message.find("nested deeper than 128 levels") != std::string::npos);
}
