#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include "pyresolve/packaging/requirements_file.hpp"

using namespace pyresolve::packaging;
namespace fs = std::filesystem;

namespace {

const fs::path data_dir = fs::path(PYRESOLVE_TEST_DATA_DIR) / "packaging" / "data" / "reqfiles";

requirements_file_options no_env() {
  requirements_file_options options;
  options.getenv = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  return options;
}

pyresolve::result<requirements_file> parse(std::string_view text,
                                           const requirements_file_options& options = no_env()) {
  return parse_requirements_text(text, "requirements.txt", fs::path("/nonexistent"), options);
}

// Only for the error cases: the error of parsing `text`, which must fail.
pyresolve::error parse_error(std::string_view text) {
  auto r = parse(text);
  REQUIRE_FALSE(r);
  return r.error();
}

}  // namespace

TEST_CASE("an include tree is read in order with origins, constraints and options") {
  auto r = parse_requirements_file(data_dir / "main.txt", no_env());
  REQUIRE(r);
  const auto& e = r->entries;
  const std::string main = (data_dir / "main.txt").string();
  const std::string more = (data_dir / "sub" / "more.txt").string();
  const std::string base = (data_dir / "base.txt").string();
  const std::string constraints = (data_dir / "constraints.txt").string();
  const std::string constraints_more = (data_dir / "sub" / "constraints-more.txt").string();
  REQUIRE(e.size() == 8);

  REQUIRE(e[0].requirement);
  CHECK(e[0].requirement->name == "requests");
  CHECK(e[0].origin == requirement_origin{main, 5});
  CHECK(e[0].hashes ==
        std::vector<std::string>{"sha256:" + std::string(64, 'a'), "sha256:" + std::string(64, 'b')});
  CHECK_FALSE(e[0].constraint);

  CHECK(e[1].requirement->name == "attrs");
  CHECK(e[1].origin == requirement_origin{base, 1});
  CHECK(e[2].requirement->name == "six");
  CHECK(e[2].origin == requirement_origin{more, 2});

  CHECK(e[3].requirement->name == "urllib3");
  CHECK(e[3].constraint);
  CHECK(e[3].origin == requirement_origin{constraints, 1});
  CHECK(e[4].requirement->name == "idna");
  CHECK(e[4].constraint);  // nested in a constraints file
  CHECK(e[4].origin == requirement_origin{constraints_more, 1});

  CHECK(e[5].requirement->name == "flask");
  CHECK(e[5].requirement->extras == std::pmr::vector<std::pmr::string>{"async"});
  REQUIRE(e[5].requirement->marker);
  CHECK(e[5].origin.line == 10);
  CHECK_FALSE(e[5].constraint);

  CHECK_FALSE(e[6].requirement);
  CHECK(e[6].editable);
  CHECK(e[6].target == "./local/pkg");
  CHECK(e[6].origin == requirement_origin{main, 11});

  CHECK(e[7].requirement->name == "pkg");
  CHECK(e[7].requirement->url == "https://example.com/pkg-1.0.whl#sha256=abc");

  CHECK(r->options.index_url == "https://pypi.example/simple");
  CHECK(r->options.extra_index_urls == std::vector<std::string>{"https://extra.example/simple"});
  CHECK(r->options.find_links == std::vector<std::string>{"./wheels"});
  CHECK(r->options.pre);
  CHECK_FALSE(r->options.no_index);
}

TEST_CASE("include cycles are reported with the chain at the -r that closes them") {
  auto r = parse_requirements_file(data_dir / "cycle" / "a.txt", no_env());
  REQUIRE_FALSE(r);
  const std::string a = (data_dir / "cycle" / "a.txt").string();
  const std::string b = (data_dir / "cycle" / "b.txt").string();
  const std::string c = (data_dir / "cycle" / "c.txt").string();
  CHECK(r.error().source == c);
  CHECK(r.error().line == 3);
  CHECK(r.error().column == 4);
  CHECK(r.error().message ==
        "requirements files include each other: " + a + " -> " + b + " -> " + c + " -> " + a);
}

TEST_CASE("a missing include is reported where it is named") {
  auto r = parse_requirements_file(data_dir / "missing_include.txt", no_env());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == pyresolve::errc::io_error);
  CHECK(r.error().source == (data_dir / "missing_include.txt").string());
  CHECK(r.error().line == 2);
  CHECK(r.error().column == 4);
  CHECK(r.error().message.find("does-not-exist.txt") != std::string::npos);

  auto top = parse_requirements_file(data_dir / "nope.txt", no_env());
  REQUIRE_FALSE(top);
  CHECK(top.error().code == pyresolve::errc::io_error);
  CHECK(top.error().source == (data_dir / "nope.txt").string());
}

TEST_CASE("comments, blank lines and continuations follow pip") {
  auto r = parse(
      "# comment\n\n  \nfoo # note\nbar#not-a-comment-but-invalid\\\n\n  # indented comment\n"
      "baz>=1,\\\n<2\nqux \\\n# a comment ends the continuation\nlast\\");
  REQUIRE_FALSE(r);  // `bar#...` is a requirement and `#` is not allowed in it
  CHECK(r.error().line == 5);

  auto ok =
      parse("# comment\n\n  \nfoo # note\n  # indented comment\nbaz>=1,\\\n<2\nqux \\\n# ends it\nlast\\");
  REQUIRE(ok);
  REQUIRE(ok->entries.size() == 4);
  CHECK(ok->entries[0].requirement->name == "foo");
  CHECK(ok->entries[0].origin.line == 4);
  CHECK(ok->entries[1].requirement->name == "baz");
  CHECK(ok->entries[1].requirement->specifiers.to_string() == "<2,>=1");
  CHECK(ok->entries[1].origin.line == 6);
  CHECK(ok->entries[2].requirement->name == "qux");
  CHECK(ok->entries[2].origin.line == 8);
  CHECK(ok->entries[3].requirement->name == "last");
  CHECK(ok->entries[3].origin.line == 10);
}

TEST_CASE("environment variables are expanded only in the ${NAME} form") {
  std::map<std::string, std::string> vars{
      {"INDEX", "https://idx.example/simple"}, {"VER", "1.2"}, {"EMPTY", ""}};
  requirements_file_options options;
  options.getenv = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  auto r = parse("--index-url ${INDEX}\nfoo==${VER}\n-f ${MISSING}/x\n-f ${EMPTY}y\n-f $INDEX\n-f ${index}\n",
                 options);
  REQUIRE(r);
  CHECK(r->options.index_url == "https://idx.example/simple");
  CHECK(r->entries.at(0).requirement->specifiers.to_string() == "==1.2");
  CHECK(r->options.find_links == std::vector<std::string>{"${MISSING}/x", "${EMPTY}y", "$INDEX", "${index}"});
}

TEST_CASE("option forms and unnamed requirements") {
  auto r = parse(
      "-ihttps://a/simple\n--index-url=https://b/simple\n--no-index\n--find-links=./w\n"
      "-e git+https://github.com/x/y.git#egg=y\n--editable=./src\n./local/dir\n"
      "https://host/pkg-1.0-py3-none-any.whl\n--trusted-host example.com\n--prefer-binary\n");
  REQUIRE(r);
  CHECK(r->options.index_url == "https://b/simple");
  CHECK(r->options.no_index);
  CHECK(r->options.find_links == std::vector<std::string>{"./w"});
  CHECK(r->options.ignored == std::vector<std::string>{"--trusted-host example.com", "--prefer-binary"});
  REQUIRE(r->entries.size() == 4);
  CHECK(r->entries[0].editable);
  CHECK(r->entries[0].target == "git+https://github.com/x/y.git#egg=y");
  CHECK(r->entries[1].target == "./src");
  CHECK(r->entries[1].editable);
  CHECK_FALSE(r->entries[2].editable);
  CHECK_FALSE(r->entries[2].requirement);
  CHECK(r->entries[2].target == "./local/dir");
  CHECK(r->entries[3].target == "https://host/pkg-1.0-py3-none-any.whl");
}

TEST_CASE("errors carry the physical line and column") {
  auto unknown = parse_error("foo\nbar \\\n  --bogus x\n");
  CHECK(unknown.source == "requirements.txt");
  CHECK(unknown.line == 3);
  CHECK(unknown.column == 3);
  CHECK(unknown.message == "unknown option '--bogus'");
  CHECK(unknown.to_string() == "requirements.txt:3:3: unknown option '--bogus'");

  auto hash = parse_error("requests>=2 --hash=sha256:zz\n");
  CHECK(hash.line == 1);
  CHECK(hash.column == 20);
  CHECK(hash.message.find("invalid hash 'sha256:zz'") == 0);

  auto md5 = parse_error("\n\nx --hash md5:abcd\n");
  CHECK(md5.line == 3);
  CHECK(md5.column == 10);

  auto lone_hash = parse_error("  --hash=sha256:" + std::string(64, '0') + "\n");
  CHECK(lone_hash.line == 1);
  CHECK(lone_hash.column == 3);
  CHECK(lone_hash.message == "option --hash must follow a requirement on the same line");

  auto after_req = parse_error("foo -r other.txt\n");
  CHECK(after_req.column == 5);
  CHECK(after_req.message == "option -r cannot follow a requirement on the same line");

  auto no_value = parse_error("--index-url\n");
  CHECK(no_value.message == "option --index-url requires a value");
  auto flag_value = parse_error("--pre=yes\n");
  CHECK(flag_value.message == "option --pre takes no value");
  auto stray = parse_error("--pre stray\n");
  CHECK(stray.column == 7);
  CHECK(stray.message == "unexpected argument 'stray'");

  auto bad_req = parse_error("ok\n   foo >=\n");
  CHECK(bad_req.line == 2);
  CHECK(bad_req.column >= 4);
  CHECK(bad_req.code == pyresolve::errc::invalid_requirements_file);
  CHECK(bad_req.message.find("invalid requirement 'foo >=': ") == 0);
}

TEST_CASE("constraints must be named and not editable") {
  requirements_file_options options = no_env();
  options.read_file = [](const fs::path& path) -> pyresolve::result<std::string> {
    if (path.filename() == "c1.txt") return std::string("./local\n");
    if (path.filename() == "c2.txt") return std::string("ok<2\n-e ./x\n");
    return pyresolve::fail(pyresolve::errc::io_error, "No such file or directory");
  };
  auto unnamed = parse_requirements_text("-c c1.txt\n", "-", "/base", options);
  REQUIRE_FALSE(unnamed);
  CHECK(unnamed.error().source == "/base/c1.txt");
  CHECK(unnamed.error().line == 1);
  CHECK(unnamed.error().message.find("not allowed as a constraint") != std::string::npos);
  auto editable = parse_requirements_text("-c c2.txt\n", "-", "/base", options);
  REQUIRE_FALSE(editable);
  CHECK(editable.error().line == 2);
  CHECK(editable.error().column == 1);
  auto fine = parse_requirements_text("--constraint=sub/../c2.txt\n", "-", "/base", options);
  REQUIRE_FALSE(fine);
  CHECK(fine.error().source == "/base/c2.txt");
}

namespace {

// An in-memory tree of files under /virtual, counting how often each is read.
struct virtual_files {
  std::map<std::string, std::string> files;
  std::map<std::string, int> reads;

  requirements_file_options options() {
    auto options = no_env();
    options.read_file = [this](const fs::path& path) -> pyresolve::result<std::string> {
      ++reads[path.string()];
      auto it = files.find(path.string());
      if (it == files.end()) return pyresolve::fail(pyresolve::errc::io_error, "No such file or directory");
      return it->second;
    };
    return options;
  }
};

}  // namespace

TEST_CASE("a file included many times is read and listed once") {
  // Each level includes the next twice: read as written, 2^16 reads of the last file.
  virtual_files tree;
  constexpr int levels = 16;
  for (int i = 0; i < levels; ++i) {
    const std::string next = "f" + std::to_string(i + 1) + ".txt";
    tree.files["/virtual/f" + std::to_string(i) + ".txt"] = "-r " + next + "\n-r " + next + "\n";
  }
  tree.files["/virtual/f" + std::to_string(levels) + ".txt"] = "six\n";
  auto r = parse_requirements_file("/virtual/f0.txt", tree.options());
  REQUIRE(r);
  REQUIRE(r->entries.size() == 1);
  CHECK(r->entries[0].requirement->name == "six");
  CHECK(tree.reads.size() == levels + 1);
  for (const auto& [path, count] : tree.reads) CHECK_MESSAGE(count == 1, path);
}

TEST_CASE("a file read as constraints is read again as requirements, not the other way round") {
  virtual_files tree;
  tree.files["/virtual/a.txt"] = "-c b.txt\n-r b.txt\n-c b.txt\n";
  tree.files["/virtual/b.txt"] = "six\n";
  auto r = parse_requirements_file("/virtual/a.txt", tree.options());
  REQUIRE(r);
  REQUIRE(r->entries.size() == 2);
  CHECK(r->entries[0].constraint);
  CHECK_FALSE(r->entries[1].constraint);
  CHECK(tree.reads["/virtual/b.txt"] == 2);
}

TEST_CASE("the files of one include tree add up to at most max_requirements_bytes") {
  virtual_files tree;
  const std::string blank_line(max_requirements_bytes / 2 + 1, ' ');
  tree.files["/virtual/a.txt"] = "-r b.txt\n-r c.txt\n";
  tree.files["/virtual/b.txt"] = blank_line;
  tree.files["/virtual/c.txt"] = blank_line;
  auto r = parse_requirements_file("/virtual/a.txt", tree.options());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == pyresolve::errc::io_error);
  CHECK(r.error().source == "/virtual/a.txt");
  CHECK(r.error().line == 2);
  CHECK(r.error().column == 4);
  CHECK(r.error().message.find("MiB") != std::string::npos);
}

TEST_CASE("only regular files are read: devices, FIFOs and directories are refused at once") {
  auto zero = read_file_contents("/dev/zero");
  REQUIRE_FALSE(zero);
  CHECK(zero.error().message == "not a regular file");
  auto directory = read_file_contents(data_dir);
  REQUIRE_FALSE(directory);
  CHECK(directory.error().message == "is a directory");

  // A FIFO with no writer would block an open without O_NONBLOCK.
  const fs::path fifo = fs::temp_directory_path() / ("pyresolve-test-fifo-" + std::to_string(::getpid()));
  fs::remove(fifo);
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  auto from_fifo = read_file_contents(fifo);
  fs::remove(fifo);
  REQUIRE_FALSE(from_fifo);
  CHECK(from_fifo.error().message == "not a regular file");

  // Through an include, the error points at the `-r`.
  auto r = parse_requirements_text("six\n-r /dev/zero\n", "requirements.txt", "/nonexistent", no_env());
  REQUIRE_FALSE(r);
  CHECK(r.error().line == 2);
  CHECK(r.error().column == 4);
  CHECK(r.error().message == "cannot read '/dev/zero': not a regular file");
}

TEST_CASE("a regular file larger than max_input_file_bytes is refused") {
  const fs::path big = fs::temp_directory_path() / ("pyresolve-test-big-" + std::to_string(::getpid()));
  {
    std::ofstream out(big, std::ios::binary);
    out << "six\n";
  }
  // Sparse: no disk space is used for the hole.
  fs::resize_file(big, max_input_file_bytes + 1);
  auto r = read_file_contents(big);
  fs::resize_file(big, 4);
  auto small = read_file_contents(big);
  fs::remove(big);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "larger than 64 MiB");
  REQUIRE(small);
  CHECK(*small == "six\n");
}

TEST_CASE("a marker nested too deep is an error at its line and column, quoted in part") {
  const std::string deep = "six ; " + std::string(10000, '(') + "os_name == 'x'" + std::string(10000, ')');
  auto r = parse("attrs\n" + deep + "\n");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == pyresolve::errc::invalid_requirements_file);
  CHECK(r.error().line == 2);
  CHECK(r.error().column == 6 + 64 + 1);
  CHECK(r.error().message.find("Marker nested deeper than 64 parentheses") != std::string::npos);
  CHECK(r.error().message.size() < 1000);
}
