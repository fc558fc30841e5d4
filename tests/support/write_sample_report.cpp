// Writes report.json/.md/.html for a report document (the test sample) into a directory, for
// the page's browser test: write_sample_report REPORT_JSON OUT_DIR
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "bench/report_writer.hpp"
#include "core/paths.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: write_sample_report REPORT_JSON OUT_DIR\n";
    return 2;
  }
  try {
    std::ifstream in(argv[1]);
    if (!in) throw std::runtime_error(std::string("cannot read ") + argv[1]);
    const auto report = nlohmann::json::parse(in);
    streamlab::bench::write_report(report, argv[2], streamlab::core::web_dist());
  } catch (const std::exception& e) {
    std::cerr << "write_sample_report: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
