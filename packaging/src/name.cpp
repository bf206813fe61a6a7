#include "pyresolve/packaging/name.hpp"

#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

constexpr bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
constexpr bool is_separator(char c) noexcept { return c == '-' || c == '_' || c == '.'; }
constexpr char to_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Index of the first character that makes `name` invalid, or npos.
std::size_t first_invalid(std::string_view name) noexcept {
  if (name.empty()) return 0;
  if (!is_alnum(name.front())) return 0;
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (!is_alnum(name[i]) && !is_separator(name[i])) return i;
  }
  if (!is_alnum(name.back())) return name.size() - 1;
  return std::string_view::npos;
}

}  // namespace

bool is_valid_name(std::string_view name) noexcept { return first_invalid(name) == std::string_view::npos; }

std::string normalize_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_separator = false;
  for (char c : name) {
    if (is_separator(c)) {
      in_separator = true;
      continue;
    }
    if (in_separator) out += '-';
    in_separator = false;
    out += to_lower(c);
  }
  if (in_separator) out += '-';
  return out;
}

bool is_normalized_name(std::string_view name) noexcept {
  char previous = '\0';
  for (char c : name) {
    if ((c >= 'A' && c <= 'Z') || c == '_' || c == '.') return false;
    if (c == '-' && previous == '-') return false;
    previous = c;
  }
  return true;
}

std::string_view normalized_name(std::string_view name, std::string& storage) {
  if (is_normalized_name(name)) return name;
  storage = normalize_name(name);
  return storage;
}

result<std::string> parse_name(std::string_view name) {
  const std::size_t bad = first_invalid(name);
  if (bad != std::string_view::npos) {
    std::string message =
        name.empty() ? std::string("empty project name")
                     : "invalid project name '" + excerpt(name) + "' at column " + std::to_string(bad + 1) +
                           ": names are letters and digits, with '.', '_' or '-' between them";
    return fail(errc::invalid_name, std::move(message), static_cast<std::uint32_t>(bad + 1));
  }
  return normalize_name(name);
}

}  // namespace pyresolve::packaging
