#pragma once
// `--stats FILE`: running counters appended as JSON lines, one every 250 ms and a last one at
// the end, each stamped with the wall clock ("t", Unix ms) so lines of a producer and a
// consumer can be put on one time axis (what `streamlab bench` draws throughput and lag from).

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace streamlab::core {

class StatsFile {
 public:
  // Empty path: off. A file that cannot be opened is a RuntimeFailure naming it.
  explicit StatsFile(const std::string& path, std::chrono::milliseconds interval = std::chrono::milliseconds(250));
  ~StatsFile();
  StatsFile(const StatsFile&) = delete;
  StatsFile& operator=(const StatsFile&) = delete;

  // True when a line is due (never when off).
  bool due() const;
  // Appends `fields` plus "t" and flushes, so a reader sees whole lines while this runs.
  void write(nlohmann::json fields);

 private:
  std::FILE* file_ = nullptr;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace streamlab::core
