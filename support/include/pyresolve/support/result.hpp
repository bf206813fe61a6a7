#pragma once
/// @file
/// Errors as values: `result<T>` holds either a value or an `error`.
/// GCC 12 has no `std::expected` in C++20 mode, so this is the small subset we use.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include "pyresolve/support/export.hpp"

namespace pyresolve {

/// What kind of failure an `error` describes. Callers branch on this, users read `message`.
enum class errc : std::uint8_t {
  invalid_version,
  invalid_specifier,
  invalid_name,
  invalid_requirement,
  invalid_marker,
  invalid_tag,
  invalid_filename,
  invalid_metadata,
  invalid_requirements_file,
  invalid_argument,
  io_error,
  not_found,
};

/// Returns a stable lowercase name for an error code (for logs and JSON reports).
[[nodiscard]] constexpr const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_version:
      return "invalid-version";
    case errc::invalid_specifier:
      return "invalid-specifier";
    case errc::invalid_name:
      return "invalid-name";
    case errc::invalid_requirement:
      return "invalid-requirement";
    case errc::invalid_marker:
      return "invalid-marker";
    case errc::invalid_tag:
      return "invalid-tag";
    case errc::invalid_filename:
      return "invalid-filename";
    case errc::invalid_metadata:
      return "invalid-metadata";
    case errc::invalid_requirements_file:
      return "invalid-requirements-file";
    case errc::invalid_argument:
      return "invalid-argument";
    case errc::io_error:
      return "io-error";
    case errc::not_found:
      return "not-found";
  }
  return "unknown";
}

/// A failure with enough context for a user to find its cause.
///
/// `source` names the file or URL when there is one; `line` and `column` are 1-based and 0
/// when unknown. `column` may also be set without `source` for a parse of a lone string, where
/// it is the 1-based offset into that string.
struct PYRESOLVE_API error {
  errc code{errc::invalid_argument};
  std::string message;
  std::string source;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  /// `file:line:col: message`, dropping the parts that are unknown.
  [[nodiscard]] std::string to_string() const {
    std::string out;
    if (!source.empty()) {
      out += source;
      if (line != 0) {
        out += ':' + std::to_string(line);
        if (column != 0) out += ':' + std::to_string(column);
      }
      out += ": ";
    }
    out += message;
    return out;
  }
};

/// Wraps an error so that `result<T>` can be built from it unambiguously.
template <class E = error>
struct unexpected {
  // A constructor rather than an aggregate, so `unexpected(e)` also compiles on clang 14,
  // which lacks C++20's parenthesized aggregate initialization.
  explicit unexpected(E failure) : value(std::move(failure)) {}
  E value;
};
template <class E>
unexpected(E) -> unexpected<E>;

/// Shorthand for returning a failure: `return fail(errc::invalid_version, "...")`.
[[nodiscard]] inline unexpected<error> fail(errc code, std::string message, std::uint32_t column = 0) {
  return unexpected<error>{error{code, std::move(message), {}, 0, column}};
}

/// A value of type `T` or an `E`. Accessing the wrong alternative is a bug and throws
/// `std::bad_variant_access`.
template <class T, class E = error>
class [[nodiscard]] result {
 public:
  using value_type = T;
  using error_type = E;

  template <class U = T, class = std::enable_if_t<std::is_constructible_v<T, U&&>>>
  result(U&& value) : m_storage(std::in_place_index<0>, std::forward<U>(value)) {}                // NOLINT
  result(unexpected<E> failure) : m_storage(std::in_place_index<1>, std::move(failure.value)) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return m_storage.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  [[nodiscard]] T& value() & { return std::get<0>(m_storage); }
  [[nodiscard]] const T& value() const& { return std::get<0>(m_storage); }
  [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_storage)); }
  [[nodiscard]] E& error() & { return std::get<1>(m_storage); }
  [[nodiscard]] const E& error() const& { return std::get<1>(m_storage); }
  [[nodiscard]] E&& error() && { return std::get<1>(std::move(m_storage)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  [[nodiscard]] T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> m_storage;
};

/// `result<void>`: success or an error.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(unexpected<E> failure) : m_error(std::move(failure.value)), m_failed(true) {}  // NOLINT

  [[nodiscard]] bool has_value() const noexcept { return !m_failed; }
  explicit operator bool() const noexcept { return has_value(); }
  [[nodiscard]] const E& error() const& { return m_error; }
  [[nodiscard]] E&& error() && { return std::move(m_error); }

 private:
  E m_error{};
  bool m_failed = false;
};

}  // namespace pyresolve
