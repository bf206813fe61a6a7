// Runs one solver case file (tests/resolver/cases/*.txt): builds its universe and options,
// resolves its requirements and compares the answer with its expectations, printing every
// mismatch. Exit status 0 when the answer is as expected, 1 when not, 2 when the file is
// malformed.
//
// A case file, one directive a line; `#` starts a comment line, blank lines are ignored, and
// indented lines belong to the directive above them:
//
//   package NAME VERSION [requires-python SPEC] [yanked]   a version of the universe,
//     REQUIREMENT                                          its dependencies (Requires-Dist)
//   project NAME                                           a project without versions
//   python 3.12 / platform windows                         the target (default 3.11, linux)
//   resolution lowest|lowest-direct|highest               uv's --resolution
//   prerelease allow|disallow|explicit|if-necessary|...   uv's --prerelease
//   constraint REQUIREMENT / override REQUIREMENT
//   prefer NAME VERSION / upgrade / upgrade-package NAME
//   require REQUIREMENT                                    a root requirement
//   expect pins a==1.0 b==2.0                              the answer, sorted by name
//   expect unsatisfiable                                   no answer
//   expect explanation                                     the exact explanation,
//     LINE                                                 one indented line per line
//   expect explanation-contains TEXT / explanation-lacks TEXT
//   expect named a b                                       the packages an explanation names
//   expect decisions N / backjumps N                       the solver's statistics
//   expect warning TEXT                                    one per warning; an answer's
//                                                          warnings are always compared
//
// A case expects pins or unsatisfiable.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "pyresolve/resolver/resolve.hpp"
#include "pyresolve/resolver/universe_provider.hpp"

namespace {

using namespace pyresolve;

// A directive and the indented lines that follow it.
struct directive {
  std::string head;
  std::vector<std::string> body;
  int line = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The first word of `s`, removed from it.
std::string_view word(std::string_view& s) {
  s = trim(s);
  const auto end = s.find_first_of(" \t");
  const std::string_view w = s.substr(0, end);
  s = end == std::string_view::npos ? std::string_view{} : trim(s.substr(end));
  return w;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string joined(const std::vector<std::string>& list, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i != 0) out += sep;
    out += list[i];
  }
  return out;
}

struct case_file {
  std::string universe;  // JSON
  std::vector<std::string> requirements;
  std::string python = "3.11";
  std::string platform = "linux";
  bool target_set = false;
  resolver::resolve_options options;
  std::vector<directive> expectations;
};

class bad_case : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

packaging::requirement parse_requirement(std::string_view text, int line) {
  auto req = packaging::requirement::parse(text);
  if (!req)
    throw bad_case("line " + std::to_string(line) + ": invalid requirement '" + std::string(text) + "'");
  return *req;
}

case_file read_case(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw bad_case("cannot read " + path);
  std::vector<directive> directives;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    const std::string_view content = trim(text);
    if (content.empty() || content.front() == '#') continue;
    if (text.front() == ' ' || text.front() == '\t') {
      if (directives.empty()) throw bad_case("line " + std::to_string(number) + ": indented line first");
      directives.back().body.emplace_back(content);
    } else {
      directives.push_back(directive{std::string(content), {}, number});
    }
  }
  case_file out;
  // Projects in the order first named, each with its versions' JSON objects.
  std::vector<std::pair<std::string, std::vector<std::string>>> projects;
  auto project = [&](std::string_view name) -> std::vector<std::string>& {
    for (auto& [n, versions] : projects) {
      if (n == name) return versions;
    }
    return projects.emplace_back(std::string(name), std::vector<std::string>{}).second;
  };
  for (const directive& d : directives) {
    std::string_view rest = d.head;
    const std::string_view kind = word(rest);
    const auto fail = [&](const std::string& why) {
      throw bad_case("line " + std::to_string(d.line) + ": " + why);
    };
    if (kind != "package" && !d.body.empty() && kind != "expect") fail("unexpected indented lines");
    if (kind == "package") {
      // package NAME VERSION [requires-python SPEC] [yanked], dependencies indented below.
      const std::string_view name = word(rest);
      const std::string_view version = word(rest);
      if (name.empty() || version.empty()) fail("package needs a name and a version");
      std::string object = "{\"requires_dist\": [";
      for (std::size_t i = 0; i < d.body.size(); ++i) object += (i ? ", " : "") + json_string(d.body[i]);
      object += "]";
      while (!rest.empty()) {
        const std::string_view attribute = word(rest);
        if (attribute == "yanked") {
          object += ", \"yanked\": true";
        } else if (attribute == "requires-python") {
          object += ", \"requires_python\": " + json_string(word(rest));
        } else {
          fail("unknown package attribute '" + std::string(attribute) + "'");
        }
      }
      project(name).push_back(json_string(version) + ": " + object + "}");
    } else if (kind == "project") {
      project(word(rest));  // a project without versions
    } else if (kind == "require") {
      out.requirements.emplace_back(rest);
    } else if (kind == "python") {
      out.python = word(rest);
      out.target_set = true;
    } else if (kind == "platform") {
      out.platform = word(rest);
      out.target_set = true;
    } else if (kind == "resolution") {
      auto strategy = resolver::resolution_strategy_named(rest);
      if (!strategy) fail("unknown resolution '" + std::string(rest) + "'");
      out.options.strategy = *strategy;
    } else if (kind == "prerelease") {
      auto mode = resolver::prerelease_mode_named(rest);
      if (!mode) fail("unknown pre-release mode '" + std::string(rest) + "'");
      out.options.prerelease = *mode;
    } else if (kind == "constraint") {
      out.options.constraints.push_back(parse_requirement(rest, d.line));
    } else if (kind == "override") {
      out.options.overrides.push_back(parse_requirement(rest, d.line));
    } else if (kind == "prefer") {
      const std::string_view name = word(rest);
      auto version = packaging::version::parse(word(rest));
      if (!version) fail("invalid preferred version");
      out.options.preferences.push_back(resolver::preference{std::string(name), *version});
    } else if (kind == "upgrade") {
      out.options.upgrade = true;
    } else if (kind == "upgrade-package") {
      out.options.upgrade_packages.emplace_back(word(rest));
    } else if (kind == "expect") {
      out.expectations.push_back(d);
    } else {
      fail("unknown directive '" + std::string(kind) + "'");
    }
  }
  if (out.target_set) {
    auto env = packaging::target_environment::create(out.python, out.platform);
    if (!env) throw bad_case("invalid target " + out.python + " " + out.platform);
    out.options.environment = *env;
  }
  out.universe = "{\"packages\": {";
  for (std::size_t i = 0; i < projects.size(); ++i) {
    out.universe +=
        (i ? ", " : "") + json_string(projects[i].first) + ": {" + joined(projects[i].second, ", ") + "}";
  }
  out.universe += "}}";
  if (out.expectations.empty()) throw bad_case("no expectation");
  return out;
}

int run(const std::string& path) {
  const case_file c = read_case(path);
  auto universe = resolver::universe_provider::from_json(c.universe, c.options.environment);
  if (!universe) throw bad_case("invalid universe: " + universe.error().message);
  std::vector<packaging::requirement> requirements;
  for (const auto& r : c.requirements) requirements.push_back(parse_requirement(r, 0));
  const auto answer = resolver::resolve(requirements, c.options, **universe);

  std::string pins;
  std::vector<std::string> warnings;
  if (answer) {
    std::vector<std::string> list;
    for (const auto& p : answer->packages) list.push_back(p.name + "==" + p.version.to_string());
    pins = joined(list, " ");
    warnings = answer->warnings;
  }
  int failures = 0;
  const auto mismatch = [&](const directive& d, const std::string& expected, const std::string& got) {
    ++failures;
    std::cout << path << ":" << d.line << ": expected " << expected << "\n  got: " << got << "\n";
  };
  const std::string outcome =
      answer ? "pins " + pins : "no answer:\n" + (answer ? std::string() : answer.error().explanation);
  std::vector<std::string> expected_warnings;
  bool checks_answer = false;
  for (const directive& d : c.expectations) {
    std::string_view rest = d.head;
    word(rest);  // "expect"
    const std::string_view what = word(rest);
    const std::string value(rest);
    const auto stat = [&](std::uint64_t got) {
      if (!answer) return mismatch(d, std::string(what) + " " + value, outcome);
      if (std::to_string(got) != value) mismatch(d, std::string(what) + " " + value, std::to_string(got));
    };
    if (what == "pins") {
      checks_answer = true;
      if (!answer || pins != value) mismatch(d, "pins " + value, outcome);
    } else if (what == "warning") {
      expected_warnings.push_back(value);
    } else if (what == "decisions") {
      stat(answer ? answer->stats.decisions : 0);
    } else if (what == "backjumps") {
      stat(answer ? answer->stats.backjumps : 0);
    } else if (what == "unsatisfiable") {
      checks_answer = true;
      if (answer || answer.error().what != resolver::resolve_failure::kind::unsatisfiable)
        mismatch(d, "unsatisfiable", outcome);
    } else if (what == "explanation" || what == "explanation-contains" || what == "explanation-lacks") {
      if (answer) {
        mismatch(d, "no answer", outcome);
        continue;
      }
      const std::string& got = answer.error().explanation;
      if (what == "explanation") {
        const std::string text = joined(d.body, "\n");
        if (got != text) mismatch(d, "explanation\n" + text, got);
      } else if (what == "explanation-contains" && got.find(value) == std::string::npos) {
        mismatch(d, "an explanation containing '" + value + "'", got);
      } else if (what == "explanation-lacks" && got.find(value) != std::string::npos) {
        mismatch(d, "an explanation without '" + value + "'", got);
      }
    } else if (what == "named") {
      if (answer) {
        mismatch(d, "no answer", outcome);
      } else if (joined(answer.error().packages, " ") != value) {
        mismatch(d, "named " + value, joined(answer.error().packages, " "));
      }
    } else {
      throw bad_case("line " + std::to_string(d.line) + ": unknown expectation '" + std::string(what) + "'");
    }
  }
  if (!checks_answer) throw bad_case("the case expects neither pins nor unsatisfiable");
  // An answer's warnings are always compared: none expected, none allowed.
  if (answer && warnings != expected_warnings) {
    ++failures;
    std::cout << path << ": expected warnings [" << joined(expected_warnings, "; ") << "]\n  got: ["
              << joined(warnings, "; ") << "]\n";
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: run_case CASE.txt\n";
    return 2;
  }
  try {
    return run(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << argv[1] << ": " << e.what() << "\n";
    return 2;
  }
}
