// `resolve`: see cli/README section of the top-level README ("Command line").
#include <unistd.h>
#include <iostream>

#include "pyresolve/cli/app.hpp"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return pyresolve::cli::run(std::vector<std::string>(argv + 1, argv + argc), std::cin, std::cout, std::cerr,
                             ::isatty(STDERR_FILENO) == 1);
}
