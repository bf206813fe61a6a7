#include "pyresolve/packaging/requirements_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <system_error>
#include <utility>

#include "pyresolve/packaging/excerpt.hpp"

namespace pyresolve::packaging {
namespace fs = std::filesystem;

namespace {

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r';
}
constexpr bool is_hex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool is_env_name_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool starts_with(std::string_view text, std::string_view prefix) noexcept {
  return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Includes deeper than this are refused even without a cycle, so that a pathological tree
// (or a path trick that escapes cycle detection) cannot exhaust the stack.
constexpr std::size_t max_include_depth = 64;

// A logical line: physical lines joined at `\`, with a map back to physical positions.
struct logical_line {
  struct segment {
    std::size_t offset;    // into text
    std::uint32_t line;    // physical, 1-based
    std::uint32_t column;  // physical column of text[offset], 1-based
  };
  std::string text;
  std::uint32_t line = 0;
  std::vector<segment> segments;

  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> position(std::size_t offset) const noexcept {
    const segment* best = segments.empty() ? nullptr : &segments.front();
    for (const auto& s : segments) {
      if (s.offset <= offset) best = &s;
    }
    if (best == nullptr) return {line, 1};
    return {best->line, static_cast<std::uint32_t>(best->column + (offset - best->offset))};
  }
};

// pip's COMMENT_RE matched at the start of a line: `#` first, or whitespace then `#`.
bool is_comment_line(std::string_view line) noexcept {
  std::size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  return i < line.size() && line[i] == '#';
}

// pip's `join_lines`.
std::vector<logical_line> join_lines(std::string_view text) {
  if (starts_with(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  std::vector<logical_line> out;
  std::optional<logical_line> pending;
  std::uint32_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? text.npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++number;
    if (ends_with(line, "\r")) line.remove_suffix(1);
    const bool comment = is_comment_line(line);
    if (!ends_with(line, "\\") || comment) {
      logical_line& target = pending ? *pending : out.emplace_back();
      if (!pending) target.line = number;
      // A comment ending a continuation must still read as a comment once joined.
      if (comment) target.text += ' ';
      target.segments.push_back({target.text.size(), number, 1});
      target.text += line;
      if (pending) {
        out.push_back(std::move(*pending));
        pending.reset();
      }
    } else {
      if (!pending) {
        pending.emplace();
        pending->line = number;
      }
      // pip strips backslashes from both ends of a continued line.
      std::size_t lead = 0;
      while (lead < line.size() && line[lead] == '\\') ++lead;
      std::string_view body = line.substr(lead);
      while (!body.empty() && body.back() == '\\') body.remove_suffix(1);
      pending->segments.push_back({pending->text.size(), number, static_cast<std::uint32_t>(lead + 1)});
      pending->text += body;
    }
  }
  if (pending) out.push_back(std::move(*pending));
  return out;
}

// The end of the content of a line once pip's comment (`(^|\s+)#.*$`) is removed.
std::size_t content_end(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '#' && (i == 0 || is_space(text[i - 1]))) {
      while (i > 0 && is_space(text[i - 1])) --i;
      return i;
    }
  }
  return text.size();
}

struct token {
  std::string text;
  std::size_t offset;  // into the logical line
};

// Splits options on whitespace, removing the quotes of a token written wholly in quotes
// (shlex's common case).
std::vector<token> split_options(std::string_view text, std::size_t base) {
  std::vector<token> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    const std::size_t start = i;
    std::string value;
    char quote = 0;
    while (i < text.size() && (quote != 0 || !is_space(text[i]))) {
      const char c = text[i++];
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          value += c;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else {
        value += c;
      }
    }
    out.push_back(token{std::move(value), base + start});
  }
  return out;
}

bool looks_unnamed(std::string_view text) noexcept {
  if (text.empty()) return false;
  if (text.front() == '.' || text.front() == '/' || text.front() == '\\' || text.front() == '~') return true;
  if (starts_with(text, "file:")) return true;
  if (text.size() > 2 && text[1] == ':' && (text[2] == '\\' || text[2] == '/')) return true;  // C:\path
  const std::size_t at = text.find('@');
  const std::size_t scheme = text.find("://");
  if (scheme != std::string_view::npos && (at == std::string_view::npos || at > scheme)) return true;
  if (at == std::string_view::npos && (text.find('/') != std::string_view::npos || ends_with(text, ".whl") ||
                                       ends_with(text, ".tar.gz") || ends_with(text, ".zip"))) {
    return true;
  }
  return false;
}

enum class option_id {
  requirement,
  constraint,
  editable,
  index_url,
  extra_index_url,
  no_index,
  find_links,
  pre,
  hash,
  only_binary,
  no_binary,
  ignored_flag,
  ignored_value,
  ignored_per_requirement,
};

struct option_spec {
  std::string_view long_name;
  char short_name;
  option_id id;
  bool takes_value;
};

constexpr option_spec option_specs[] = {
    {"requirement", 'r', option_id::requirement, true},
    {"constraint", 'c', option_id::constraint, true},
    {"editable", 'e', option_id::editable, true},
    {"index-url", 'i', option_id::index_url, true},
    {"extra-index-url", 0, option_id::extra_index_url, true},
    {"no-index", 0, option_id::no_index, false},
    {"find-links", 'f', option_id::find_links, true},
    {"pre", 0, option_id::pre, false},
    {"hash", 0, option_id::hash, true},
    {"trusted-host", 0, option_id::ignored_value, true},
    {"only-binary", 0, option_id::only_binary, true},
    {"no-binary", 0, option_id::no_binary, true},
    {"use-feature", 0, option_id::ignored_value, true},
    {"prefer-binary", 0, option_id::ignored_flag, false},
    {"require-hashes", 0, option_id::ignored_flag, false},
    {"config-settings", 0, option_id::ignored_per_requirement, true},
    {"global-option", 0, option_id::ignored_per_requirement, true},
};

struct parsed_option {
  const option_spec* spec;
  std::string written;  // the option as written, for messages
  std::string value;
  std::size_t offset;        // of the option
  std::size_t value_offset;  // of the value
};

class parser {
 public:
  explicit parser(const requirements_file_options& options) : m_options(options) {}

  result<void> parse_file(const fs::path& path, const std::string& display, bool constraint) {
    m_parsed.emplace(identity(path), constraint);
    auto text = read(path);
    if (!text) {
      return unexpected<error>{
          error{errc::io_error, "cannot read requirements file: " + text.error().message, display, 0, 0}};
    }
    if (text->size() > m_budget) {
      return unexpected<error>{
          error{errc::io_error, "cannot read requirements file: " + too_large(), display, 0, 0}};
    }
    m_budget -= text->size();
    return parse_text(*text, display, path, constraint);
  }

  // `path` identifies the file for cycle detection; empty for text without a file.
  result<void> parse_text(std::string_view text, const std::string& source, const fs::path& path,
                          bool constraint) {
    m_chain.push_back(chain_entry{path.empty() ? fs::path() : identity(path), source});
    const fs::path base = path.empty() ? m_base_directory : path.parent_path();
    for (const logical_line& line : join_lines(text)) {
      auto done = parse_line(line, source, base, constraint);
      if (!done) return done;
    }
    m_chain.pop_back();
    return {};
  }

  fs::path m_base_directory;
  requirements_file m_out;
  // What is left of max_requirements_bytes for the files still to be read.
  std::size_t m_budget = max_requirements_bytes;

 private:
  struct chain_entry {
    fs::path identity;
    std::string name;
  };

  static std::string too_large() {
    return "more than " + std::to_string(max_requirements_bytes >> 20U) +
           " MiB of requirements in this file and the files it includes";
  }

  result<std::string> read(const fs::path& path) const {
    if (m_options.read_file) return m_options.read_file(path);
    return read_file_contents(path);
  }

  static fs::path identity(const fs::path& path) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(path, ec);
    if (ec) canonical = fs::absolute(path, ec).lexically_normal();
    return canonical;
  }

  std::string expand(std::string_view text) const {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
        std::size_t j = i + 2;
        while (j < text.size() && is_env_name_char(text[j])) ++j;
        if (j > i + 2 && j < text.size() && text[j] == '}') {
          std::optional<std::string> value;
          if (m_options.getenv) value = m_options.getenv(text.substr(i + 2, j - i - 2));
          if (value && !value->empty()) {
            out += *value;
          } else {
            out += text.substr(i, j + 1 - i);
          }
          i = j + 1;
          continue;
        }
      }
      out += text[i++];
    }
    return out;
  }

  static unexpected<error> failure(errc code, const logical_line& line, const std::string& source,
                                   std::size_t offset, std::string message) {
    const auto [number, column] = line.position(offset);
    return unexpected<error>{error{code, std::move(message), source, number, column}};
  }

  result<std::vector<parsed_option>> parse_options(const logical_line& line, const std::string& source,
                                                   std::string_view text, std::size_t base) {
    std::vector<parsed_option> out;
    const std::vector<token> tokens = split_options(text, base);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const token& t = tokens[i];
      const std::string_view word = t.text;
      if (word.size() < 2 || word[0] != '-') {
        return failure(errc::invalid_requirements_file, line, source, t.offset,
                       "unexpected argument '" + excerpt(t.text) + "'");
      }
      const option_spec* spec = nullptr;
      std::optional<std::string> value;
      std::size_t value_offset = t.offset;
      std::string written;
      if (word[1] == '-') {
        const std::size_t eq = word.find('=');
        const std::string_view name = word.substr(2, eq == std::string_view::npos ? word.npos : eq - 2);
        written = "--" + std::string(name);
        for (const auto& s : option_specs) {
          if (s.long_name == name) spec = &s;
        }
        if (spec != nullptr && eq != std::string_view::npos) {
          if (!spec->takes_value) {
            return failure(errc::invalid_requirements_file, line, source, t.offset,
                           "option " + written + " takes no value");
          }
          value = std::string(word.substr(eq + 1));
          value_offset = t.offset + eq + 1;
        }
      } else {
        written = std::string(word.substr(0, 2));
        for (const auto& s : option_specs) {
          if (s.short_name != 0 && s.short_name == word[1]) spec = &s;
        }
        if (spec != nullptr && word.size() > 2) {
          if (!spec->takes_value) {
            return failure(errc::invalid_requirements_file, line, source, t.offset,
                           "option " + written + " takes no value");
          }
          value = std::string(word.substr(2));
          value_offset = t.offset + 2;
        }
      }
      if (spec == nullptr) {
        return failure(errc::invalid_requirements_file, line, source, t.offset,
                       "unknown option '" + excerpt(written) + "'");
      }
      if (spec->takes_value && !value) {
        if (i + 1 >= tokens.size()) {
          return failure(errc::invalid_requirements_file, line, source, t.offset,
                         "option " + written + " requires a value");
        }
        ++i;
        value = tokens[i].text;
        value_offset = tokens[i].offset;
      }
      out.push_back(
          parsed_option{spec, std::move(written), expand(value.value_or("")), t.offset, value_offset});
    }
    return out;
  }

  result<void> add_hash(requirements_entry& entry, const parsed_option& option, const logical_line& line,
                        const std::string& source) {
    const std::string& value = option.value;
    const std::size_t colon = value.find(':');
    const std::string_view algorithm = std::string_view(value).substr(0, colon);
    std::size_t expected = 0;
    if (algorithm == "sha256") expected = 64;
    if (algorithm == "sha384") expected = 96;
    if (algorithm == "sha512") expected = 128;
    if (colon == std::string::npos || expected == 0) {
      return failure(
          errc::invalid_requirements_file, line, source, option.value_offset,
          "invalid hash '" + excerpt(value) + "': expected sha256:, sha384: or sha512: and a hex digest");
    }
    const std::string_view digest = std::string_view(value).substr(colon + 1);
    if (digest.size() != expected || !std::all_of(digest.begin(), digest.end(), is_hex)) {
      return failure(
          errc::invalid_requirements_file, line, source, option.value_offset,
          "invalid hash '" + excerpt(value) + "': expected " + std::to_string(expected) + " hex digits");
    }
    entry.hashes.push_back(value);
    return {};
  }

  result<void> include(const parsed_option& option, const logical_line& line, const std::string& source,
                       const fs::path& base, bool constraint) {
    if (option.value.empty()) {
      return failure(errc::invalid_requirements_file, line, source, option.offset,
                     "option " + option.written + " requires a file name");
    }
    const fs::path named(option.value);
    const fs::path path = named.is_absolute() ? named : (base / named).lexically_normal();
    const fs::path id = identity(path);
    const std::string display = path.string();
    for (std::size_t i = 0; i < m_chain.size(); ++i) {
      if (!m_chain[i].identity.empty() && m_chain[i].identity == id) {
        std::string chain;
        for (std::size_t j = i; j < m_chain.size(); ++j) chain += m_chain[j].name + " -> ";
        chain += display;
        return failure(errc::invalid_requirements_file, line, source, option.value_offset,
                       "requirements files include each other: " + chain);
      }
    }
    if (m_chain.size() >= max_include_depth) {
      return failure(errc::invalid_requirements_file, line, source, option.value_offset,
                     "requirements files nested more than " + std::to_string(max_include_depth) + " deep");
    }
    // A file included again adds nothing (its entries and options are already in), so it is
    // read once: include trees that fan out to the same files stay linear. Read as
    // requirements, it is not read again as constraints either (a requirement says more).
    if (m_parsed.count({id, constraint}) != 0 || m_parsed.count({id, false}) != 0) return {};
    m_parsed.emplace(id, constraint);
    auto text = read(path);
    if (!text) {
      return failure(errc::io_error, line, source, option.value_offset,
                     "cannot read '" + excerpt(display) + "': " + text.error().message);
    }
    if (text->size() > m_budget) {
      return failure(errc::io_error, line, source, option.value_offset,
                     "cannot read '" + excerpt(display) + "': " + too_large());
    }
    m_budget -= text->size();
    return parse_text(*text, display, path, constraint);
  }

  result<void> parse_line(const logical_line& line, const std::string& source, const fs::path& base,
                          bool constraint) {
    const std::string_view all = line.text;
    std::size_t begin = 0;
    std::size_t end = content_end(all);
    while (begin < end && is_space(all[begin])) ++begin;
    while (end > begin && is_space(all[end - 1])) --end;
    if (begin == end) return {};
    const std::string_view content = all.substr(begin, end - begin);

    // pip's break_args_options: the requirement runs up to the first space-separated word
    // that starts with `-`.
    std::size_t split = content.size();
    for (std::size_t i = 0; i < content.size(); ++i) {
      if (content[i] == '-' && (i == 0 || content[i - 1] == ' ')) {
        split = i;
        break;
      }
    }
    std::string_view requirement_text = content.substr(0, split);
    while (!requirement_text.empty() && is_space(requirement_text.back())) requirement_text.remove_suffix(1);

    auto options = parse_options(line, source, content.substr(split), begin + split);
    if (!options) return unexpected<error>{std::move(options).error()};

    if (requirement_text.empty()) return apply_global_options(*options, line, source, base, constraint);

    requirements_entry entry;
    entry.constraint = constraint;
    entry.origin = requirement_origin{source, line.line};
    for (const auto& option : *options) {
      if (option.spec->id == option_id::hash) {
        auto added = add_hash(entry, option, line, source);
        if (!added) return added;
      } else if (option.spec->id == option_id::ignored_per_requirement) {
        m_out.options.ignored.push_back(option.written + ' ' + option.value);
      } else {
        return failure(errc::invalid_requirements_file, line, source, option.offset,
                       "option " + option.written + " cannot follow a requirement on the same line");
      }
    }
    const std::string expanded = expand(requirement_text);
    if (looks_unnamed(expanded)) {
      if (constraint) {
        return failure(errc::invalid_requirements_file, line, source, begin,
                       "unnamed requirement '" + excerpt(expanded) + "' is not allowed as a constraint");
      }
      entry.target = expanded;
    } else {
      auto parsed = packaging::requirement::parse(expanded);
      if (!parsed) {
        const std::uint32_t inner = parsed.error().column;
        // The inner column is exact only when expansion did not shift the text.
        const std::size_t offset = (inner != 0 && expanded == requirement_text) ? begin + inner - 1 : begin;
        return failure(errc::invalid_requirements_file, line, source, offset,
                       "invalid requirement '" + excerpt(expanded) + "': " + parsed.error().message);
      }
      entry.requirement = std::move(*parsed);
    }
    m_out.entries.push_back(std::move(entry));
    return {};
  }

  result<void> apply_global_options(const std::vector<parsed_option>& options, const logical_line& line,
                                    const std::string& source, const fs::path& base, bool constraint) {
    for (const auto& option : options) {
      switch (option.spec->id) {
        case option_id::requirement: {
          auto done = include(option, line, source, base, constraint);
          if (!done) return done;
          break;
        }
        case option_id::constraint: {
          auto done = include(option, line, source, base, true);
          if (!done) return done;
          break;
        }
        case option_id::editable: {
          if (constraint) {
            return failure(
                errc::invalid_requirements_file, line, source, option.offset,
                "editable requirement '" + excerpt(option.value) + "' is not allowed as a constraint");
          }
          if (option.value.empty()) {
            return failure(errc::invalid_requirements_file, line, source, option.offset,
                           "option " + option.written + " requires a path or URL");
          }
          requirements_entry entry;
          entry.target = option.value;
          entry.editable = true;
          entry.origin = requirement_origin{source, line.line};
          m_out.entries.push_back(std::move(entry));
          break;
        }
        case option_id::index_url:
          m_out.options.index_url = option.value;
          break;
        case option_id::extra_index_url:
          m_out.options.extra_index_urls.push_back(option.value);
          break;
        case option_id::no_index:
          m_out.options.no_index = true;
          break;
        case option_id::find_links:
          m_out.options.find_links.push_back(option.value);
          break;
        case option_id::pre:
          m_out.options.pre = true;
          break;
        case option_id::hash:
          return failure(errc::invalid_requirements_file, line, source, option.offset,
                         "option --hash must follow a requirement on the same line");
        case option_id::ignored_flag:
          m_out.options.ignored.push_back(option.written);
          break;
        case option_id::only_binary:
          m_out.options.only_binary.push_back(option.value);
          break;
        case option_id::no_binary:
          m_out.options.no_binary.push_back(option.value);
          break;
        case option_id::ignored_value:
        case option_id::ignored_per_requirement:
          m_out.options.ignored.push_back(option.written + ' ' + option.value);
          break;
      }
    }
    return {};
  }

  const requirements_file_options& m_options;
  std::vector<chain_entry> m_chain;
  std::set<std::pair<fs::path, bool>> m_parsed;  // (identity, read as constraints)
};

}  // namespace

result<std::string> read_file_contents(const fs::path& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return fail(errc::io_error, std::generic_category().message(errno));
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } const close_on_return{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) return fail(errc::io_error, std::generic_category().message(errno));
  if (S_ISDIR(info.st_mode)) return fail(errc::io_error, "is a directory");
  // A device, a FIFO or a socket may never end (`/dev/zero`) or never start; standard input
  // is read by the caller, with the same size limit.
  if (!S_ISREG(info.st_mode)) return fail(errc::io_error, "not a regular file");
  const auto too_large = [] {
    return fail(errc::io_error, "larger than " + std::to_string(max_input_file_bytes >> 20U) + " MiB");
  };
  if (static_cast<std::uintmax_t>(info.st_size) > max_input_file_bytes) return too_large();
  std::string content;
  content.resize(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  for (;;) {
    // Reading on past the size fstat gave notices a file that grows while it is read.
    if (filled == content.size()) {
      if (content.size() > max_input_file_bytes) return too_large();
      content.resize(std::min(max_input_file_bytes + 1, std::max<std::size_t>(4096, content.size() * 2)));
    }
    const ssize_t got = ::read(fd, content.data() + filled, content.size() - filled);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(errc::io_error, std::generic_category().message(errno));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  content.resize(filled);
  return content;
}

env_lookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

result<requirements_file> parse_requirements_file(const fs::path& path,
                                                  const requirements_file_options& options) {
  parser p(options);
  auto done = p.parse_file(path, path.string(), false);
  if (!done) return unexpected<error>{std::move(done).error()};
  return std::move(p.m_out);
}

result<requirements_file> parse_requirements_text(std::string_view text, std::string_view source,
                                                  const fs::path& base_directory,
                                                  const requirements_file_options& options) {
  parser p(options);
  p.m_base_directory = base_directory;
  auto done = p.parse_text(text, std::string(source), fs::path(), false);
  if (!done) return unexpected<error>{std::move(done).error()};
  return std::move(p.m_out);
}

}  // namespace pyresolve::packaging
