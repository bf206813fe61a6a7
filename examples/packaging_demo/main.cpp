// The README's main job until the `resolve` command exists: reads requirements files the way
// the resolver will, and shows what the packaging core makes of them for one target
// environment (normalized requirements, their version ranges, marker decisions, wheel tags).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/requirements_file.hpp"

int main(int argc, char** argv) {
  using namespace pyresolve::packaging;
  CLI::App app{"pyresolve packaging demo: parse requirements files for a target environment"};
  std::vector<std::string> files;
  std::string python = "3.11";
  std::string platform = "linux";
  app.add_option("files", files, "requirements files (.in / .txt)")->required()->check(CLI::ExistingFile);
  app.add_option("--python-version", python, "target Python version")->capture_default_str();
  app.add_option("--python-platform", platform, "target platform (linux, macos, windows, or a triple)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  auto env = target_environment::create(python, platform);
  if (!env) {
    std::fprintf(stderr, "error: %s\n", env.error().to_string().c_str());
    return 2;
  }
  const auto& tags = env->tags();
  std::printf("target: Python %s on %s (%zu compatible wheel tags, best %s-%s-%s)\n\n",
              env->python().full_string().c_str(), platform.c_str(), tags.size(),
              tags.empty() ? "" : tags.front().interpreter.c_str(),
              tags.empty() ? "" : tags.front().abi.c_str(),
              tags.empty() ? "" : tags.front().platform.c_str());

  for (const auto& file : files) {
    auto parsed = parse_requirements_file(file);
    if (!parsed) {
      std::fprintf(stderr, "error: %s\n", parsed.error().to_string().c_str());
      return 2;
    }
    for (const auto& entry : parsed->entries) {
      if (!entry.requirement) {
        std::printf("%s:%u: %s (not a named requirement)\n", entry.origin.file.c_str(), entry.origin.line,
                    entry.target.c_str());
        continue;
      }
      const auto& req = *entry.requirement;
      bool applies = true;
      if (req.marker) {
        auto value = req.marker->evaluate(env->markers());
        applies = value && *value;
      }
      std::printf("%s:%u: %-28s project %-22s versions %s%s%s\n", entry.origin.file.c_str(),
                  entry.origin.line, req.to_string().c_str(), req.normalized_name().c_str(),
                  req.url.empty() ? req.specifiers.to_ranges().to_string().c_str() : req.url.c_str(),
                  entry.constraint ? " (constraint)" : "", applies ? "" : "  [marker false: skipped]");
    }
  }
  return 0;
}
