// Metadata out of archives: PKG-INFO of sdists (libarchive) and ZIP64 / corrupt wheels read
// with range requests. The archives are written by make_archives.py (beside this file).
#include <doctest/doctest.h>

#include "pyresolve/index/index_client.hpp"
#include "support/servers.hpp"

using namespace pyresolve;
using namespace pyresolve::index;
namespace t = pyresolve::test;

namespace {

/// The tree of make_archives.py in a temp dir, and clients for nginx and file:// reads.
struct archive_index {
  t::temp_dir tmp;
  std::filesystem::path root = tmp.path / "idx";
  http_client http;
  index_client client{http};

  archive_index() {
    int rc = 0;
    auto out = t::run("/usr/bin/python3 " + std::string(PYRESOLVE_TEST_DATA_DIR) + "/index/make_archives.py " +
                          root.string() + " 2>&1",
                      &rc);
    INFO(out);
    REQUIRE(rc == 0);
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
  [[nodiscard]] std::string file_url() const { return "file://" + (root / "simple").string(); }
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

TEST_CASE("sdist PKG-INFO: Metadata 2.2+ with static Requires-Dist is used, otherwise a build would be needed") {
  archive_index ix;
  t::nginx_server nginx(ix.root);
  REQUIRE(nginx.ok());
  for (const auto& index : {nginx.base_url() + "/simple/", ix.file_url()}) {
    INFO(index);
    // The top-level PKG-INFO, not the egg-info one inside the tree.
    auto good = ix.client.fetch_metadata(ix.file_of(index, "good"));
    REQUIRE(good);
    CHECK(good->metadata_version == "2.2");
    REQUIRE(good->requires_dist.size() == 2);
    CHECK(good->requires_dist[0].to_string() == "b>=1");
    CHECK(good->provides_extra == std::vector<std::string>{"x"});

    auto zip = ix.client.fetch_metadata(ix.file_of(index, "goodzip"));
    REQUIRE(zip);
    CHECK(zip->version.to_string() == "2.0");
    CHECK(zip->requires_python.has_value());
    REQUIRE(zip->requires_dist.size() == 1);

    auto dyn = ix.client.fetch_metadata_text(ix.file_of(index, "dyn"));
    check_error(dyn, "dyn-1.0.tar.gz", "lists Requires-Dist as Dynamic");
    CHECK(dyn.error().to_string().find("a build") != std::string::npos);
    check_error(ix.client.fetch_metadata_text(ix.file_of(index, "old")), "old-1.0.tar.gz", "Metadata-Version 2.1");
    check_error(ix.client.fetch_metadata_text(ix.file_of(index, "nopkg")), "nopkg-1.0/PKG-INFO", "a build would be needed");

    auto corrupt = ix.client.fetch_metadata_text(ix.file_of(index, "corrupt"));
    check_error(corrupt, "/files/corrupt-1.0.tar.gz", "corrupt source distribution corrupt-1.0.tar.gz");
  }
  // The sdist's sha256 is checked before it is opened.
  auto good = ix.file_of(nginx.base_url() + "/simple/", "good");
  good.sha256 = std::string(64, '0');
  check_error(ix.client.fetch_metadata_text(good), "good-1.0.tar.gz", "sha256 mismatch");
}
