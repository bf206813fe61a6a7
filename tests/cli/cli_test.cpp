// The testable parts of `resolve`: argument parsing, input reading, the writers, the output
// file and the target probe. The end-to-end runs of the binary are in resolve_e2e.py.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "pyresolve/cli/app.hpp"
#include "pyresolve/cli/exclude_newer.hpp"
#include "pyresolve/cli/inert_flags.hpp"
#include "pyresolve/cli/inputs.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/cli/output.hpp"
#include "pyresolve/cli/output_file.hpp"
#include "pyresolve/cli/progress.hpp"
#include "pyresolve/cli/target.hpp"
#include "pyresolve/resolver/universe_provider.hpp"
#include "support/servers.hpp"

namespace {

using namespace pyresolve;
using namespace pyresolve::cli;
namespace fs = std::filesystem;

std::optional<std::string> no_env(const char*) { return std::nullopt; }
std::optional<std::string> some_env(const char* name) {
  const std::string n = name;
  if (n == "PYRESOLVE_INDEX_URL") return std::string("file:///srv/simple");
  if (n == "PYRESOLVE_CACHE_DIR") return std::string("/tmp/c");
  if (n == "PYRESOLVE_OFFLINE") return std::string("1");
  if (n == "NO_COLOR") return std::string("1");
  return std::nullopt;
}

options parse_ok(std::vector<std::string> args, getenv_function env = &no_env) {
  auto out = parse_command_line(args, env);
  INFO(out.message);
  REQUIRE(out.parsed.has_value());
  return *out.parsed;
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "pyresolve-cli-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~temp_dir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, ec);
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

user_input inputs_from(const std::string& file_text, const std::string& file = "requirements.in") {
  auto parsed = packaging::parse_requirements_text(file_text, file, ".");
  REQUIRE(parsed.has_value());
  user_input input;
  for (auto& e : parsed->entries)
    input.requirements.push_back(user_requirement{*e.requirement, "-r " + file});
  return input;
}

resolver::resolution resolve_universe(const std::string& json, const user_input& input) {
  resolver::resolve_options options;
  auto uni = resolver::universe_provider::from_json(json, options.environment);
  REQUIRE(uni.has_value());
  std::vector<packaging::requirement> reqs;
  for (const auto& r : input.requirements) reqs.push_back(r.requirement);
  auto out = resolver::resolve(reqs, options, **uni);
  if (!out) FAIL(out.error().explanation);
  return *out;
}

const char* universe = R"({"packages": {
  "Black": {"23.1": {"requires_dist": ["click>=8", "PlatformDirs"]}},
  "click": {"8.1.7": {}},
  "platformdirs": {"4.1.0": {}},
  "uvicorn": {"0.2": {"requires_dist": ["click", "h11; extra == 'standard'"]}},
  "h11": {"0.14": {}},
  "colorama": {"0.4.6": {}}
}})";

}  // namespace

TEST_CASE("every flag of the command line is parsed") {
  const auto o = parse_ok({"a.in",
                           "pyproject.toml",
                           "-o",
                           "out.txt",
                           "-c",
                           "c.txt",
                           "--override",
                           "o.txt",
                           "--extra",
                           "dev",
                           "--all-extras",
                           "-i",
                           "http://x/simple",
                           "--extra-index-url",
                           "http://y/simple",
                           "--no-index",
                           "--python-version",
                           "3.12",
                           "--python-platform",
                           "macos",
                           "--resolution",
                           "lowest-direct",
                           "--prerelease",
                           "allow",
                           "--no-binary",
                           "a,b",
                           "--no-binary",
                           ":all:",
                           "--only-binary",
                           "c",
                           "-U",
                           "-P",
                           "black",
                           "--upgrade-package",
                           "click",
                           "--cache-dir",
                           "cd",
                           "--no-cache",
                           "--offline",
                           "--refresh",
                           "--refresh-package",
                           "x",
                           "--allocator",
                           "arena",
                           "--threads",
                           "3",
                           "--no-header",
                           "--no-annotate",
                           "--annotation-style",
                           "line",
                           "--generate-hashes",
                           "--emit-index-url",
                           "--format",
                           "json",
                           "-q",
                           "-vv",
                           "--color",
                           "always",
                           "--no-progress"});
  CHECK(o.sources == std::vector<std::string>{"a.in", "pyproject.toml"});
  CHECK(*o.output_file == "out.txt");
  CHECK(o.constraints == std::vector<std::string>{"c.txt"});
  CHECK(o.overrides == std::vector<std::string>{"o.txt"});
  CHECK(o.extras == std::vector<std::string>{"dev"});
  CHECK(o.all_extras);
  CHECK(*o.index_url == "http://x/simple");
  CHECK(o.extra_index_urls == std::vector<std::string>{"http://y/simple"});
  CHECK(o.no_index);
  CHECK(*o.python_version == "3.12");
  CHECK(*o.python_platform == "macos");
  CHECK(o.resolution == "lowest-direct");
  CHECK(o.prerelease == "allow");
  CHECK(o.no_binary == std::vector<std::string>{"a", "b", ":all:"});
  CHECK(o.only_binary == std::vector<std::string>{"c"});
  CHECK(o.upgrade);
  CHECK(o.upgrade_packages == std::vector<std::string>{"black", "click"});
  CHECK(*o.cache_dir == "cd");
  CHECK((o.no_cache && o.offline && o.refresh));
  CHECK(o.refresh_packages == std::vector<std::string>{"x"});
  CHECK(o.allocator == "arena");
  CHECK(o.threads == 3);
  CHECK((o.no_header && o.no_annotate && o.generate_hashes && o.emit_index_url && o.no_progress));
  CHECK(o.annotations == annotation_style::line);
  CHECK(o.format == output_format::json);
  CHECK(o.quiet == 1);
  CHECK(o.verbose == 2);
  CHECK(o.color == color_mode::always);
}

TEST_CASE("uv's spellings: --constraints, --overrides, -n, --index NAME=URL, --default-index") {
  const auto o = parse_ok({"a.in",
                           "--constraints",
                           "c.txt",
                           "--overrides",
                           "o.txt",
                           "-n",
                           "--index",
                           "torch=http://t/simple",
                           "--index",
                           "http://u/simple",
                           "--extra-index-url",
                           "http://y/simple",
                           "--default-index",
                           "http://d/simple",
                           "--no-strip-extras",
                           "--no-strip-markers",
                           "--emit-build-options",
                           "--python",
                           "/usr/bin/python3",
                           "--requires-python-upper-bounds"});
  CHECK(o.constraints == std::vector<std::string>{"c.txt"});
  CHECK(o.overrides == std::vector<std::string>{"o.txt"});
  CHECK(o.no_cache);
  CHECK(o.extra_index_urls ==
        std::vector<std::string>{"http://t/simple", "http://u/simple", "http://y/simple"});
  CHECK(*o.index_url == "http://d/simple");
  CHECK((o.no_strip_extras && o.no_strip_markers && o.emit_build_options && o.requires_python_upper_bounds));
  CHECK((o.python == "/usr/bin/python3" && o.python_given));
  CHECK(!parse_ok({"a.in"}).python_given);
}

TEST_CASE("defaults, environment variables and NO_COLOR") {
  auto o = parse_ok({"r.in"});
  CHECK(!o.index_url);
  CHECK(!o.offline);
  CHECK(o.format == output_format::requirements_txt);
  CHECK(o.annotations == annotation_style::split);
  CHECK(o.color == color_mode::automatic);
  CHECK(o.allocator == "system");
  o = parse_ok({"r.in"}, &some_env);
  CHECK(*o.index_url == "file:///srv/simple");
  CHECK(*o.cache_dir == "/tmp/c");
  CHECK(o.offline);
  CHECK(o.color == color_mode::never);
  // Flags win over the environment; --color always wins over NO_COLOR.
  o = parse_ok({"r.in", "-i", "http://flag/simple", "--cache-dir", "x", "--color", "always"}, &some_env);
  CHECK(*o.index_url == "http://flag/simple");
  CHECK(*o.cache_dir == "x");
  CHECK(o.color == color_mode::always);
}

TEST_CASE("usage errors exit 2 with a message; --help and --version exit 0") {
  auto bad = parse_command_line({"r.in", "--frobnicate"}, &no_env);
  CHECK(!bad.parsed);
  CHECK(bad.exit_code == 2);
  CHECK(bad.to_stderr);
  CHECK(bad.message.find("--frobnicate") != std::string::npos);
  for (const auto& args : std::vector<std::vector<std::string>>{{},
                                                                {"r.in", "--format", "yaml"},
                                                                {"r.in", "--threads", "many"},
                                                                {"r.in", "--annotation-style", "x"},
                                                                {"r.in", "--color", "pink"},
                                                                {"r.in", "-o"},
                                                                {"cache"},
                                                                {"cache", "nuke"}}) {
    auto out = parse_command_line(args, &no_env);
    CHECK(!out.parsed);
    CHECK(out.exit_code == 2);
    CHECK(out.message.rfind("error: ", 0) == 0);
  }
  auto help = parse_command_line({"--help"}, &no_env);
  CHECK(help.exit_code == 0);
  CHECK(help.message.find("--generate-hashes") != std::string::npos);
  auto version = parse_command_line({"--version"}, &no_env);
  CHECK(version.exit_code == 0);
  CHECK(version.message.rfind("resolve ", 0) == 0);
}

TEST_CASE("the HTTP limits: flags, else variables; anything but a positive number is a usage error") {
  auto o = parse_ok({"r.in"});
  CHECK_FALSE(o.http_timeout);
  CHECK_FALSE(o.max_response_size);
  o = parse_ok({"r.in", "--http-timeout", "7", "--max-response-size", "1000"});
  CHECK(*o.http_timeout == 7);
  CHECK(*o.max_response_size == 1000);
  const getenv_function limits = [](const char* name) -> std::optional<std::string> {
    const std::string n = name;
    if (n == "PYRESOLVE_HTTP_TIMEOUT") return std::string("30");
    if (n == "PYRESOLVE_MAX_RESPONSE_SIZE") return std::string("5000000");
    return std::nullopt;
  };
  o = parse_ok({"r.in"}, limits);
  CHECK(*o.http_timeout == 30);
  CHECK(*o.max_response_size == 5000000);
  o = parse_ok({"r.in", "--http-timeout", "3"}, limits);
  CHECK(*o.http_timeout == 3);
  for (const auto& args : std::vector<std::vector<std::string>>{{"r.in", "--http-timeout", "0"},
                                                                {"r.in", "--http-timeout", "soon"},
                                                                {"r.in", "--max-response-size", "-1"}}) {
    auto out = parse_command_line(args, &no_env);
    CHECK(!out.parsed);
    CHECK(out.exit_code == 2);
  }
  const getenv_function bad = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "PYRESOLVE_MAX_RESPONSE_SIZE") return std::string("10MB");
    return std::nullopt;
  };
  auto out = parse_command_line({"r.in"}, bad);
  CHECK(!out.parsed);
  CHECK(out.exit_code == 2);
  CHECK(out.message.find("PYRESOLVE_MAX_RESPONSE_SIZE") != std::string::npos);
}

TEST_CASE("cache subcommands") {
  CHECK(parse_ok({"cache", "dir"}).cache == cache_command::dir);
  CHECK(parse_ok({"cache", "prune", "--cache-dir", "x"}).cache == cache_command::prune);
  const auto o = parse_ok({"cache", "clean", "numpy", "Black"});
  CHECK(o.cache == cache_command::clean);
  CHECK(o.cache_names == std::vector<std::string>{"numpy", "Black"});
}

TEST_CASE("shell_join quotes only what a shell would split") {
  CHECK(shell_join({"a.in", "-o", "out.txt", "--python-version=3.11"}) ==
        "a.in -o out.txt --python-version=3.11");
  CHECK(shell_join({"my file.in", "it's"}) == "'my file.in' 'it'\\''s'");
}

TEST_CASE("requirements files: nesting, constraints, stdin, errors with file:line:col") {
  temp_dir t;
  t.write("sub/b.in", "click>=8\n-c c.txt\n");
  t.write("sub/c.txt", "click<9\n");
  const auto a = t.write("a.in", "# top\nblack\n-r sub/b.in\n--extra-index-url http://extra/simple\n");
  options opt;
  opt.sources = {a.string(), "-"};
  std::istringstream stdin_text("colorama ; python_version >= '3'\n");
  auto input = read_inputs(opt, stdin_text);
  REQUIRE(input.has_value());
  REQUIRE(input->requirements.size() == 3);
  CHECK(input->requirements[0].requirement.name == "black");
  CHECK(input->requirements[0].source == "-r " + a.string());
  CHECK(input->requirements[1].source.find("b.in") != std::string::npos);
  CHECK(input->requirements[2].source == "-r -");
  REQUIRE(input->constraints.size() == 1);
  CHECK(input->constraints[0].to_string() == "click<9");
  CHECK(input->index.extra_index_urls == std::vector<std::string>{"http://extra/simple"});

  std::istringstream empty;
  opt.sources = {(t.path / "missing.in").string()};
  auto missing = read_inputs(opt, empty);
  REQUIRE(!missing);
  CHECK(missing.error().to_string().find("missing.in") != std::string::npos);

  opt.sources = {t.write("bad.in", "black\nclick >= = 8\n").string()};
  auto bad = read_inputs(opt, empty);
  REQUIRE(!bad);
  CHECK(bad.error().to_string().find("bad.in:2:") != std::string::npos);

  // Paths and URLs are parsed here (relative to the file's folder) and read before the resolve.
  opt.sources = {t.write("unnamed.in", "./local/pkg[cli] ; python_version >= '3.9'\n-e ./edit\n").string()};
  auto unnamed = read_inputs(opt, empty);
  REQUIRE(unnamed);
  REQUIRE(unnamed->directs.size() == 2);
  CHECK(unnamed->requirements.empty());  // named once their metadata is read
  const auto& local = unnamed->directs[0];
  CHECK(local.reference.kind == packaging::direct_kind::directory);
  CHECK(local.reference.path == std::filesystem::absolute(t.path / "local" / "pkg").lexically_normal());
  CHECK(local.extras == std::vector<std::string>{"cli"});
  CHECK(local.marker == "python_version >= '3.9'");
  CHECK(local.name.empty());
  CHECK(unnamed->directs[1].reference.editable);

  opt.sources = {
      t.write("url.in", "black\nflask @ https://files.example/flask-3.0.0-py3-none-any.whl#sha256=AB12\n")
          .string()};
  auto url = read_inputs(opt, empty);
  REQUIRE(url);
  REQUIRE(url->directs.size() == 1);
  CHECK(url->directs[0].name == "flask");
  CHECK(url->directs[0].reference.url == "https://files.example/flask-3.0.0-py3-none-any.whl");
  CHECK(url->directs[0].reference.hashes == std::vector<packaging::direct_hash>{{"sha256", "ab12"}});
  CHECK(url->requirements.size() == 2);

  opt.sources = {
      t.write("ftp.in", "black\nflask @ ftp://files.example/flask-3.0.0-py3-none-any.whl\n").string()};
  auto ftp = read_inputs(opt, empty);
  REQUIRE(!ftp);
  CHECK(ftp.error().to_string().find("ftp.in:2: 'ftp://files.example/") != std::string::npos);

  opt.sources = {a.string()};
  opt.extras = {"dev"};
  CHECK(!read_inputs(opt, empty));  // --extra without a pyproject.toml
}

TEST_CASE("pyproject.toml: dependencies, extras and errors") {
  const std::string text = R"(
[project]
name = "demo"
dependencies = ["black>=23", "click"]
[project.optional-dependencies]
Dev = ["colorama"]
fast = ["uvicorn[standard]"]
)";
  auto base = read_pyproject(text, "pyproject.toml", {}, false);
  REQUIRE(base.has_value());
  REQUIRE(base->size() == 2);
  CHECK((*base)[0].source == "demo (pyproject.toml)");
  auto dev = read_pyproject(text, "pyproject.toml", {"dev"}, false);
  REQUIRE(dev.has_value());
  CHECK(dev->size() == 3);
  auto all = read_pyproject(text, "pyproject.toml", {}, true);
  REQUIRE(all.has_value());
  CHECK(all->size() == 4);
  auto unknown = read_pyproject(text, "pyproject.toml", {"nope"}, false);
  REQUIRE(!unknown);
  CHECK(unknown.error().message.find("nope") != std::string::npos);
  auto broken = read_pyproject("[project\nname=1", "p/pyproject.toml", {}, false);
  REQUIRE(!broken);
  CHECK(broken.error().to_string().rfind("p/pyproject.toml:1:", 0) == 0);
  auto with_url = read_pyproject("[project]\nname='x'\ndependencies = ['a @ https://x/a-1.0.tar.gz']\n",
                                 "pyproject.toml", {}, false);
  REQUIRE(with_url);  // a direct reference, read before the resolve
  REQUIRE(with_url->size() == 1);
  CHECK(std::string_view(with_url->front().requirement.url) == "https://x/a-1.0.tar.gz");
  auto bad_req = read_pyproject("[project]\nname='x'\ndependencies = [\n  'ok',\n  'not a req !!',\n]\n",
                                "pyproject.toml", {}, false);
  REQUIRE(!bad_req);
  CHECK(bad_req.error().to_string().rfind("pyproject.toml:5:", 0) == 0);
}

TEST_CASE("requirements.txt in uv's shape") {
  const auto input = inputs_from("black\nuvicorn[standard]\ncolorama ; sys_platform == 'linux'\n");
  const auto resolution = resolve_universe(universe, input);
  options opt;
  opt.arguments = {"requirements.in", "-o", "requirements.txt"};
  render_context context;
  context.opt = &opt;
  context.input = &input;
  context.index_urls = {"https://user:secret@pypi.example/simple", "http://extra/simple"};
  auto text = render_requirements_txt(resolution, context);
  REQUIRE(text.has_value());
  CHECK(*text ==
        "# This file was autogenerated by pyresolve via the following command:\n"
        "#    resolve requirements.in -o requirements.txt\n"
        "black==23.1\n"
        "    # via -r requirements.in\n"
        "click==8.1.7\n"
        "    # via\n"
        "    #   black\n"
        "    #   uvicorn\n"
        "colorama==0.4.6\n"
        "    # via -r requirements.in\n"
        "h11==0.14\n"
        "    # via uvicorn\n"
        "platformdirs==4.1.0\n"
        "    # via black\n"
        "uvicorn==0.2\n"
        "    # via -r requirements.in\n");

  opt.annotations = annotation_style::line;
  opt.no_header = true;
  opt.emit_index_url = true;
  text = render_requirements_txt(resolution, context);
  REQUIRE(text.has_value());
  // As uv: each pin padded to 24 columns before its comment.
  CHECK(text->rfind("--index-url https://pypi.example/simple\n--extra-index-url http://extra/simple\n\n"
                    "black==23.1               # via -r requirements.in\n"
                    "click==8.1.7              # via black, uvicorn\n",
                    0) == 0);
  CHECK(text->find("secret") == std::string::npos);

  opt.no_annotate = true;
  opt.emit_index_url = false;
  opt.no_strip_extras = true;
  opt.no_strip_markers = true;
  text = render_requirements_txt(resolution, context);
  REQUIRE(text.has_value());
  CHECK(*text ==
        "black==23.1\nclick==8.1.7\ncolorama==0.4.6 ; sys_platform == \"linux\"\nh11==0.14\n"
        "platformdirs==4.1.0\nuvicorn[standard]==0.2\n");
}

TEST_CASE("markers are kept only when every requirement on the package carries one") {
  auto input = inputs_from("black\nclick ; python_version >= '3.8'\nclick ; os_name == 'posix'\n");
  const auto resolution = resolve_universe(universe, input);
  for (const auto& p : resolution.packages) {
    // click is also required by black: the pin must not be conditional.
    if (p.name == "click") CHECK(kept_marker(p, input).empty());
  }
  input = inputs_from("colorama ; python_version >= '3.8'\ncolorama ; os_name == 'posix'\n");
  const auto only = resolve_universe(universe, input);
  REQUIRE(only.packages.size() == 1);
  CHECK(kept_marker(only.packages[0], input) == "(python_version >= \"3.8\") or (os_name == \"posix\")");
}

TEST_CASE("--generate-hashes: hashes from the index, an error when it gives none") {
  const auto input = inputs_from("black\n");
  const auto resolution = resolve_universe(universe, input);
  options opt;
  opt.generate_hashes = true;
  opt.no_header = true;
  std::map<std::string, index::version_entry> entries;
  for (const auto& p : resolution.packages) {
    index::version_entry e;
    e.version = p.version;
    index::version_file wheel;
    wheel.file.filename = p.name + "-" + p.version.to_string() + "-py3-none-any.whl";
    wheel.file.url = "https://files.example/" + wheel.file.filename;
    wheel.file.sha256 = std::string(64, p.name[0]);
    index::version_file sdist;
    sdist.kind = index::file_kind::sdist;
    sdist.file.filename = p.name + "-" + p.version.to_string() + ".tar.gz";
    sdist.file.url = "https://files.example/" + sdist.file.filename;
    sdist.file.sha256 = p.name == "platformdirs" ? "" : std::string(64, '0');
    e.files = {wheel, sdist};
    entries[p.name] = e;
  }
  render_context context;
  context.opt = &opt;
  context.input = &input;
  context.python_version = "3.11.4";
  context.sources = [&](std::string_view name, const packaging::version&) {
    return package_source{"https://pypi.example/simple", &entries.at(std::string(name))};
  };
  auto text = render_requirements_txt(resolution, context);
  REQUIRE(text.has_value());
  CHECK(text->rfind("black==23.1 \\\n    --hash=sha256:" + std::string(64, '0') +
                        " \\\n    --hash=sha256:" + std::string(64, 'b') + "\n    # via -r requirements.in\n",
                    0) == 0);
  opt.annotations = annotation_style::line;
  text = render_requirements_txt(resolution, context);
  REQUIRE(text.has_value());
  CHECK(text->find(std::string(64, 'c') + "\n    # via black\n") != std::string::npos);

  // pylock.toml: parsed back, every pin present with its files and hashes.
  opt.no_header = false;
  auto lock = render_pylock(resolution, context);
  REQUIRE(lock.has_value());
  toml::table doc = toml::parse(*lock);
  CHECK(doc["lock-version"].value_or(std::string()) == "1.0");
  CHECK(doc["requires-python"].value_or(std::string()) == ">=3.11");
  CHECK(doc["created-by"].value_or(std::string()) == "pyresolve");
  auto* packages = doc["packages"].as_array();
  REQUIRE(packages != nullptr);
  CHECK(packages->size() == resolution.packages.size());
  auto first = *(*packages)[0].as_table();
  CHECK(first["name"].value_or(std::string()) == "black");
  CHECK(first["index"].value_or(std::string()) == "https://pypi.example/simple");
  CHECK(first["wheels"][0]["hashes"]["sha256"].value_or(std::string()) == std::string(64, 'b'));
  CHECK(first["sdist"]["url"].value_or(std::string()) == "https://files.example/black-23.1.tar.gz");

  auto json = render_json(resolution, context);
  REQUIRE(json.has_value());
  CHECK(json->find("\"name\": \"click\", \"version\": \"8.1.7\", \"extras\": [], \"parents\": [\"black\"]") !=
        std::string::npos);

  entries.at("platformdirs").files[0].file.sha256.clear();
  opt.annotations = annotation_style::split;
  auto none = render_requirements_txt(resolution, context);
  REQUIRE(!none);
  CHECK(none.error().message.find("platformdirs==4.1.0") != std::string::npos);
  CHECK(none.error().message.find("https://pypi.example/simple") != std::string::npos);
}

TEST_CASE("the command line in the header never shows credentials") {
  CHECK(command_line(
            {"r.in", "-i", "https://user:token@pypi.example/simple", "--extra-index-url=http://u:p@x/s"}) ==
        "resolve r.in -i https://pypi.example/simple --extra-index-url=http://x/s");
}

TEST_CASE("json_quote escapes what JSON requires") {
  CHECK(json_quote("a\"b\\c\n\x01") == "\"a\\\"b\\\\c\\n\\u0001\"");
}

TEST_CASE("the output file: pins read back, atomic replacement, unwritable paths") {
  temp_dir t;
  const auto out = t.write(
      "req.txt",
      "# header\n--index-url http://x/simple\n\nblack==23.1 \\\n    --hash=sha256:" + std::string(64, '0') +
          "\n    # via -r r.in\nclick[x]==8.1.7 ; python_version > '3'\nloose>=1\n");
  auto pins = read_pins(out, output_format::requirements_txt);
  if (!pins) FAIL(pins.error().to_string());
  REQUIRE(pins->size() == 2);
  CHECK((*pins)[0].name == "black");
  CHECK((*pins)[1].version.to_string() == "8.1.7");
  auto none = read_pins(t.path / "absent.txt", output_format::requirements_txt);
  REQUIRE(none.has_value());
  CHECK(none->empty());
  const auto lock =
      t.write("pylock.toml", "lock-version = '1.0'\n[[packages]]\nname = 'a'\nversion = '1.2'\n");
  pins = read_pins(lock, output_format::pylock_toml);
  REQUIRE(pins.has_value());
  REQUIRE(pins->size() == 1);
  CHECK((*pins)[0].version.to_string() == "1.2");

  REQUIRE(write_atomically(out, "new\n").has_value());
  CHECK(read(out) == "new\n");
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.path)) ++entries;
  CHECK(entries == 2);  // no temporary left beside it

  // A device is written in place, never replaced by a regular file.
  REQUIRE(write_atomically("/dev/null", "x").has_value());
  CHECK(fs::is_character_file("/dev/null"));
  // A symlink keeps pointing at the file, which is replaced.
  fs::create_symlink(out, t.path / "link.txt");
  REQUIRE(write_atomically(t.path / "link.txt", "via link\n").has_value());
  CHECK(fs::is_symlink(t.path / "link.txt"));
  CHECK(read(out) == "via link\n");
  fs::remove(t.path / "link.txt");

  auto nodir = write_atomically(t.path / "no" / "such" / "dir.txt", "x");
  REQUIRE(!nodir);
  CHECK(nodir.error().to_string().find("dir.txt") != std::string::npos);
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(t.path / "ro");
    fs::permissions(t.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    auto ro = write_atomically(t.path / "ro" / "out.txt", "x");
    CHECK(!ro);
  }
}

TEST_CASE("the python3 probe maps interpreters to platforms") {
  auto linux_facts = parse_probe_output("3.11.2\nlinux\nx86_64\nglibc\n2.36\n");
  REQUIRE(linux_facts.has_value());
  CHECK(linux_facts->version == "3.11.2");
  CHECK(linux_facts->platform == "x86_64-manylinux_2_36");
  CHECK(parse_probe_output("3.12.0\nlinux\naarch64\n\n\n")->platform == "aarch64-musllinux_1_2");
  CHECK(parse_probe_output("3.12.0\ndarwin\narm64\n\n\n")->platform == "aarch64-apple-darwin");
  CHECK(parse_probe_output("3.12.0\nwin32\nAMD64\n\n\n")->platform == "windows");
  CHECK(!parse_probe_output("garbage"));
  CHECK(!parse_probe_output("3.12.0\nsunos5\nsparc\n\n\n"));
  options opt;
  opt.python_version = "3.10";
  opt.python_platform = "windows";
  auto target = choose_target(opt);
  REQUIRE(target.has_value());
  CHECK(target->environment.python().minor == 10);
  CHECK(target->how == "from the command line");
  opt.python_version = "three";
  CHECK(!choose_target(opt));
}

TEST_CASE("the python3 probe is cached per interpreter binary") {
  if (!fs::exists("/usr/bin/python3")) return;
  temp_dir t;
  fs::create_directories(t.path / "bin");
  fs::create_symlink("/usr/bin/python3", t.path / "bin" / "python3");
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  ::setenv("PATH", (t.path / "bin").c_str(), 1);
  const auto root = t.path / "cache";
  auto first = probe_python3(root);
  REQUIRE(first.has_value());
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(root / interpreter_bucket)) entries.push_back(e.path());
  REQUIRE(entries.size() == 1);
  // The entry is what the next run believes: change the version it records.
  std::string text = read(entries[0]);
  const auto at = text.find(first->version + "\n");
  REQUIRE(at != std::string::npos);
  text.replace(at, first->version.size(), "3.99.1");
  std::ofstream(entries[0]) << text;
  CHECK(probe_python3(root)->version == "3.99.1");
  // An entry whose key does not match (another binary, a corrupt file) is not believed.
  std::ofstream(entries[0]) << "/other/python\n1:2:3.4\n3.98.0\nlinux\nx86_64\nglibc\n2.36\n";
  CHECK(probe_python3(root)->version == first->version);
  // Without a cache root nothing is written.
  fs::remove_all(root);
  CHECK(probe_python3(std::nullopt)->version == first->version);
  CHECK(!fs::exists(root));
  ::setenv("PATH", "/nonexistent", 1);
  CHECK(!probe_python3(root));
  ::setenv("PATH", saved.c_str(), 1);
}

TEST_CASE("the progress line") {
  CHECK(progress_line({5, 9, 40, 3, 3 * 1024 * 1024}) ==
        "Resolving: 5 packages resolved, 9 seen, 3 downloads in flight, 40 requests, 3.0 MiB");
}

TEST_CASE("the finish hook runs once the output is written and the cache settled, with the exit code") {
  namespace t = pyresolve::test;
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(
      tmp.path, R"({"packages": {"a": {"1.0": {"requires_dist": ["b"]}, "2.0": {"requires_dist": ["b>=2"]}},
                                                             "b": {"1.0": {}}}})"));
  const auto out = tmp.path / "out.txt";
  const auto cache = tmp.path / "cache";
  auto args = [&](const std::string& requirement) {
    t::spit(tmp.path / "in.txt", requirement + "\n");
    return std::vector<std::string>{"--index-url",
                                    "file://" + (tmp.path / "idx/simple").string(),
                                    "--cache-dir",
                                    cache.string(),
                                    "--python-version",
                                    "3.11",
                                    "--python-platform",
                                    "linux",
                                    "--no-progress",
                                    "-q",
                                    "-o",
                                    out.string(),
                                    (tmp.path / "in.txt").string()};
  };
  auto entries = [&] {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(cache)) n += e.path().extension() == ".bin";
    return n;
  };
  std::istringstream in;
  std::ostringstream sink, err;
  std::vector<int> codes;
  std::string seen;
  std::size_t entries_seen = 0;
  const finish_hook hook = [&](int code) {
    codes.push_back(code);
    seen = t::slurp(out);
    entries_seen = entries();
  };
  CHECK(run(args("a"), in, sink, err, false, hook) == exit_success);
  REQUIRE(codes == std::vector<int>{exit_success});
  CHECK(seen.find("a==1.0") != std::string::npos);  // a 2.0 needs b>=2: backtracked
  CHECK(entries_seen >= 4);                         // two pages, a's two metadata files, b's
  CHECK(entries_seen == entries());                 // nothing was still being written
  fs::remove(out);
  CHECK(run(args("a>=2"), in, sink, err, false, hook) == exit_unsatisfiable);
  CHECK(codes == std::vector<int>{exit_success, exit_unsatisfiable});
  CHECK(run({"--no-such-flag"}, in, sink, err, false, hook) == exit_error);
  CHECK(codes.size() == 2);  // a usage error ends before any resolve
}

TEST_CASE(
    "before_workers runs once per resolve, before any thread of the run, and --allocator jemalloc says what "
    "it "
    "needs") {
  namespace t = pyresolve::test;
  t::temp_dir tmp;
  REQUIRE(t::make_index_universe(tmp.path, R"({"packages": {"a": {"1.0": {}}}})"));
  std::vector<std::string> args{"--index-url", "file://" + (tmp.path / "idx/simple").string(),
                                "--no-cache",  "--python-version",
                                "3.11",        "--python-platform",
                                "linux",       "--no-progress",
                                "-q",          "--allocator",
                                "system",      "-"};
  std::ostringstream out, err;
  int called = 0;
  std::streampos read_when_called = -1;
  std::istringstream in("a\n");
  const start_hook before_workers = [&] {
    ++called;
    read_when_called = in.tellg();
  };
  CHECK(run(args, in, out, err, false, {}, before_workers) == exit_success);
  CHECK(called == 1);
  CHECK(read_when_called != std::streampos(0));  // after the inputs were read
  std::istringstream none;
  CHECK(run({"--version"}, none, out, err, false, {}, before_workers) == exit_success);
  CHECK(called == 1);

  // jemalloc's copy is opened late, which its initial-exec TLS allows only with glibc's static
  // TLS reserve raised at start (this test neither links the copy nor starts so): the error
  // says how to get it.
  args[args.size() - 2] = "jemalloc";
  std::istringstream again("a\n");
  std::ostringstream err2;
  CHECK(run(args, again, out, err2, false, {}, before_workers) == exit_error);
  CHECK(err2.str().find("static TLS") != std::string::npos);
  CHECK(err2.str().find("GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096") != std::string::npos);
}

TEST_CASE(
    "--exclude-newer and --exclude-newer-package: timestamps, local dates, the variable, usage errors") {
  // Dates are read in the local zone (TZ): pinned here, restored after.
  const char* saved = std::getenv("TZ");
  const std::string saved_tz = saved ? saved : "";
  ::setenv("TZ", "UTC0", 1);
  ::tzset();
  constexpr std::int64_t second = 1'000'000;
  auto o = parse_ok({"r.in"});
  CHECK_FALSE(o.exclude_newer);
  CHECK(o.exclude_newer_packages.empty());
  o = parse_ok({"r.in", "--exclude-newer", "2006-12-02T02:07:43Z", "--exclude-newer-package",
                "Foo_Bar=2006-12-02", "--exclude-newer-package", "baz=2006-12-02T02:07:43.5+01:00"});
  CHECK(o.exclude_newer == 1'165'025'263 * second);
  REQUIRE(o.exclude_newer_packages.size() == 2);
  CHECK(o.exclude_newer_packages[0].first == "foo-bar");
  CHECK(o.exclude_newer_packages[0].second == 1'165'104'000 * second);  // 2006-12-03T00:00:00Z
  CHECK(o.exclude_newer_packages[1].second == (1'165'025'263 - 3'600) * second + 500'000);
  // The next day's midnight in the zone: one hour behind UTC is one hour later.
  ::setenv("TZ", "XXX1", 1);
  ::tzset();
  CHECK(parse_exclude_newer("2006-12-02") == (1'165'104'000 + 3'600) * second);
  CHECK(parse_exclude_newer("2000-02-28") == (951'782'400 + 3'600) * second);  // into the leap day
  ::setenv("TZ", "UTC0", 1);
  ::tzset();
  const getenv_function env = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "PYRESOLVE_EXCLUDE_NEWER") return std::string("2006-12-02T02:07:43Z");
    return std::nullopt;
  };
  CHECK(parse_ok({"r.in"}, env).exclude_newer == 1'165'025'263 * second);
  CHECK(parse_ok({"r.in", "--exclude-newer", "2006-12-01"}, env).exclude_newer == 1'165'017'600 * second);
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"r.in", "--exclude-newer", "2006-12-32"},
                                             {"r.in", "--exclude-newer", "2006-12-02T02:07:43"},
                                             {"r.in", "--exclude-newer", "1969-12-31T00:00:00Z"},
                                             {"r.in", "--exclude-newer", "tomorrow"},
                                             {"r.in", "--exclude-newer-package", "foo"},
                                             {"r.in", "--exclude-newer-package", "=2006-12-02"},
                                             {"r.in", "--exclude-newer-package", "foo bar=2006-12-02"},
                                             {"r.in", "--exclude-newer-package", "foo=2006-1-2"}}) {
    auto out = parse_command_line(args, &no_env);
    CHECK(!out.parsed);
    CHECK(out.exit_code == 2);
    CHECK(out.message.find(args.back()) != std::string::npos);
  }
  const getenv_function bad = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "PYRESOLVE_EXCLUDE_NEWER") return std::string("2006");
    return std::nullopt;
  };
  auto out = parse_command_line({"r.in"}, bad);
  CHECK(out.exit_code == 2);
  CHECK(out.message.find("PYRESOLVE_EXCLUDE_NEWER") != std::string::npos);
  if (saved) {
    ::setenv("TZ", saved_tz.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
}

TEST_CASE("inert flags: taken out with their values, joined or not, each warned about once") {
  std::vector<std::string> warnings;
  const std::vector<std::string> args{
      "r.in",         "--resolver", "backtracking",   "--allow-unsafe", "--cert=x.pem",
      "--native-tls", "-q",         "--allow-unsafe", "--project",      "p",
      "--certain"};
  const auto kept = pyresolve::cli::strip_inert_flags(args, warnings);
  CHECK(kept == std::vector<std::string>{"r.in", "-q", "--certain"});
  CHECK(warnings == std::vector<std::string>{"pip-compile's --resolver has no effect",
                                             "pip-compile's --allow-unsafe has no effect",
                                             "pip-compile's --cert has no effect",
                                             "--project has no effect: no project configuration is read"});
  // A flag that takes a value, last on the line, takes nothing with it.
  warnings.clear();
  CHECK(pyresolve::cli::strip_inert_flags({"r.in", "--config"}, warnings) ==
        std::vector<std::string>{"r.in"});
  CHECK(warnings.size() == 1);
}
