// The runner of git and build hooks: output captured, exit codes returned, the deadline kept
// even by a program that closes its output and goes on running.
#include <doctest/doctest.h>

#include <chrono>

#include "detail/subprocess.hpp"

using namespace pyresolve::index::detail;

TEST_CASE("subprocesses: output, exit code, and a deadline that holds after the output closes") {
  subprocess_options options;
  options.timeout = std::chrono::milliseconds(2000);
  auto echoed = run_subprocess({"sh", "-c", "echo out; echo err >&2; exit 3"}, options);
  REQUIRE(echoed);
  CHECK(echoed->out == "out\n");
  CHECK(echoed->err == "err\n");
  CHECK(echoed->exit_code == 3);

  options.timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  auto lingering = run_subprocess({"sh", "-c", "exec >&- 2>&-; sleep 30"}, options);
  REQUIRE(!lingering);
  CHECK(lingering.error().message.find("did not finish") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));

  CHECK(!run_subprocess({"no-such-program-pyresolve"}, options));
}
