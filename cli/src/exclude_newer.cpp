#include "pyresolve/cli/exclude_newer.hpp"

#include <ctime>

#include "pyresolve/index/upload_time.hpp"

namespace pyresolve::cli {

std::optional<std::int64_t> parse_exclude_newer(std::string_view text) {
  if (auto at = index::parse_rfc3339(text)) return at;
  // yyyy-mm-dd: checked against the same calendar as a timestamp by parsing its midnight.
  if (text.size() != 10) return std::nullopt;
  std::string stamp(text);
  stamp += "T00:00:00Z";
  if (!index::parse_rfc3339(stamp)) return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm local{};
  local.tm_year = number(0, 4) - 1900;
  local.tm_mon = number(5, 2) - 1;
  local.tm_mday = number(8, 2) + 1;  // the next day's midnight (mktime carries the overflow)
  local.tm_isdst = -1;               // whatever the zone's rules say for that day
  const std::time_t seconds = std::mktime(&local);
  if (seconds == static_cast<std::time_t>(-1) || seconds < 0) return std::nullopt;
  return static_cast<std::int64_t>(seconds) * 1'000'000;
}

}  // namespace pyresolve::cli
