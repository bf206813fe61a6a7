#pragma once
// The URL checks `packaging.requirements.Requirement` 23.0 makes with `urllib.parse.urlparse`.

#include <optional>
#include <string>
#include <string_view>

namespace pyresolve::packaging::detail {

/// The message `Requirement()` would raise for `url`, or nothing when it accepts it.
[[nodiscard]] std::optional<std::string> check_requirement_url(std::string_view url);

}  // namespace pyresolve::packaging::detail
