#include "pyresolve/index/upload_time.hpp"

#include <cstdio>

namespace pyresolve::index {
namespace {

constexpr std::int64_t micros_per_second = 1'000'000;

/// Reads exactly `n` digits at `at`, moving past them; nullopt when they are not all digits.
std::optional<unsigned> digits(std::string_view text, std::size_t& at, std::size_t n) noexcept {
  if (at > text.size() || text.size() - at < n) return std::nullopt;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[at + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  at += n;
  return v;
}

bool expect(std::string_view text, std::size_t& at, char c) noexcept {
  if (at >= text.size() || text[at] != c) return false;
  ++at;
  return true;
}

unsigned days_in_month(unsigned year, unsigned month) noexcept {
  static constexpr unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

struct parse_rules {
  bool offsets;              ///< `+hh:mm` / `-hh:mm` and lowercase `t`/`z`, a space separator
  std::size_t max_fraction;  ///< digits after the point
};

/// The shared grammar: date, separator, time, optional fraction, zone.
std::optional<std::int64_t> parse(std::string_view text, parse_rules rules) noexcept {
  std::size_t at = 0;
  const auto year = digits(text, at, 4);
  if (!year || !expect(text, at, '-')) return std::nullopt;
  const auto month = digits(text, at, 2);
  if (!month || !expect(text, at, '-')) return std::nullopt;
  const auto day = digits(text, at, 2);
  if (!day || at >= text.size()) return std::nullopt;
  const char sep = text[at++];
  if (sep != 'T' && !(rules.offsets && (sep == 't' || sep == ' '))) return std::nullopt;
  const auto hour = digits(text, at, 2);
  if (!hour || !expect(text, at, ':')) return std::nullopt;
  const auto minute = digits(text, at, 2);
  if (!minute || !expect(text, at, ':')) return std::nullopt;
  const auto second = digits(text, at, 2);
  if (!second) return std::nullopt;
  std::int64_t micros = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    std::size_t n = 0;
    std::int64_t scale = 100'000;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (++n > rules.max_fraction) return std::nullopt;
      micros += (text[at] - '0') * scale;  // digits past the sixth add nothing (scale 0)
      scale /= 10;
      ++at;
    }
    if (n == 0) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (at >= text.size()) return std::nullopt;
  const char zone = text[at++];
  if (zone == 'Z' || (rules.offsets && zone == 'z')) {
    // UTC
  } else if (rules.offsets && (zone == '+' || zone == '-')) {
    const auto oh = digits(text, at, 2);
    if (!oh || !expect(text, at, ':')) return std::nullopt;
    const auto om = digits(text, at, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (zone == '-' ? -1 : 1) * static_cast<std::int64_t>(*oh * 60 + *om);
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  if (*year < 1970 || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
      *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  const std::int64_t seconds = days_from_civil(*year, *month, *day) * 86'400 + *hour * 3'600 + *minute * 60 +
                               *second - offset_minutes * 60;
  if (seconds < 0) return std::nullopt;  // before the epoch once the offset applies
  return seconds * micros_per_second + micros;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
  // Howard Hinnant's algorithm: days of whole 400-year eras plus the day of the era.
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146'097 + static_cast<std::int64_t>(doe) - 719'468;
}

std::optional<std::int64_t> parse_upload_time(std::string_view text) noexcept {
  return parse(text, {false, 6});
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) noexcept { return parse(text, {true, 9}); }

utc_fields utc_fields_of(std::int64_t micros) noexcept {
  const std::int64_t seconds = micros / micros_per_second, days = seconds / 86'400, rest = seconds % 86'400;
  // The inverse of days_from_civil (the same algorithm).
  const std::int64_t z = days + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const auto doe = static_cast<unsigned>(z - era * 146'097);
  const unsigned yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  utc_fields out;
  out.day = doy - (153 * mp + 2) / 5 + 1;
  out.month = mp < 10 ? mp + 3 : mp - 9;
  out.year = static_cast<std::int64_t>(yoe) + era * 400 + (out.month <= 2 ? 1 : 0);
  out.hour = static_cast<unsigned>(rest / 3'600);
  out.minute = static_cast<unsigned>(rest / 60 % 60);
  out.second = static_cast<unsigned>(rest % 60);
  out.microsecond = static_cast<unsigned>(micros % micros_per_second);
  return out;
}

std::string format_upload_time(std::int64_t micros) {
  const utc_fields t = utc_fields_of(micros);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u", static_cast<long long>(t.year),
                        t.month, t.day, t.hour, t.minute, t.second);
  std::string out(buf, static_cast<std::size_t>(n));
  if (t.microsecond != 0) {
    n = std::snprintf(buf, sizeof buf, ".%06u", t.microsecond);
    out.append(buf, static_cast<std::size_t>(n));
  }
  out += 'Z';
  return out;
}

}  // namespace pyresolve::index
