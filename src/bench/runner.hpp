#pragma once
// `streamlab bench`'s run: every selected scenario in turn, streamlab's produce and consume as
// child processes watched by the ProcessMonitor, the baselines beside them, and one
// report.json document (docs/report.schema.json) handed to the report writer.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/scenarios.hpp"
#include "bench/service_clients.hpp"

namespace streamlab::bench {

struct RunConfig {
  std::vector<Scenario> scenarios;
  bool quick = false;
  double scale = 1;
  bool baselines = true;
  bool keep = false;  // keep topics, tables and the work files
  std::filesystem::path out_dir;
  ServiceUris services;
  std::string command_line;
};

// Runs everything and writes the report; returns the document. Throws only for what makes the
// whole run impossible (no broker, no way to start streamlab).
nlohmann::json run_bench(const RunConfig& config);

// ok of every scenario.
bool all_ok(const nlohmann::json& report);

}  // namespace streamlab::bench
