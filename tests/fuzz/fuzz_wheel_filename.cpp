// Wheel and sdist filenames, tag sets, and ranking against a target: never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pyresolve/packaging/environment.hpp"
#include "pyresolve/packaging/tags.hpp"

using namespace pyresolve::packaging;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const target_environment env = *target_environment::create("3.12", "x86_64-manylinux_2_28");
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto wheel = wheel_filename::parse(text)) {
    (void)env.rank(*wheel);
    // Expanding is a product of three lists; keep it bounded for the fuzzer's sake.
    if (wheel->tags.interpreters.size() * wheel->tags.abis.size() * wheel->tags.platforms.size() < 4096) {
      for (const auto& tag : wheel->expanded_tags()) (void)env.rank(tag);
    }
    (void)wheel->tags.to_string();
  }
  (void)sdist_filename::parse(text);
  (void)target_platform::parse(text);
  (void)python_version::parse(text);
  return 0;
}
