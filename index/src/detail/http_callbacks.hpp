#pragma once
// The write and header callbacks the HTTP client gives libcurl. They run inside curl's C
// code, so nothing may be thrown out of them: each does its work through `guarded`, which
// turns an exception or an exceeded limit into curl's error return and records why, for the
// client to report with the URL once curl hands the transfer back.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <utility>

#include "pyresolve/index/http.hpp"

namespace pyresolve::index::detail {

/// Why a callback stopped a transfer.
enum class abort_reason : std::uint8_t { none, body_too_large, headers_too_large, out_of_memory };

/// What the callbacks of one transfer write into and check against.
struct response_sink {
  http_response* response = nullptr;
  std::uint64_t max_body = 0;     ///< decompressed body bytes
  std::uint64_t max_headers = 0;  ///< header bytes of all responses of a redirect chain
  std::uint64_t header_bytes = 0;
  std::uint64_t received = 0;  ///< header and body bytes, for the retry decision
  abort_reason aborted = abort_reason::none;
};

/// curl's "stop this transfer" answer from a write or header callback.
inline constexpr std::size_t callback_error = static_cast<std::size_t>(0xFFFFFFFFU);

/// Runs `work` (which returns the count curl expects back on success) so that nothing escapes:
/// an exception becomes `callback_error` with `out_of_memory` recorded (allocation is the only
/// thing that can throw in these callbacks).
template <class Work>
std::size_t guarded(response_sink& sink, Work&& work) noexcept {
  try {
    return std::forward<Work>(work)();
  } catch (...) {
    sink.aborted = abort_reason::out_of_memory;
    return callback_error;
  }
}

/// CURLOPT_WRITEFUNCTION; `user` is a `response_sink*`. Both callbacks are exported
/// (PYRESOLVE_API) for tests/index/hostile_test.cpp, which calls them in a shared build too.
PYRESOLVE_API std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) noexcept;
/// CURLOPT_HEADERFUNCTION; `user` is a `response_sink*`.
PYRESOLVE_API std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) noexcept;

}  // namespace pyresolve::index::detail
