#pragma once
// A git repository's objects in the cache: a bare repository per URL, fetched with the `git`
// program, read without a checkout.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pyresolve/support/result.hpp"

namespace pyresolve::index::detail {

class git_repository {
 public:
  /// The repository at `url`, cached under `<cache_dir>/git-v1/<sha256 of url>`.
  git_repository(std::filesystem::path cache_dir, std::string url, std::chrono::seconds timeout);

  /// The commit `ref` names (a branch, a tag, a commit; empty: the remote's HEAD), fetching
  /// first unless `ref` is a full commit already cached, or `offline`.
  [[nodiscard]] result<std::string> resolve(const std::string& ref, bool offline);

  /// A working tree of `commit` (for a build), made once under
  /// `<cache_dir>/git-v1/checkouts/<repository digest>/<commit>`.
  [[nodiscard]] result<std::filesystem::path> checkout(const std::string& commit);

  /// The content of `path` at `commit`; nullopt when the commit has no such file.
  [[nodiscard]] result<std::optional<std::string>> read_file(const std::string& commit,
                                                             const std::string& path);

 private:
  /// Runs `git --git-dir=<db> args...`; an error (with the tail of git's message) unless it
  /// exits 0 or `allow_failure`, when a failure is `nullopt`.
  result<std::optional<std::string>> git(std::vector<std::string> args, bool allow_failure = false);
  /// Runs `git args...` as given.
  result<std::optional<std::string>> run(std::vector<std::string> args, bool allow_failure = false);
  result<void> fetch();

  std::filesystem::path m_cache_dir;
  std::string m_url;
  std::chrono::seconds m_timeout;
  std::filesystem::path m_db;
};

}  // namespace pyresolve::index::detail
