#include "pyresolve/packaging/environment.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <utility>

#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace {

using mac_version = std::pair<std::uint32_t, std::uint32_t>;

// Parses a whole run of decimal digits into `out`; false on anything else or on overflow.
bool parse_uint(std::string_view text, std::uint32_t& out) noexcept {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.substr(0, prefix.size()) == prefix;
}

constexpr std::array<std::string_view, 7> linux_arches = {"x86_64", "aarch64", "i686",  "ppc64le",
                                                          "ppc64",  "s390x",   "armv7l"};

// Calls `f(interpreter, abi, p)` for every tag CPython `python` accepts, in the order of
// `cpython_tags()` then `compatible_tags()` (as `sys_tags()` yields them), where `p` indexes
// the target's platform tags and `platform_count` stands for "any".
template <class F>
void each_tag(const python_version& python, std::size_t platform_count, F&& f) {
  const std::string nodot = std::to_string(python.major) + std::to_string(python.minor);
  const std::string interpreter = "cp" + nodot;
  // Before 3.8 a non-debug CPython built with pymalloc had the `m` ABI flag.
  const std::string abi = (python.major == 3 && python.minor < 8) ? interpreter + "m" : interpreter;
  const bool abi3 = python.major > 3 || (python.major == 3 && python.minor >= 2);
  const std::string abi3_name = "abi3", none = "none";
  const auto row = [&](const std::string& interp, const std::string& abi_name) {
    for (std::size_t p = 0; p < platform_count; ++p) f(interp, abi_name, p);
  };
  row(interpreter, abi);
  if (abi3) row(interpreter, abi3_name);
  row(interpreter, none);
  if (abi3) {
    for (std::uint32_t minor = python.minor; minor-- > 2;) {
      row("cp" + std::to_string(python.major) + std::to_string(minor), abi3_name);
    }
  }
  std::vector<std::string> py_range{"py" + nodot, "py" + std::to_string(python.major)};
  for (std::uint32_t minor = python.minor; minor-- > 0;) {
    py_range.push_back("py" + std::to_string(python.major) + std::to_string(minor));
  }
  for (const auto& py : py_range) row(py, none);
  f(interpreter, none, platform_count);
  for (const auto& py : py_range) f(py, none, platform_count);
}

bool is_linux_arch(std::string_view arch) noexcept {
  return std::find(linux_arches.begin(), linux_arches.end(), arch) != linux_arches.end();
}

// The newest glibc minor that is too old for any manylinux tag on `arch`: packaging yields
// x86 tags down to glibc 2.5 (manylinux1) and every other architecture down to 2.17.
std::uint32_t too_old_glibc_minor(std::string_view arch) noexcept {
  return (arch == "x86_64" || arch == "i686") ? 4 : 16;
}

const char* legacy_manylinux(std::uint32_t glibc_minor) noexcept {
  switch (glibc_minor) {
    case 17:
      return "manylinux2014";
    case 12:
      return "manylinux2010";
    case 5:
      return "manylinux1";
    default:
      return nullptr;
  }
}

// `packaging.tags._mac_binary_formats`.
std::vector<std::string> mac_binary_formats(mac_version version, const std::string& arch) {
  std::vector<std::string> formats{arch};
  if (arch == "x86_64") {
    if (version < mac_version{10, 4}) return {};
    formats.insert(formats.end(), {"intel", "fat64", "fat32"});
  } else if (arch == "i386") {
    if (version < mac_version{10, 4}) return {};
    formats.insert(formats.end(), {"intel", "fat32", "fat"});
  } else if (arch == "ppc64") {
    if (version > mac_version{10, 5} || version < mac_version{10, 4}) return {};
    formats.emplace_back("fat64");
  } else if (arch == "ppc") {
    if (version > mac_version{10, 6}) return {};
    formats.insert(formats.end(), {"fat32", "fat"});
  }
  if (arch == "arm64" || arch == "x86_64") formats.emplace_back("universal2");
  if (arch == "x86_64" || arch == "i386" || arch == "ppc64" || arch == "ppc" || arch == "intel") {
    formats.emplace_back("universal");
  }
  return formats;
}

std::string mac_tag(std::uint32_t major, std::uint32_t minor, const std::string& format) {
  return "macosx_" + std::to_string(major) + '_' + std::to_string(minor) + '_' + format;
}

// `packaging.tags.mac_platforms(version, arch)`.
std::vector<std::string> mac_platforms(mac_version version, const std::string& arch) {
  std::vector<std::string> out;
  if (version >= mac_version{10, 0} && version < mac_version{11, 0}) {
    for (std::uint32_t minor = version.second + 1; minor-- > 0;) {
      for (const auto& format : mac_binary_formats({10, minor}, arch))
        out.push_back(mac_tag(10, minor, format));
    }
  }
  if (version >= mac_version{11, 0}) {
    // Since macOS 11 the major number is the yearly release; x.0 stands for the whole year.
    for (std::uint32_t major = version.first; major > 10; --major) {
      for (const auto& format : mac_binary_formats({major, 0}, arch))
        out.push_back(mac_tag(major, 0, format));
    }
    // x86_64 runs binaries built for any 10.x; arm64 only universal2 ones whose x86_64 half
    // names an older 10.x.
    for (std::uint32_t minor = 16; minor > 3; --minor) {
      if (arch == "x86_64") {
        for (const auto& format : mac_binary_formats({10, minor}, arch))
          out.push_back(mac_tag(10, minor, format));
      } else {
        out.push_back(mac_tag(10, minor, "universal2"));
      }
    }
  }
  return out;
}

result<target_platform> parse_linux_tail(std::string_view arch, std::string_view tail,
                                         std::string_view name) {
  const auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "invalid target platform '" + excerpt(name) + "': " + why);
  };
  if (!is_linux_arch(arch)) {
    return bad("unknown Linux architecture '" + excerpt(arch) +
               "' (expected x86_64, aarch64, i686, ppc64le, ppc64, s390x or armv7l)");
  }
  target_platform out;
  out.arch = std::string(arch);
  if (tail == "unknown-linux-gnu") return target_platform{target_os::manylinux, out.arch, 2, 17};
  if (tail == "unknown-linux-musl") return target_platform{target_os::musllinux, out.arch, 1, 2};
  if (tail == "manylinux2014") return target_platform{target_os::manylinux, out.arch, 2, 17};
  if (tail == "manylinux2010")
    out = target_platform{target_os::manylinux, out.arch, 2, 12};
  else if (tail == "manylinux1")
    out = target_platform{target_os::manylinux, out.arch, 2, 5};
  else if (starts_with(tail, "manylinux_2_")) {
    std::uint32_t minor = 0;
    if (!parse_uint(tail.substr(12), minor)) return bad("expected manylinux_2_N");
    out = target_platform{target_os::manylinux, out.arch, 2, minor};
  } else if (starts_with(tail, "musllinux_1_")) {
    std::uint32_t minor = 0;
    if (!parse_uint(tail.substr(12), minor)) return bad("expected musllinux_1_N");
    return target_platform{target_os::musllinux, out.arch, 1, minor};
  } else {
    return bad("unknown platform");
  }
  if (out.minor <= too_old_glibc_minor(out.arch)) {
    return bad("glibc 2." + std::to_string(out.minor) + " is older than any manylinux tag for " + out.arch);
  }
  return out;
}

}  // namespace

result<target_platform> target_platform::parse(std::string_view name) {
  if (name == "linux") return target_platform{target_os::manylinux, "x86_64", 2, 17};
  if (name == "macos") return target_platform{target_os::macos, "arm64", 13, 0};
  if (name == "windows") return target_platform{target_os::windows, "amd64", 0, 0};
  if (name == "aarch64-apple-darwin" || name == "arm64-apple-darwin") {
    return target_platform{target_os::macos, "arm64", 13, 0};
  }
  if (name == "x86_64-apple-darwin") return target_platform{target_os::macos, "x86_64", 13, 0};
  if (name == "x86_64-pc-windows-msvc") return target_platform{target_os::windows, "amd64", 0, 0};
  if (name == "i686-pc-windows-msvc") return target_platform{target_os::windows, "win32", 0, 0};
  if (name == "aarch64-pc-windows-msvc") return target_platform{target_os::windows, "arm64", 0, 0};
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) {
    return fail(errc::invalid_argument,
                "invalid target platform '" + excerpt(name) +
                    "': expected linux, macos, windows or a target such as x86_64-manylinux_2_28");
  }
  return parse_linux_tail(name.substr(0, dash), name.substr(dash + 1), name);
}

std::vector<std::string> target_platform::platform_tags() const {
  std::vector<std::string> out;
  switch (os) {
    case target_os::manylinux: {
      const std::uint32_t too_old = too_old_glibc_minor(arch);
      // Only glibc 2.x exists; packaging assumes every older 2.y is compatible.
      if (major == 2) {
        for (std::uint32_t glibc = minor; glibc > too_old; --glibc) {
          out.push_back("manylinux_2_" + std::to_string(glibc) + '_' + arch);
          if (const char* legacy = legacy_manylinux(glibc)) out.push_back(std::string(legacy) + '_' + arch);
        }
      }
      out.push_back("linux_" + arch);
      break;
    }
    case target_os::musllinux:
      for (std::uint32_t musl = minor + 1; musl-- > 0;) {
        out.push_back("musllinux_" + std::to_string(major) + '_' + std::to_string(musl) + '_' + arch);
      }
      out.push_back("linux_" + arch);
      break;
    case target_os::macos:
      out = mac_platforms({major, minor}, arch);
      break;
    case target_os::windows:
      out.push_back(arch == "win32" ? std::string("win32") : "win_" + arch);
      break;
  }
  return out;
}

result<python_version> python_version::parse(std::string_view text) {
  const auto bad = [&]() {
    return fail(errc::invalid_argument, "invalid Python version '" + excerpt(text) +
                                            "': expected X.Y or X.Y.Z, such as 3.12 or 3.13.0rc1");
  };
  python_version out;
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return bad();
  if (!parse_uint(text.substr(0, dot), out.major)) return bad();
  std::string_view rest = text.substr(dot + 1);
  const std::size_t dot2 = rest.find('.');
  if (!parse_uint(rest.substr(0, dot2), out.minor)) return bad();
  if (dot2 != std::string_view::npos) {
    std::string_view patch_text = rest.substr(dot2 + 1);
    // A pre-release suffix: `a`, `b` or `rc` and digits.
    const std::size_t suffix = patch_text.find_first_not_of("0123456789");
    if (suffix != std::string_view::npos) {
      const std::string_view pre = patch_text.substr(suffix);
      const std::size_t letters = pre.starts_with("rc")                            ? 2
                                  : (pre.starts_with('a') || pre.starts_with('b')) ? 1
                                                                                   : 0;
      std::uint32_t number = 0;
      if (letters == 0 || !parse_uint(pre.substr(letters), number)) return bad();
      out.pre_release = std::string(pre);
      patch_text = patch_text.substr(0, suffix);
    }
    std::uint32_t patch = 0;
    if (!parse_uint(patch_text, patch)) return bad();
    out.patch = patch;
  }
  // Tags spell the version without a dot (`cp312`), so a major above 9 would be ambiguous.
  if (out.major < 2 || out.major > 9) return bad();
  return out;
}

std::string python_version::short_string() const {
  return std::to_string(major) + '.' + std::to_string(minor);
}

std::string python_version::full_string() const { return release_string() + pre_release; }

std::string python_version::release_string() const {
  return short_string() + '.' + std::to_string(patch.value_or(0));
}

result<target_environment> target_environment::create(std::string_view python, std::string_view platform) {
  auto parsed_python = python_version::parse(python);
  if (!parsed_python) return unexpected<error>{std::move(parsed_python).error()};
  auto parsed_platform = target_platform::parse(platform);
  if (!parsed_platform) return unexpected<error>{std::move(parsed_platform).error()};
  return create(*parsed_python, *parsed_platform);
}

const std::shared_ptr<const target_environment::state>& target_environment::empty_state() {
  static const std::shared_ptr<const state> empty = std::make_shared<const state>();
  return empty;
}

target_environment target_environment::create(const python_version& python, const target_platform& platform) {
  auto built = std::make_shared<state>();
  built->python = python;
  built->platform = platform;

  // Marker values, as CPython reports them on the target.
  auto& m = built->markers;
  const std::string full = python.full_string();
  m.set(marker_var::implementation_name, "cpython");
  m.set(marker_var::implementation_version, full);
  m.set(marker_var::platform_python_implementation, "CPython");
  m.set(marker_var::python_full_version, full);
  m.set(marker_var::python_version, python.short_string());
  m.set(marker_var::platform_release, "");
  m.set(marker_var::platform_version, "");
  switch (platform.os) {
    case target_os::manylinux:
    case target_os::musllinux:
      m.set(marker_var::os_name, "posix");
      m.set(marker_var::sys_platform, "linux");
      m.set(marker_var::platform_system, "Linux");
      m.set(marker_var::platform_machine, platform.arch);
      break;
    case target_os::macos:
      m.set(marker_var::os_name, "posix");
      m.set(marker_var::sys_platform, "darwin");
      m.set(marker_var::platform_system, "Darwin");
      m.set(marker_var::platform_machine, platform.arch);
      break;
    case target_os::windows:
      m.set(marker_var::os_name, "nt");
      m.set(marker_var::sys_platform, "win32");
      m.set(marker_var::platform_system, "Windows");
      m.set(marker_var::platform_machine, platform.arch == "amd64"   ? "AMD64"
                                          : platform.arch == "arm64" ? "ARM64"
                                                                     : "x86");
      break;
  }

  // Each part is numbered once; then every tag's rank goes into a dense table indexed by the
  // three numbers. Strings for `tags()` are made only if someone asks for them (tests do; a
  // resolve only ranks): building them was 0.42 M of a warm resolve's 16.3 M instructions.
  const std::vector<std::string> platforms = platform.platform_tags();
  const auto intern = [](part_index& index, const std::string& part) {
    return index.try_emplace(part, static_cast<std::uint32_t>(index.size())).first->second;
  };
  std::vector<std::uint32_t> platform_ids;
  platform_ids.reserve(platforms.size() + 1);
  for (const auto& p : platforms) platform_ids.push_back(intern(built->platforms, p));
  platform_ids.push_back(intern(built->platforms, "any"));
  struct tag_ids {
    std::uint32_t interpreter, abi, platform;
  };
  std::vector<tag_ids> order;
  std::string last_interpreter, last_abi;
  std::uint32_t interpreter_id = 0, abi_id = 0;
  each_tag(python, platforms.size(),
           [&](const std::string& interp, const std::string& abi_name, std::size_t p) {
             // Rows repeat one interpreter and ABI over every platform: hash them once per row.
             if (order.empty() || interp != last_interpreter)
               interpreter_id = intern(built->interpreters, last_interpreter = interp);
             if (order.empty() || abi_name != last_abi) abi_id = intern(built->abis, last_abi = abi_name);
             order.push_back({interpreter_id, abi_id, platform_ids[p]});
           });
  built->tag_count = static_cast<std::uint32_t>(order.size());
  built->rank_table.assign(built->interpreters.size() * built->abis.size() * built->platforms.size(),
                           no_rank);
  for (std::uint32_t r = 0; r < order.size(); ++r) {
    auto& cell = built->rank_table[built->cell(order[r].interpreter, order[r].abi, order[r].platform)];
    if (cell == no_rank) cell = r;  // the first occurrence of a tag wins
  }
  target_environment env;
  env.m_state = std::move(built);
  return env;
}

const target_environment& target_environment::default_target() {
  // Built once and never changed: every default-constructed options struct copies it (a
  // reference count) instead of building the tag table again (~200 allocations each).
  static const target_environment built = create(python_version{3, 11, std::nullopt}, target_platform{});
  return built;
}

std::optional<std::uint32_t> target_environment::find(const part_index& index,
                                                      std::string_view part) noexcept {
  const auto it = index.find(part);
  if (it == index.end()) return std::nullopt;
  return it->second;
}

const std::vector<wheel_tag>& target_environment::tags() const {
  const state& s = *m_state;
  std::call_once(s.tags_once, [&] {
    if (s.tag_count == 0) return;  // the empty environment
    const std::vector<std::string> platforms = s.platform.platform_tags();
    s.tags.reserve(s.tag_count);
    each_tag(s.python, platforms.size(),
             [&](const std::string& interp, const std::string& abi, std::size_t p) {
               s.tags.push_back({interp, abi, p < platforms.size() ? platforms[p] : std::string("any")});
             });
  });
  return s.tags;
}

std::optional<std::uint32_t> target_environment::rank(std::string_view interpreter, std::string_view abi,
                                                      std::string_view platform) const noexcept {
  const state& s = *m_state;
  const auto i = find(s.interpreters, interpreter);
  if (!i) return std::nullopt;
  const auto a = find(s.abis, abi);
  if (!a) return std::nullopt;
  const auto p = find(s.platforms, platform);
  if (!p) return std::nullopt;
  return rank_of(*i, *a, *p);
}

std::optional<std::uint32_t> target_environment::part_id(tag_part part,
                                                         std::string_view text) const noexcept {
  switch (part) {
    case tag_part::interpreter:
      return find(m_state->interpreters, text);
    case tag_part::abi:
      return find(m_state->abis, text);
    case tag_part::platform:
      return find(m_state->platforms, text);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> target_environment::rank_of(std::uint32_t interpreter, std::uint32_t abi,
                                                         std::uint32_t platform) const noexcept {
  const state& s = *m_state;
  if (interpreter >= s.interpreters.size() || abi >= s.abis.size() || platform >= s.platforms.size())
    return std::nullopt;
  const std::uint32_t r = s.rank_table[s.cell(interpreter, abi, platform)];
  if (r == no_rank) return std::nullopt;
  return r;
}

std::optional<std::uint32_t> target_environment::rank(const compressed_tag_set& tags) const noexcept {
  std::optional<std::uint32_t> best;
  for (const auto& interpreter : tags.interpreters) {
    for (const auto& abi : tags.abis) {
      for (const auto& platform : tags.platforms) {
        const auto r = rank(interpreter, abi, platform);
        if (r && (!best || *r < *best)) best = r;
      }
    }
  }
  return best;
}

}  // namespace pyresolve::packaging
