// Metadata out of archives: PKG-INFO of sdists (libarchive) and ZIP64 / corrupt wheels read
// with range requests. The archives are written by make_archives.py (beside this file).
#include <doctest/doctest.h>

#include "pyresolve/index/index_client.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

namespace {

/// The tree of make_archives.py in a temp dir served by nginx, and a client for it and for
/// `file://` reads of the same tree.
struct archive_index {
  t::temp_dir tmp;
  std::filesystem::path root = tmp.path / "idx";
  std::string build_output;
  int build_status = make_tree();
  t::nginx_server nginx{root};
  http_client http;
  index_client client{http};

  archive_index() {
    INFO(build_output);
    REQUIRE(build_status == 0);
    REQUIRE(nginx.ok());
  }
  int make_tree() {
    int rc = 0;
    build_output = t::run("/usr/bin/python3 " + std::string(PYRESOLVE_TEST_DATA_DIR) +
                              "/index/make_archives.py " + root.string() + " 2>&1",
                          &rc);
    return rc;
  }

  /// The same tree over HTTP and as a `file://` index.
  [[nodiscard]] std::vector<std::string> indexes() const {
    return {nginx.base_url() + "/simple/", "file://" + (root / "simple").string()};
  }

  /// The only file of `project`, read from the index at `index_url`.
  dist_file file_of(const std::string& index_url, const char* project) {
    auto resp = client.fetch_page(index_url, project);
    REQUIRE(resp);
    REQUIRE(resp->status == page_response::status_kind::ok);
    auto page = parse_page(*resp);
    REQUIRE(page);
    REQUIRE(page->files.size() == 1);
    return page->files[0];
  }
};

/// An error whose text names `what` and `cause`.
void check_error(const result<std::string>& r, const std::string& what, const std::string& cause) {
  REQUIRE_FALSE(r);
  const auto text = r.error().to_string();
  INFO(text);
  CHECK(text.find(what) != std::string::npos);
  CHECK(text.find(cause) != std::string::npos);
}

}  // namespace

TEST_CASE_FIXTURE(
    archive_index,
    "sdist PKG-INFO: Metadata 2.2+ with static Requires-Dist is used, otherwise a build would be needed") {
  for (const auto& index : indexes()) {
    INFO(index);
    // The top-level PKG-INFO, not the egg-info one inside the tree.
    auto good = client.fetch_metadata(file_of(index, "good"));
    REQUIRE(good);
    CHECK(good->metadata_version == "2.2");
    REQUIRE(good->requires_dist.size() == 2);
    CHECK(good->requires_dist[0].to_string() == "b>=1");
    CHECK(good->provides_extra == std::pmr::vector<std::pmr::string>{"x"});

    auto zip = client.fetch_metadata(file_of(index, "goodzip"));
    REQUIRE(zip);
    CHECK(zip->version.to_string() == "2.0");
    CHECK(zip->requires_python.has_value());
    REQUIRE(zip->requires_dist.size() == 1);

    auto dyn = client.fetch_metadata_text(file_of(index, "dyn"));
    check_error(dyn, "dyn-1.0.tar.gz", "lists Requires-Dist as Dynamic");
    CHECK(dyn.error().to_string().find("a build") != std::string::npos);
    check_error(client.fetch_metadata_text(file_of(index, "old")), "old-1.0.tar.gz", "Metadata-Version 2.1");
    check_error(client.fetch_metadata_text(file_of(index, "nopkg")), "nopkg-1.0/PKG-INFO",
                "a build would be needed");

    auto corrupt = client.fetch_metadata_text(file_of(index, "corrupt"));
    check_error(corrupt, "/files/corrupt-1.0.tar.gz", "corrupt source distribution corrupt-1.0.tar.gz");
  }
  // The sdist's sha256 is checked before it is opened.
  auto good = file_of(nginx.base_url() + "/simple/", "good");
  good.sha256 = std::string(64, '0');
  check_error(client.fetch_metadata_text(good), "good-1.0.tar.gz", "sha256 mismatch");
}

TEST_CASE_FIXTURE(archive_index, "ZIP64 wheels: METADATA through range requests and from a full read") {
  for (const auto& index : indexes()) {
    INFO(index);
    // Hand-made: every size and offset in ZIP64 extra fields, a ZIP64 end record.
    auto small = client.fetch_metadata(file_of(index, "zip64"));
    REQUIRE(small);
    CHECK(small->name == "zip64");
    REQUIRE(small->requires_dist.size() == 1);
    CHECK(small->requires_dist[0].to_string() == "b>=2");
    // Written by zipfile: 70,001 members, so the entry count only fits the ZIP64 record and
    // the 4 MB central directory is read with a range request of its own.
    auto big = client.fetch_metadata(file_of(index, "zip64big"));
    REQUIRE(big);
    REQUIRE(big->requires_dist.size() == 1);
    CHECK(big->requires_dist[0].name == "c");
  }
  // Over HTTP only ranges were read: no full download of the 7.8 MB wheel.
  const auto log = nginx.log_with("/files/zip64big-1.0-py3-none-any.whl HTTP/1.1\" 206");
  CHECK(log.find("/files/zip64big-1.0-py3-none-any.whl HTTP/1.1\" 206") != std::string::npos);
  CHECK(log.find("/files/zip64big-1.0-py3-none-any.whl HTTP/1.1\" 200") == std::string::npos);
  CHECK(http.stats().bytes < 6'000'000);
}

TEST_CASE_FIXTURE(archive_index, "corrupt central directories are clear errors naming the URL") {
  for (const auto& index : indexes()) {
    INFO(index);
    check_error(client.fetch_metadata_text(file_of(index, "cdtrunc")), "/files/cdtrunc-1.0-py3-none-any.whl",
                "corrupt zip");
    check_error(client.fetch_metadata_text(file_of(index, "cdbad")), "/files/cdbad-1.0-py3-none-any.whl",
                "does not end before the end record");
  }
  // Every prefix of a real ZIP64 wheel, read from disk: an error or the right text, never a crash.
  const auto whole = t::slurp(root / "files/zip64-1.0-py3-none-any.whl");
  auto file = file_of(indexes()[1], "zip64");
  file.sha256.clear();
  const auto cut = root / "files/zip64-1.0-py3-none-any.whl";
  for (std::size_t keep :
       {std::size_t{0}, std::size_t{21}, whole.size() - 120, whole.size() - 60, whole.size() - 1}) {
    t::spit(cut, whole.substr(0, keep));
    auto r = client.fetch_metadata_text(file);
    INFO(keep);
    REQUIRE_FALSE(r);
    CHECK(r.error().to_string().find("zip64-1.0-py3-none-any.whl") != std::string::npos);
  }
  // Every bit flip of the end records and the central directory: an error or a METADATA text,
  // never a crash or a read out of bounds (the sanitizer builds run this too).
  std::size_t errors = 0;
  for (std::size_t at = whole.size() - 400; at < whole.size(); ++at) {
    std::string flipped = whole;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    t::spit(cut, flipped);
    if (!client.fetch_metadata_text(file)) ++errors;
  }
  CHECK(errors > 50);  // signatures, counts, sizes and offsets; CRC and name bytes may pass
}
