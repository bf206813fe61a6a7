// Flags that change nothing here, taken out before parsing (see inert_flags.hpp).

#include "pyresolve/cli/inert_flags.hpp"

#include <algorithm>
#include <string_view>

namespace pyresolve::cli {
namespace {

struct inert_flag {
  std::string_view name;
  bool takes_value;
  std::string_view warning;  ///< empty: accepted silently (the flag asks for what is done anyway)
};

constexpr std::string_view pip_tools = "pip-compile's";

constexpr inert_flag inert_flags[] = {
    // pip-tools'
    {"--allow-unsafe", false, pip_tools},
    {"--no-allow-unsafe", false, pip_tools},
    {"--reuse-hashes", false, pip_tools},
    {"--no-reuse-hashes", false, pip_tools},
    {"--emit-trusted-host", false, pip_tools},
    {"--no-emit-trusted-host", false, pip_tools},
    {"--emit-options", false, pip_tools},
    {"--no-emit-options", false, pip_tools},
    {"--no-config", false, pip_tools},
    {"--build-isolation", false, pip_tools},
    {"--strip-extras", false, pip_tools},
    {"--resolver", true, pip_tools},
    {"--max-rounds", true, pip_tools},
    {"--cert", true, pip_tools},
    {"--client-cert", true, pip_tools},
    {"--config", true, pip_tools},
    // uv's
    {"--system", false, "nothing is installed"},
    {"--native-tls", false, ""},           // curl reads the system's CA bundle
    {"--no-python-downloads", false, ""},  // none are made
    {"--project", true, "no project configuration is read"},
    {"--config-file", true, "no configuration file is read"},
    {"--torch-backend", true, "no PyTorch index is chosen for you; give it with --index"},
    {"--python-preference", true, "the target interpreter is python3 on PATH or --python"},
    {"--allow-insecure-host", true, "TLS certificates are always verified"},
    {"--no-build-isolation-package", true, "use --no-build-isolation for every build"},
    {"--config-settings-package", true, "use -C, which applies to every build"},
};

}  // namespace

std::vector<std::string> strip_inert_flags(const std::vector<std::string>& args,
                                           std::vector<std::string>& warnings) {
  std::vector<std::string> kept;
  kept.reserve(args.size());
  std::vector<std::string_view> warned;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    const inert_flag* match = nullptr;
    for (const inert_flag& flag : inert_flags) {
      const bool joined = flag.takes_value && arg.size() > flag.name.size() && arg.starts_with(flag.name) &&
                          arg[flag.name.size()] == '=';
      if (arg == flag.name || joined) {
        match = &flag;
        if (flag.takes_value && !joined) ++i;  // its value (missing at the end: nothing to skip)
        break;
      }
    }
    if (match == nullptr) {
      kept.emplace_back(arg);
      continue;
    }
    if (match->warning.empty() || std::find(warned.begin(), warned.end(), match->name) != warned.end())
      continue;
    warned.push_back(match->name);
    if (match->warning == pip_tools) {
      warnings.push_back(std::string(pip_tools) + " " + std::string(match->name) + " has no effect");
    } else {
      warnings.push_back(std::string(match->name) + " has no effect: " + std::string(match->warning));
    }
  }
  return kept;
}

}  // namespace pyresolve::cli
