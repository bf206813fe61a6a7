#pragma once
// Reads the tab-separated vector files under tests/packaging/data (see gen_pep508_vectors.py).

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace pyresolve::test {

/// Undoes the field encoding of the vector files: {TAB}, {NL}, {CR}, {NUL}, {EMPTY}.
inline std::string decode_field(std::string_view field) {
  if (field == "{EMPTY}") return {};
  std::string out;
  for (std::size_t i = 0; i < field.size();) {
    const auto starts = [&](std::string_view token) { return field.substr(i).starts_with(token); };
    if (starts("{TAB}")) {
      out += '\t';
      i += 5;
    } else if (starts("{NL}")) {
      out += '\n';
      i += 4;
    } else if (starts("{CR}")) {
      out += '\r';
      i += 4;
    } else if (starts("{NUL}")) {
      out += '\0';
      i += 5;
    } else {
      out += field[i++];
    }
  }
  return out;
}

struct vector_line {
  int number = 0;
  std::vector<std::string> fields;  ///< decoded
};

/// The non-comment lines of `tests/packaging/data/<name>`, split on tabs.
inline std::vector<vector_line> read_vectors(const std::string& name) {
  std::ifstream in(std::string(PYRESOLVE_TEST_DATA_DIR) + "/packaging/data/" + name, std::ios::binary);
  std::vector<vector_line> lines;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty() || text.front() == '#') continue;
    vector_line line{number, {}};
    std::size_t start = 0;
    for (;;) {
      const std::size_t tab = text.find('\t', start);
      line.fields.push_back(decode_field(std::string_view(text).substr(start, tab - start)));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace pyresolve::test
