#include "detail/git.hpp"

#include <unistd.h>

#include <algorithm>

#include "detail/subprocess.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/index/project_page.hpp"
#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::index::detail {
namespace {

namespace fs = std::filesystem;

bool is_full_commit(std::string_view ref) {
  return ref.size() == 40 && std::all_of(ref.begin(), ref.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool is_abbreviated_commit(std::string_view ref) {
  return ref.size() >= 7 && ref.size() <= 40 && std::all_of(ref.begin(), ref.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (const std::size_t nl = text.rfind('\n'); nl != std::string::npos) text.erase(0, nl + 1);
  return packaging::excerpt(text);
}

}  // namespace

git_repository::git_repository(fs::path cache_dir, std::string url, std::chrono::seconds timeout)
    : m_cache_dir(std::move(cache_dir)), m_url(std::move(url)), m_timeout(timeout) {
  // The folder's name is a digest of the URL: no path is built from the URL's text.
  m_db = m_cache_dir / "git-v1" / sha256_hex(m_url).substr(0, 32);
}

result<std::optional<std::string>> git_repository::git(std::vector<std::string> args, bool allow_failure) {
  args.insert(args.begin(), "--git-dir=" + m_db.string());
  return run(std::move(args), allow_failure);
}

result<fs::path> git_repository::checkout(const std::string& commit) {
  if (!is_full_commit(commit))
    return fail(errc::invalid_argument, "not a commit: " + packaging::excerpt(commit));
  const fs::path dir = m_cache_dir / "git-v1" / "checkouts" / m_db.filename() / commit;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return dir;
  fs::create_directories(dir.parent_path(), ec);
  const fs::path temp = dir.string() + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(temp, ec);
  auto cloned = run({"clone", "--quiet", "--shared", "--no-checkout", "--", m_db.string(), temp.string()});
  if (!cloned) return unexpected(std::move(cloned).error());
  auto checked = run({"-C", temp.string(), "-c", "advice.detachedHead=false", "checkout", "--quiet", commit});
  if (!checked) return unexpected(std::move(checked).error());
  fs::rename(temp, dir, ec);
  if (ec && !fs::is_directory(dir))
    return fail(errc::io_error, "cannot create " + dir.string() + ": " + ec.message());
  fs::remove_all(temp, ec);
  return dir;
}

result<std::optional<std::string>> git_repository::run(std::vector<std::string> args, bool allow_failure) {
  args.insert(args.begin(), "git");
  subprocess_options options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(m_timeout);
  // Never prompt (a missing credential is an error, not a hang), only the transports a
  // `git+` URL may name, messages in one language.
  options.environment = {"GIT_TERMINAL_PROMPT=0", "GIT_ALLOW_PROTOCOL=file:http:https:ssh", "LC_ALL=C",
                         "GIT_ASKPASS=", "SSH_ASKPASS="};
  auto ran = run_subprocess(args, options);
  if (!ran) {
    auto failure = std::move(ran).error();
    failure.source = redact_url(m_url);
    return unexpected(std::move(failure));
  }
  if (ran->exit_code == 0) return std::optional<std::string>(std::move(ran->out));
  if (allow_failure) return std::optional<std::string>();
  const std::string& verb = args[1].starts_with("--git-dir=") ? args[2] : args[1];
  return unexpected(error{errc::io_error, "git " + verb + " failed: " + last_line(std::move(ran->err)),
                          redact_url(m_url), 0, 0});
}

result<void> git_repository::fetch() {
  auto fetched = git({"fetch", "--quiet", "--force", "--tags", "--", m_url, "+HEAD:refs/remotes/origin/HEAD",
                      "+refs/heads/*:refs/remotes/origin/*"});
  if (!fetched) return unexpected(std::move(fetched).error());
  return {};
}

result<std::string> git_repository::resolve(const std::string& ref, bool offline) {
  if (m_db.filename().empty())
    return fail(errc::io_error, "libcrypto is not available to name the git cache");
  std::error_code ec;
  const bool cached = fs::exists(m_db / "HEAD", ec);
  if (!cached) {
    if (offline) {
      return unexpected(
          error{errc::io_error, "the repository is not in the cache (--offline)", redact_url(m_url), 0, 0});
    }
    fs::create_directories(m_db.parent_path(), ec);
    auto made = git({"init", "--bare", "--quiet"});
    if (!made) return unexpected(std::move(made).error());
  }
  auto commit_of = [&](const std::string& name) -> result<std::optional<std::string>> {
    auto out = git({"rev-parse", "--verify", "--quiet", "--end-of-options", name + "^{commit}"}, true);
    if (!out || !*out) return out;
    std::string sha = **out;
    while (!sha.empty() && (sha.back() == '\n' || sha.back() == '\r')) sha.pop_back();
    if (!is_full_commit(sha)) return std::optional<std::string>();
    return std::optional<std::string>(std::move(sha));
  };
  if (cached && is_full_commit(ref)) {
    auto known = commit_of(ref);
    if (!known) return unexpected(std::move(known).error());
    if (*known) return std::move(**known);
  }
  if (!offline) {
    if (auto ok = fetch(); !ok) return unexpected(std::move(ok).error());
  }
  std::vector<std::string> candidates;
  if (ref.empty()) {
    candidates = {"refs/remotes/origin/HEAD"};
  } else {
    candidates = {"refs/remotes/origin/" + ref, "refs/tags/" + ref};
    if (is_abbreviated_commit(ref)) candidates.push_back(ref);
  }
  for (const auto& name : candidates) {
    auto found = commit_of(name);
    if (!found) return unexpected(std::move(found).error());
    if (*found) return std::move(**found);
  }
  return unexpected(error{errc::not_found,
                          "git ref '" + packaging::excerpt(ref.empty() ? "HEAD" : ref) + "' not found" +
                              (offline ? " in the cached repository (--offline)" : ""),
                          redact_url(m_url), 0, 0});
}

result<std::optional<std::string>> git_repository::read_file(const std::string& commit,
                                                             const std::string& path) {
  auto type = git({"cat-file", "-t", "--end-of-options", commit + ":" + path}, true);
  if (!type) return unexpected(std::move(type).error());
  if (!*type || !(*type)->starts_with("blob")) return std::optional<std::string>();
  return git({"cat-file", "blob", "--end-of-options", commit + ":" + path});
}

}  // namespace pyresolve::index::detail
