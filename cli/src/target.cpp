#include "pyresolve/cli/target.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/cli/output_file.hpp"
#include "pyresolve/packaging/requirements_file.hpp"

namespace pyresolve::cli {
namespace {

// One line each: version, sys.platform, machine, libc name, libc version.
constexpr const char* probe_script =
    "import sys,platform; v=sys.version_info; l=platform.libc_ver(); "
    "print('%d.%d.%d' % (v[0],v[1],v[2])); print(sys.platform); print(platform.machine()); "
    "print(l[0]); print(l[1])";

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `name` as the shell would find it: itself when it holds a slash, else on PATH.
std::optional<std::filesystem::path> find_interpreter(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(name))
      return std::filesystem::path(name);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest = path;
  while (true) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate))
      return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

std::optional<std::string> run_probe(const std::filesystem::path& python) {
  const std::string command = shell_quote(python.string()) + " -I -S -c \"" + probe_script + "\" 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string text;
  std::array<char, 256> buffer{};
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) text.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return text;
}

// What identifies an interpreter binary: its real path, inode, size and modification time.
// Scripts (pyenv shims, wrappers) pick an interpreter at run time, so they get no key and are
// asked every time.
std::optional<std::string> interpreter_key(const std::filesystem::path& python) {
  std::error_code ec;
  const auto real = std::filesystem::canonical(python, ec);
  if (ec) return std::nullopt;
  std::ifstream in(real, std::ios::binary);
  char magic[4] = {};
  if (!in.read(magic, 4) || std::string_view(magic, 4) !=
                                "\x7f"
                                "ELF")
    return std::nullopt;
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0) return std::nullopt;
  return fmt::format("{}\n{}:{}:{}.{}\n", real.string(), st.st_ino, st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

}  // namespace

std::optional<interpreter_facts> parse_probe_output(const std::string& text) {
  std::istringstream in(text);
  std::string version, system, machine, libc, libc_version;
  if (!std::getline(in, version) || !std::getline(in, system) || !std::getline(in, machine))
    return std::nullopt;
  std::getline(in, libc);
  std::getline(in, libc_version);
  if (!packaging::python_version::parse(version)) return std::nullopt;
  std::string platform;
  if (system == "linux") {
    if (machine == "arm64") machine = "aarch64";
    if (libc == "glibc") {
      const auto dot = libc_version.find('.');
      const auto minor = dot == std::string::npos ? std::string() : libc_version.substr(dot + 1);
      platform = machine + "-manylinux_2_" + (minor.empty() ? std::string("17") : minor);
    } else {
      platform = machine + "-musllinux_1_2";
    }
  } else if (system == "darwin") {
    platform = (machine == "x86_64" ? "x86_64" : "aarch64") + std::string("-apple-darwin");
  } else if (system == "win32") {
    platform = "windows";
  } else {
    return std::nullopt;
  }
  if (!packaging::target_platform::parse(platform)) return std::nullopt;
  return interpreter_facts{version, platform};
}

std::optional<interpreter_facts> probe_python3(const std::optional<std::filesystem::path>& cache_root,
                                               const std::string& interpreter) {
  const auto python = find_interpreter(interpreter);
  if (!python) return std::nullopt;
  const auto key = cache_root ? interpreter_key(*python) : std::nullopt;
  const auto entry =
      key ? *cache_root / interpreter_bucket / (fnv1a_hex(*key) + ".txt") : std::filesystem::path();
  if (key) {
    // The entry repeats the key, so a hash collision or a stale file is never believed.
    auto cached = packaging::read_file_contents(entry);
    if (cached && cached->rfind(*key, 0) == 0) {
      if (auto facts = parse_probe_output(cached->substr(key->size()))) return facts;
    }
  }
  auto text = run_probe(*python);
  if (!text) return std::nullopt;
  auto facts = parse_probe_output(*text);
  if (facts && key) {
    std::error_code ec;
    std::filesystem::create_directories(entry.parent_path(), ec);
    // Best effort: a cache that cannot be written only costs the next run a probe.
    if (!ec) static_cast<void>(write_atomically(entry, *key + *text));
  }
  return facts;
}

result<chosen_target> choose_target(const options& opt) {
  std::string version = "3.11", platform = "linux", how = "default (no python3 on PATH)";
  if (!opt.python_version || !opt.python_platform) {
    std::optional<std::filesystem::path> root;
    if (!opt.no_cache)
      root = opt.cache_dir ? std::filesystem::path(*opt.cache_dir) : cache::default_cache_root();
    if (auto probed = probe_python3(root, opt.python)) {
      version = probed->version;
      platform = probed->platform;
      how = opt.python_given ? "from --python " + opt.python : "from python3 on PATH";
    } else if (opt.python_given) {
      return unexpected(error{
          errc::invalid_argument,
          "--python " + opt.python + ": no Python interpreter there that reports its version and platform",
          {},
          0,
          0});
    }
  }
  if (opt.python_version) version = *opt.python_version;
  if (opt.python_platform) platform = *opt.python_platform;
  if (opt.python_version && opt.python_platform) how = "from the command line";
  // Built once, from the final choice (a placeholder environment was built and dropped before).
  auto environment = packaging::target_environment::create(version, platform);
  if (!environment) return unexpected(std::move(environment).error());
  return chosen_target{std::move(*environment), std::move(version), std::move(platform), std::move(how)};
}

}  // namespace pyresolve::cli
