#include "pyresolve/cli/target.hpp"

#include <array>
#include <cstdio>
#include <sstream>
#include <sys/wait.h>

namespace pyresolve::cli {
namespace {

// One line each: version, sys.platform, machine, libc name, libc version.
constexpr const char* probe_command =
    "python3 -I -S -c \"import sys,platform; v=sys.version_info; l=platform.libc_ver(); "
    "print('%d.%d.%d' % (v[0],v[1],v[2])); print(sys.platform); print(platform.machine()); "
    "print(l[0]); print(l[1])\" 2>/dev/null";

}  // namespace

std::optional<interpreter_facts> parse_probe_output(const std::string& text) {
  std::istringstream in(text);
  std::string version, system, machine, libc, libc_version;
  if (!std::getline(in, version) || !std::getline(in, system) || !std::getline(in, machine)) return std::nullopt;
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

std::optional<interpreter_facts> probe_python3() {
  FILE* pipe = ::popen(probe_command, "r");
  if (pipe == nullptr) return std::nullopt;
  std::string text;
  std::array<char, 256> buffer{};
  while (const auto n = std::fread(buffer.data(), 1, buffer.size(), pipe)) text.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return parse_probe_output(text);
}

result<chosen_target> choose_target(const options& opt) {
  chosen_target target{packaging::target_environment::create(packaging::python_version{3, 11, std::nullopt},
                                                             packaging::target_platform{}),
                       "3.11", "linux", "default (no python3 on PATH)"};
  std::optional<interpreter_facts> probed;
  if (!opt.python_version || !opt.python_platform) probed = probe_python3();
  if (probed) {
    target.python_version = probed->version;
    target.python_platform = probed->platform;
    target.how = "from python3 on PATH";
  }
  if (opt.python_version) target.python_version = *opt.python_version;
  if (opt.python_platform) target.python_platform = *opt.python_platform;
  if (opt.python_version && opt.python_platform) target.how = "from the command line";
  auto environment = packaging::target_environment::create(target.python_version, target.python_platform);
  if (!environment) return unexpected(std::move(environment).error());
  target.environment = std::move(*environment);
  return target;
}

}  // namespace pyresolve::cli
