#include "core/stats_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/errors.hpp"

namespace streamlab::core {

StatsFile::StatsFile(const std::string& path, std::chrono::milliseconds interval) : interval_(interval) {
  if (path.empty()) return;
  file_ = std::fopen(path.c_str(), "a");
  if (file_ == nullptr) {
    throw RuntimeFailure(fmt::format("--stats: cannot open '{}': {}", path, std::strerror(errno)));
  }
}

StatsFile::~StatsFile() {
  if (file_ != nullptr) std::fclose(file_);
}

bool StatsFile::due() const { return file_ != nullptr && std::chrono::steady_clock::now() - last_ >= interval_; }

void StatsFile::write(nlohmann::json fields) {
  if (file_ == nullptr) return;
  last_ = std::chrono::steady_clock::now();
  fields["t"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  const std::string line = fields.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace streamlab::core
