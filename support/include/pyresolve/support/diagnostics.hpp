#pragma once
/// @file
/// The library never prints: it reports through a callback the embedder injects.

#include <cstdint>
#include <functional>
#include <string_view>

namespace pyresolve {

/// Severity of a diagnostic, ordered from most to least verbose.
enum class log_level : std::uint8_t { trace, debug, info, warning, error };

/// Receives diagnostics. May be called from any thread; the embedder makes it thread-safe.
using log_sink = std::function<void(log_level, std::string_view)>;

}  // namespace pyresolve
