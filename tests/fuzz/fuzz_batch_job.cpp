// libFuzzer target: a line of `resolve batch`'s jobs file (the JSON reader and the job walk).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pyresolve/cli/batch_job.hpp"
#include "pyresolve/cli/json_value.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)pyresolve::cli::parse_json(text);
  (void)pyresolve::cli::read_batch_job(text);
  return 0;
}
