#include "pyresolve/cli/batch_job.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>

#include "pyresolve/cli/json_value.hpp"
#include "pyresolve/support/json.hpp"

namespace pyresolve::cli {
namespace {

// The batch's own flags (and the ones only it can honour): given per job they would change
// the process, not the job.
constexpr std::array<std::string_view, 15> batch_flags{
    "output-file", "format", "directory",   "threads", "allocator", "cache-dir", "no-cache",      "quiet",
    "verbose",     "color",  "no-progress", "help",    "version",   "shard",     "stack-projects"};

std::string flag_name(std::string_view key) {
  std::string name(key);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

bool valid_key(std::string_view key) {
  return !key.empty() && key.size() <= 64 && key.front() >= 'a' && key.front() <= 'z' &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

/// A string, or an array of strings, as a list.
result<std::vector<std::string>> strings_of(std::string_view key, const json_value& value) {
  std::vector<std::string> out;
  if (value.type == json_value::kind::string) {
    out.push_back(value.text);
    return out;
  }
  if (value.type == json_value::kind::array) {
    for (const auto& item : value.items) {
      if (item.type != json_value::kind::string)
        return fail(errc::invalid_argument, "\"" + std::string(key) + "\" must hold strings only");
      out.push_back(item.text);
    }
    return out;
  }
  return fail(errc::invalid_argument, "\"" + std::string(key) + "\" must be a string or an array of strings");
}

/// One scalar as a flag's value; nullopt for what gives no value.
std::optional<std::string> scalar(const json_value& value) {
  if (value.type == json_value::kind::string || value.type == json_value::kind::number) return value.text;
  return std::nullopt;
}

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  // Mixed once more (splitmix64's finalizer) so that neighbouring ids spread over shards.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::optional<std::uint64_t> number_of(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

}  // namespace

result<batch_job> read_batch_job(std::string_view line) {
  if (line.size() > max_job_line)
    return fail(errc::invalid_argument, "the line is longer than " + std::to_string(max_job_line) + " bytes");
  auto parsed = parse_json(line);
  if (!parsed) return unexpected(parsed.error());
  if (parsed->type != json_value::kind::object) return fail(errc::invalid_argument, "a job is a JSON object");
  batch_job job;
  std::vector<std::string> seen;
  bool has_requirements = false;
  for (const auto& [key, value] : parsed->members) {
    if (!valid_key(key))
      return fail(errc::invalid_argument, "\"" + key + "\" is not an option name (letters, digits, - and _)");
    const std::string name = flag_name(key);
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      return fail(errc::invalid_argument, "\"" + key + "\" is given twice");
    seen.push_back(name);
    if (name == "id") {
      if (value.type == json_value::kind::string) {
        append_json_string(job.id, value.text);
      } else if (value.type == json_value::kind::number &&
                 value.text.find_first_of(".eE") == std::string::npos) {
        job.id = value.text;
      } else {
        return fail(errc::invalid_argument, "\"id\" must be a string or an integer");
      }
    } else if (name == "requirements") {
      if (value.type != json_value::kind::array)
        return fail(errc::invalid_argument, "\"requirements\" must be an array of strings");
      auto lines = strings_of(key, value);
      if (!lines) return unexpected(lines.error());
      for (const auto& text : *lines) {
        if (text.find_first_of("\r\n") != std::string::npos)
          return fail(errc::invalid_argument, "a requirement in \"requirements\" holds a line break");
        job.requirements += text + "\n";
      }
      has_requirements = true;
    } else if (name == "file") {
      auto files = strings_of(key, value);
      if (!files) return unexpected(files.error());
      for (auto& file : *files) {
        if (file.empty() || file == "-")
          return fail(errc::invalid_argument, "\"file\" names a file (\"requirements\" gives them inline)");
        // A name starting with a dash would read as a flag.
        job.sources.push_back(file.front() == '-' ? "./" + file : file);
      }
    } else if (std::find(batch_flags.begin(), batch_flags.end(), name) != batch_flags.end()) {
      return fail(errc::invalid_argument,
                  "\"" + key + "\" is the whole batch's: give it on the `resolve batch` command line");
    } else if (value.type == json_value::kind::boolean) {
      if (value.boolean) job.flags.push_back("--" + name);
    } else if (value.type == json_value::kind::null) {
      continue;
    } else if (value.type == json_value::kind::array) {
      for (const auto& item : value.items) {
        const auto text = scalar(item);
        if (!text) return fail(errc::invalid_argument, "\"" + key + "\" must hold strings or numbers");
        job.flags.push_back("--" + name + "=" + *text);
      }
    } else if (const auto text = scalar(value)) {
      job.flags.push_back("--" + name + "=" + *text);
    } else {
      return fail(errc::invalid_argument,
                  "\"" + key + "\" must be true, false, a string, a number or an array");
    }
  }
  if (has_requirements) job.sources.emplace_back("-");
  if (job.sources.empty()) return fail(errc::invalid_argument, "a job needs \"requirements\" or \"file\"");
  return job;
}

bool shard::takes(std::string_view key) const noexcept { return count <= 1 || fnv1a(key) % count == index; }

result<shard> parse_shard(std::string_view text, getenv_function getenv) {
  const auto env = [getenv](const char* name) -> std::optional<std::string> {
    if (getenv != nullptr) return getenv(name);
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read before any thread
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  const auto bad = [&](const std::string& why) {
    return fail(errc::invalid_argument, "--shard " + std::string(text) + ": " + why);
  };
  const std::string_view spec = text == "auto" ? std::string_view("auto/auto") : text;
  const auto slash = spec.find('/');
  if (slash == std::string_view::npos) return bad("expected I/N (0 <= I < N), `auto/N` or `auto`");
  const std::string_view first = spec.substr(0, slash), second = spec.substr(slash + 1);
  std::optional<std::uint64_t> index, count;
  if (first == "auto") {
    if (const auto k8s = env("JOB_COMPLETION_INDEX")) {
      index = number_of(*k8s);
      if (!index) return bad("JOB_COMPLETION_INDEX is not a number");
    } else if (const auto id = env("SLURM_ARRAY_TASK_ID")) {
      const auto low = env("SLURM_ARRAY_TASK_MIN");
      const auto at = number_of(*id);
      const auto min = low ? number_of(*low) : std::optional<std::uint64_t>(0);
      if (!at || !min || *at < *min) return bad("SLURM_ARRAY_TASK_ID or SLURM_ARRAY_TASK_MIN is not usable");
      index = *at - *min;
    } else {
      return bad("neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID is set");
    }
  } else {
    index = number_of(first);
  }
  if (second == "auto") {
    const auto slurm = env("SLURM_ARRAY_TASK_COUNT");
    if (!slurm) return bad("SLURM_ARRAY_TASK_COUNT is not set (give the count: auto/N)");
    count = number_of(*slurm);
  } else {
    count = number_of(second);
  }
  if (!index || !count || *count == 0 || *index >= *count) return bad("expected I/N with 0 <= I < N");
  return shard{*index, *count};
}

}  // namespace pyresolve::cli
