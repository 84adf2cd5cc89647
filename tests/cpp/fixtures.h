// Reading the committed fixtures (tests/fixtures/*.txt, made by make_fixtures.py).
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fastac::fixtures {

inline std::vector<std::vector<std::string>> read_fixture(const std::string& name) {
  std::ifstream in(std::string(FASTAC_FIXTURES_DIR) + "/" + name);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    std::istringstream tokens(line);
    std::vector<std::string> row;
    for (std::string t; tokens >> t;) row.push_back(t);
    if (!row.empty()) rows.push_back(row);
  }
  return rows;
}

// Hex floats ("0x1.8p-3") parse exactly.
inline double parse_double(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

}  // namespace fastac::fixtures
