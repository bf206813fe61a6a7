#include "pyresolve/cli/app.hpp"

#include <fmt/format.h>
#include <exception>
#include <filesystem>
#include <iostream>

#include "pyresolve/cache/cache.hpp"
#include "pyresolve/cli/batch.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/cli/reporter.hpp"
#include "pyresolve/cli/resolve_command.hpp"
#include "pyresolve/cli/terminal_text.hpp"
#include "pyresolve/packaging/name.hpp"

namespace pyresolve::cli {
namespace {

cache::cache_options cache_options_of(const options& opt, reporter& report) {
  cache::cache_options c;
  if (opt.cache_dir) c.root = *opt.cache_dir;
  c.no_cache = opt.no_cache;
  c.offline = opt.offline;
  c.refresh = opt.refresh;
  for (const auto& name : opt.refresh_packages) c.refresh_packages.push_back(packaging::normalize_name(name));
  c.log = report.sink();
  return c;
}

int run_cache_command(const options& opt, std::ostream& out, reporter& report) {
  auto store = cache::cache::open(cache_options_of(opt, report));
  if (!store) {
    report.error(store.error().to_string());
    return exit_error;
  }
  cache::cache& c = **store;
  switch (opt.cache) {
    case cache_command::dir: {
      out << c.root().string() << "\n";
      if (report.verbosity() >= 1) {
        auto info = c.info();
        if (!info) {
          report.error(info.error().to_string());
          return exit_error;
        }
        report.info(fmt::format("{} files, {:.1f} MiB", info->files,
                                static_cast<double>(info->total_bytes) / (1024.0 * 1024.0)));
      }
      return exit_success;
    }
    case cache_command::clean:
    case cache_command::prune: {
      auto removed = opt.cache == cache_command::clean ? c.clean(opt.cache_names) : c.prune();
      if (!removed) {
        report.error(removed.error().to_string());
        return exit_error;
      }
      if (opt.quiet == 0) {
        out << fmt::format("Removed {} file{} from {}\n", *removed, *removed == 1 ? "" : "s",
                           c.root().string());
      }
      return exit_success;
    }
    case cache_command::none:
      break;
  }
  return exit_error;
}

}  // namespace

int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out, std::ostream& err,
        bool err_is_terminal, const finish_hook& finish, const start_hook& before_workers) {
  try {
    if (!args.empty() && args.front() == "batch")
      return run_batch({args.begin() + 1, args.end()}, in, out, err, err_is_terminal, finish, before_workers);
    auto parsed = parse_command_line(args);
    if (!parsed.parsed) return print_stop(parsed, out, err);
    const options& opt = *parsed.parsed;
    if (opt.directory) {
      std::error_code ec;
      std::filesystem::current_path(*opt.directory, ec);
      if (ec) {
        err << "error: --directory " << escape_controls(*opt.directory) << ": " << ec.message() << "\n";
        return exit_error;
      }
    }
    const bool color =
        opt.color == color_mode::always || (opt.color == color_mode::automatic && err_is_terminal);
    reporter report(err, color, opt.quiet > 0 ? -1 : opt.verbose);
    if (opt.cache != cache_command::none) return run_cache_command(opt, out, report);
    const bool progress = err_is_terminal && !opt.no_progress && opt.quiet == 0;
    return run_resolve(opt, in, out, report, progress, finish, before_workers);
  } catch (const std::exception& e) {
    // The CLI boundary: whatever escaped (bad_alloc, a filesystem error) is a message.
    err << "error: " << escape_controls(e.what()) << "\n";
    return exit_error;
  } catch (...) {
    err << "error: unexpected failure\n";
    return exit_error;
  }
}

}  // namespace pyresolve::cli
