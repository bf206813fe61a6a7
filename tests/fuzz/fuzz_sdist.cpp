// PKG-INFO out of an sdist (libarchive: tar, gzip, bzip2, xz, zip): never crash; errors name
// the URL without its password.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "detail/sdist.hpp"

using namespace pyresolve;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto r = index::detail::sdist_pkg_info(bytes, "foo-1.0.tar.gz",
                                         "https://user:s3cret@example.org/foo-1.0.tar.gz");
  if (!r && r.error().to_string().find("s3cret") != std::string::npos) std::abort();
  return 0;
}
