#pragma once
/// @file
/// One resolution as the `resolve` command runs it: inputs read, target chosen, index stack
/// opened (or taken from a batch), solved, written. `run` calls it once; `resolve batch` once
/// per job, concurrently, over shared index stacks.

#include <functional>
#include <iosfwd>
#include <memory>
#include <memory_resource>
#include <string>

#include "pyresolve/allocator/counting_resource.hpp"
#include "pyresolve/allocator/resource.hpp"
#include "pyresolve/cli/app.hpp"
#include "pyresolve/cli/options.hpp"
#include "pyresolve/cli/reporter.hpp"
#include "pyresolve/resolver/index_stack.hpp"
#include "pyresolve/support/result.hpp"

namespace pyresolve::cli {

/// The heap a run allocates from, as `--allocator` names it, counted with `-v`; `make`
/// reports (`-v`: which heap, which tuning) and gives null after reporting an error.
class run_heap {
 public:
  [[nodiscard]] static std::unique_ptr<run_heap> make(const std::string& strategy, reporter& report);
  [[nodiscard]] std::pmr::memory_resource* get() const noexcept {
    return m_counted ? static_cast<std::pmr::memory_resource*>(m_counted.get()) : m_handle.get();
  }
  [[nodiscard]] const std::string& name() const noexcept { return m_handle.name(); }
  /// The counts with `-v`; null without.
  [[nodiscard]] const allocator::counting_resource* counted() const noexcept { return m_counted.get(); }

 private:
  explicit run_heap(allocator::resource_handle handle) : m_handle(std::move(handle)) {}
  allocator::resource_handle m_handle;
  std::unique_ptr<allocator::counting_resource> m_counted;
};

/// `-v`'s allocation line (benches/resolve_bench.py reads it).
[[nodiscard]] std::string allocation_line(const allocator::allocation_stats& stats);

/// Gives the index stack a resolve reads, shared with every other resolve asking with the same
/// `key` (which names everything in the options that changes what the stack answers). The
/// resolve neither settles nor frees it: its owner does, once no job holds it.
using stack_source = std::function<result<std::shared_ptr<resolver::index_stack>>(
    const std::string& key, resolver::index_stack_options options)>;

/// What a resolve takes from the program around it instead of building it itself.
struct shared_run {
  /// The heap for the resolve and its stack, thread-safe, with the name the output gives it;
  /// null: the resolve builds one from `--allocator`.
  std::pmr::memory_resource* memory = nullptr;
  std::string memory_name;
  stack_source stacks;  ///< empty: the resolve opens its own stack
};

/// Resolves as `opt` says, reading a `-` source from `in`, writing the answer to `out` (and
/// `-o`), and every message to `report`; returns the exit code (`exit_code`). `progress_allowed`
/// draws the progress line; `finish` and `before_workers` as `run` describes them (a shared
/// stack is never settled, and `before_workers` is then not called). Errors are reported, not
/// thrown; what escapes (bad_alloc) is the caller's.
[[nodiscard]] int run_resolve(const options& opt, std::istream& in, std::ostream& out, reporter& report,
                              bool progress_allowed, const finish_hook& finish,
                              const start_hook& before_workers, const shared_run& shared = {});

}  // namespace pyresolve::cli
