#include "pyresolve/index/metadata_build.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "detail/hook_runner.hpp"
#include "detail/subprocess.hpp"
#include "detail/zip.hpp"
#include "pyresolve/index/index_client.hpp"
#include "pyresolve/packaging/excerpt.hpp"
#include "pyresolve/packaging/pyproject.hpp"
#include "pyresolve/packaging/requirements_file.hpp"
#include "pyresolve/packaging/tags.hpp"
#include "pyresolve/support/json.hpp"

namespace pyresolve::index {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t max_built_wheel = std::uint64_t{1} << 30U;
constexpr std::string_view default_backend = "setuptools.build_meta:__legacy__";

unexpected<error> build_error(const std::string& label, std::string message,
                              errc code = errc::invalid_metadata) {
  return unexpected(error{code, "building its metadata: " + std::move(message), label, 0, 0});
}

/// The last lines of a process's standard error, for a message.
std::string tail_of(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  std::size_t start = text.size();
  for (int lines = 0; lines < 12 && start > 0; ++lines) {
    const std::size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string::npos ? 0 : nl;
    if (nl == std::string::npos) break;
  }
  std::string tail = text.substr(start);
  if (!tail.empty() && tail.front() == '\n') tail.erase(0, 1);
  if (tail.size() > 4000) tail.erase(0, tail.size() - 4000);
  std::string out;
  std::size_t at = 0;
  while (at <= tail.size()) {
    const std::size_t nl = std::min(tail.find('\n', at), tail.size());
    out += "    " + packaging::printable(std::string_view(tail).substr(at, nl - at)) +
           (nl < tail.size() ? "\n" : "");
    at = nl + 1;
  }
  return out;
}

/// Writes `text` to `path` through a temporary file and a rename (readers see all or nothing).
result<void> write_whole(const fs::path& path, std::string_view text) {
  const fs::path temp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) return fail(errc::io_error, "cannot write " + temp.string());
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) return fail(errc::io_error, "cannot write " + path.string() + ": " + ec.message());
  return {};
}

/// PEP 517 `config_settings` as the hook runner reads them: a JSON object, a key given
/// several times holding the list of its values (uv's rule); empty when there are none.
std::string settings_json(const std::vector<std::pair<std::string, std::string>>& settings) {
  if (settings.empty()) return {};
  std::vector<std::pair<std::string, std::vector<std::string>>> keys;
  for (const auto& setting : settings) {
    // (Not a structured binding: clang 14, the fuzz preset, cannot capture one.)
    auto it = std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first == setting.first; });
    if (it == keys.end()) {
      keys.push_back({setting.first, {setting.second}});
    } else {
      it->second.push_back(setting.second);
    }
  }
  std::string out = "{";
  for (const auto& [key, values] : keys) {
    if (out.size() > 1) out += ", ";
    append_json_string(out, key);
    out += ": ";
    if (values.size() == 1) {
      append_json_string(out, values.front());
      continue;
    }
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i != 0) out += ", ";
      append_json_string(out, values[i]);
    }
    out += ']';
  }
  return out + '}';
}

class builder {
 public:
  builder(const fs::path& project, bool editable, std::string label, const build_options& options)
      : m_project(project),
        m_kind(editable ? "editable" : "wheel"),
        m_label(std::move(label)),
        m_options(options),
        m_settings(settings_json(options.config_settings)) {
    m_root = options.cache_dir / "build-v1";
  }
  ~builder() {
    for (const auto& temp : m_temps) {
      std::error_code ec;
      fs::remove_all(temp, ec);
    }
  }
  builder(const builder&) = delete;
  builder& operator=(const builder&) = delete;

  /// The cache folder and the runner.
  result<void> prepare() {
    std::error_code ec;
    fs::create_directories(m_root, ec);
    if (ec)
      return build_error(m_label, "cannot create " + m_root.string() + ": " + ec.message(), errc::io_error);
    return write_runner();
  }

  result<void> extract(const fs::path& archive, const fs::path& into) const {
    auto ran = python({"", "extract", into.string(), archive.string()}, true);
    if (!ran) return unexpected(std::move(ran).error());
    return {};
  }

  result<packaging::core_metadata> run(const std::string& identity) {
    if (auto ready = prepare(); !ready) return unexpected(std::move(ready).error());
    const fs::path cached =
        m_root / ("metadata-" + sha256_hex(identity + '\0' + m_kind + '\0' + m_options.python +
                                           (m_options.isolation ? "\1" : "\0") + m_settings)
                                    .substr(0, 32));
    if (auto text = packaging::read_file_contents(cached)) {
      if (auto metadata = packaging::core_metadata::parse(*text, cached.string())) return metadata;
    }
    auto system = read_build_system();
    if (!system) return unexpected(std::move(system).error());
    m_backend_spec = system->backend;
    m_backend_path = system->backend_path_json;
    std::string site;
    if (m_options.isolation) {
      auto env = environment_for(system->requirements);
      if (!env) return unexpected(std::move(env).error());
      site = env->string();
      // What the backend asks for beyond `requires` (setuptools: `wheel` for build_wheel).
      auto extra = hook_requires(site);
      if (!extra) return unexpected(std::move(extra).error());
      if (!extra->empty()) {
        std::vector<packaging::requirement> all = system->requirements;
        all.insert(all.end(), extra->begin(), extra->end());
        env = environment_for(all);
        if (!env) return unexpected(std::move(env).error());
        site = env->string();
      }
    }
    auto text = metadata_text(site);
    if (!text) return unexpected(std::move(text).error());
    auto metadata = packaging::core_metadata::parse(*text, m_label + " (built METADATA)");
    if (!metadata) return unexpected(std::move(metadata).error());
    // Best effort: a cache that cannot be written costs the next run a build.
    static_cast<void>(write_whole(cached, *text));
    return metadata;
  }

 private:
  struct build_system {
    std::vector<packaging::requirement> requirements;
    std::string backend;
    std::string backend_path_json = "[]";
  };

  result<build_system> read_build_system() const {
    build_system out;
    out.backend = std::string(default_backend);
    const fs::path pyproject = m_project / "pyproject.toml";
    std::error_code ec;
    bool declared = false;
    if (fs::exists(pyproject, ec)) {
      auto text = packaging::read_file_contents(pyproject);
      if (!text) return unexpected(std::move(text).error());
      auto parsed = packaging::parse_build_system(*text, pyproject.string());
      if (!parsed) return unexpected(std::move(parsed).error());
      if (parsed->has_requires) {
        out.requirements = std::move(parsed->requirements);
        declared = true;
      }
      if (!parsed->backend.empty()) out.backend = parsed->backend;
      out.backend_path_json = "[";
      for (const auto& path : parsed->backend_path) {
        // Inside the project only (PEP 517).
        const fs::path p(path);
        if (p.is_absolute() || std::any_of(p.begin(), p.end(), [](const auto& part) { return part == ".."; }))
          return build_error(
              m_label, "[build-system] backend-path '" + packaging::excerpt(path) + "' leaves the project");
        std::string quoted;
        for (char c : path) {
          if (c == '"' || c == '\\') quoted += '\\';
          if (static_cast<unsigned char>(c) < 0x20)
            return build_error(m_label, "a control character in backend-path");
          quoted += c;
        }
        out.backend_path_json += (out.backend_path_json.size() > 1 ? ",\"" : "\"") + quoted + "\"";
      }
      out.backend_path_json += "]";
    } else if (!fs::exists(m_project / "setup.py", ec)) {
      return build_error(m_label, "no pyproject.toml and no setup.py in " + m_project.string(),
                         errc::not_found);
    }
    if (!declared) out.requirements.push_back(*packaging::requirement::parse("setuptools>=40.8.0"));
    return out;
  }

  result<void> write_runner() {
    m_runner = m_root / ("runner-" + sha256_hex(detail::hook_runner_source).substr(0, 16) + ".py");
    std::error_code ec;
    if (fs::exists(m_runner, ec)) return {};
    return write_whole(m_runner, detail::hook_runner_source);
  }

  result<detail::subprocess_result> python(const std::vector<std::string>& args, bool isolated_site) const {
    std::vector<std::string> argv{m_options.python, "-I"};
    if (isolated_site) argv.emplace_back("-S");
    argv.push_back(m_runner.string());
    argv.insert(argv.end(), args.begin(), args.end());
    detail::subprocess_options options;
    options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(m_options.timeout);
    options.working_directory = m_project;
    // Build backends read these; nothing else of ours should steer them.
    options.environment = {"PIP_NO_INDEX=1", "SETUPTOOLS_USE_DISTUTILS=local"};
    auto ran = detail::run_subprocess(argv, options);
    if (!ran) {
      auto failure = std::move(ran).error();
      return build_error(m_label, failure.message, errc::io_error);
    }
    if (ran->exit_code != 0) {
      return build_error(m_label,
                         m_options.python + " exited with " +
                             (ran->exit_code < 0 ? std::string("a signal") : std::to_string(ran->exit_code)) +
                             "; the backend said:\n" + tail_of(std::move(ran->err)));
    }
    return ran;
  }

  /// The unpacked environment of the wheels `requirements` resolve to.
  result<fs::path> environment_for(const std::vector<packaging::requirement>& requirements) const {
    if (!m_options.wheels_for)
      return build_error(m_label, "no way to fetch the build requirements", errc::invalid_argument);
    auto wheels = m_options.wheels_for(requirements);
    if (!wheels) {
      auto failure = std::move(wheels).error();
      return build_error(m_label, "its build requirements: " + failure.to_string(), failure.code);
    }
    std::vector<std::string> keys;
    for (const auto& wheel : *wheels) {
      std::error_code ec;
      const auto size = fs::file_size(wheel, ec);
      keys.push_back(wheel.filename().string() + ':' + std::to_string(ec ? 0 : size));
    }
    std::sort(keys.begin(), keys.end());
    std::string key;
    for (const auto& k : keys) key += k + '\n';
    const fs::path env = m_root / ("env-" + sha256_hex(key).substr(0, 32));
    std::error_code ec;
    if (fs::is_directory(env, ec)) return env;
    std::vector<std::string> args{env.string(), "unpack"};
    for (const auto& wheel : *wheels) args.push_back(wheel.string());
    auto ran = python(args, true);
    if (!ran) return unexpected(std::move(ran).error());
    return env;
  }

  result<std::vector<packaging::requirement>> hook_requires(const std::string& site) {
    auto temp = temp_dir();
    if (!temp) return unexpected(std::move(temp).error());
    const fs::path out = *temp / "requires.json";
    auto ran =
        python({site, "requires", m_backend_spec, m_backend_path, m_kind, out.string(), m_settings}, true);
    if (!ran) return unexpected(std::move(ran).error());
    auto text = packaging::read_file_contents(out);
    if (!text) return build_error(m_label, "the requires hook wrote no answer");
    // A JSON list of strings: `["wheel"]`.
    std::vector<packaging::requirement> out_list;
    const std::string& t = *text;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (t[i] != '"') continue;
      std::string item;
      for (++i; i < t.size() && t[i] != '"'; ++i) {
        if (t[i] == '\\' && i + 1 < t.size()) ++i;
        item += t[i];
      }
      auto req = packaging::requirement::parse(item);
      if (!req)
        return build_error(
            m_label, "the backend asked for '" + packaging::excerpt(item) + "': " + req.error().message);
      out_list.push_back(std::move(*req));
    }
    return out_list;
  }

  result<std::string> metadata_text(const std::string& site) {
    auto temp = temp_dir();
    if (!temp) return unexpected(std::move(temp).error());
    const fs::path dir = *temp / "out";
    const fs::path answer = *temp / "answer.json";
    auto ran = python(
        {site, "metadata", m_backend_spec, m_backend_path, m_kind, dir.string(), answer.string(), m_settings},
        m_options.isolation);
    if (!ran) return unexpected(std::move(ran).error());
    auto text = packaging::read_file_contents(answer);
    if (!text) return build_error(m_label, "the metadata hook wrote no answer");
    // {"metadata": "NAME"} or {"wheel": "NAME"}: one file name inside `dir`.
    const bool is_wheel = text->find("\"wheel\"") != std::string::npos;
    const std::size_t colon = text->find(':');
    const std::size_t open = text->find('"', colon == std::string::npos ? 0 : colon);
    const std::size_t close = open == std::string::npos ? open : text->find('"', open + 1);
    if (close == std::string::npos) return build_error(m_label, "the metadata hook's answer is malformed");
    const std::string name = text->substr(open + 1, close - open - 1);
    if (const char* why = packaging::unsafe_filename(name))
      return build_error(m_label, "the backend named '" + packaging::excerpt(name) + "': " + why);
    if (!is_wheel) {
      auto metadata = packaging::read_file_contents(dir / name / "METADATA");
      if (!metadata) return build_error(m_label, "no METADATA in the backend's " + name);
      return metadata;
    }
    std::ifstream in(dir / name, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string wheel = std::move(bytes).str();
    if (wheel.empty() || wheel.size() > max_built_wheel)
      return build_error(m_label, "the built wheel cannot be read");
    detail::range_reader nothing_outside = [](std::uint64_t, std::uint64_t) -> result<std::string> {
      return fail(errc::invalid_metadata, "unreachable: the whole archive is in memory");
    };
    return detail::wheel_metadata(wheel, wheel.size(), nothing_outside, name);
  }

  /// A fresh folder for one hook's output, removed with the builder.
  result<fs::path> temp_dir() {
    std::string pattern = (m_root / "tmp-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      return build_error(m_label, "cannot create a temporary folder", errc::io_error);
    m_temps.emplace_back(pattern);
    return m_temps.back();
  }

  fs::path m_project;
  std::string m_kind;
  std::string m_label;
  const build_options& m_options;
  std::string m_settings;  ///< `config_settings` as a JSON object; empty when none
  fs::path m_root;
  fs::path m_runner;
  std::string m_backend_spec;
  std::string m_backend_path;
  std::vector<fs::path> m_temps;
};

}  // namespace

std::string directory_identity(const fs::path& project_dir) {
  std::string out = fs::absolute(project_dir).lexically_normal().string();
  for (const char* name : {"pyproject.toml", "setup.py", "setup.cfg"}) {
    struct stat st {};
    out += '\n';
    out += name;
    if (::stat((project_dir / name).c_str(), &st) == 0) {
      out += ':' + std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) + ':' +
             std::to_string(st.st_size);
    }
  }
  return out;
}

result<packaging::core_metadata> build_sdist_metadata(std::string_view archive, const std::string& filename,
                                                      const std::string& label,
                                                      const build_options& options) {
  if (options.cache_dir.empty())
    return build_error(label, "builds need the cache (--no-cache is set)", errc::invalid_argument);
  if (const char* why = packaging::unsafe_filename(filename))
    return build_error(label, why, errc::invalid_argument);
  const std::string identity = "sdist:" + sha256_hex(archive);
  const fs::path root = options.cache_dir / "build-v1";
  std::error_code ec;
  fs::create_directories(root, ec);
  std::string pattern = (root / "sdist-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    return build_error(label, "cannot create a temporary folder", errc::io_error);
  const fs::path temp(pattern);
  struct remove_at_end {
    fs::path path;
    ~remove_at_end() {
      std::error_code ignored;
      fs::remove_all(path, ignored);
    }
  } cleanup{temp};
  if (auto written = write_whole(temp / filename, archive); !written)
    return unexpected(std::move(written).error());
  builder extractor(temp, false, label, options);
  if (auto runner = extractor.prepare(); !runner) return unexpected(std::move(runner).error());
  auto extracted = extractor.extract(temp / filename, temp / "src");
  if (!extracted) return unexpected(std::move(extracted).error());
  // The project is the archive's one top-level folder.
  std::vector<fs::path> tops;
  for (const auto& entry : fs::directory_iterator(temp / "src", ec)) tops.push_back(entry.path());
  if (tops.size() != 1 || !fs::is_directory(tops.front(), ec))
    return build_error(label, "the sdist does not hold exactly one top-level folder");
  builder b(tops.front(), false, label, options);
  return b.run(identity);
}

result<packaging::core_metadata> build_metadata(const fs::path& project_dir, bool editable,
                                                const std::string& identity, const std::string& label,
                                                const build_options& options) {
  if (options.cache_dir.empty())
    return build_error(label, "builds need the cache (--no-cache is set)", errc::invalid_argument);
  builder b(project_dir, editable, label, options);
  return b.run(identity);
}

}  // namespace pyresolve::index
