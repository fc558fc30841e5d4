#include "bench/machine_info.hpp"

#include <librdkafka/rdkafka.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <thread>

#include "bench/child_process.hpp"

namespace streamlab::bench {

using namespace std::chrono_literals;

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// The version in a jar's file name (prefix-1.2.3.jar) found in `dir`.
nlohmann::json jar_version(const std::filesystem::path& dir, const std::string& prefix) {
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return nullptr;
  const std::regex re("^" + prefix + R"(([0-9][0-9A-Za-z.\-]*)\.jar$)");
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (std::regex_match(name, m, re)) return m[1].str();
  }
  return nullptr;
}

nlohmann::json program_output(const std::vector<std::string>& argv, const std::regex& pick,
                              const std::vector<std::pair<std::string, std::string>>& env = {}) {
  if (!find_program(argv[0])) return nullptr;
  auto r = run_program(argv, 15s, env);
  if (r.exit_code != 0) return nullptr;
  std::smatch m;
  const std::string text = r.out + r.err;
  if (std::regex_search(text, m, pick)) return m[1].str();
  return nullptr;
}

}  // namespace

nlohmann::json machine_facts() {
  nlohmann::json m;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  m["hostname"] = host;
  std::string os = "Linux";
  {
    std::ifstream in("/etc/os-release");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("PRETTY_NAME=", 0) == 0) {
        os = line.substr(12);
        if (os.size() >= 2 && os.front() == '"') os = os.substr(1, os.size() - 2);
      }
    }
  }
  m["os"] = os;
  utsname u{};
  ::uname(&u);
  m["kernel"] = std::string(u.sysname) + " " + u.release;
  std::string cpu = "unknown";
  {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("model name", 0) == 0) {
        cpu = line.substr(line.find(':') + 2);
        break;
      }
    }
  }
  m["cpu_model"] = cpu;
  m["cpus"] = std::max(1u, std::thread::hardware_concurrency());
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  m["memory_bytes"] = static_cast<std::int64_t>(pages) * page;
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) == 3) m["load_average"] = {load[0], load[1], load[2]};
  return m;
}

nlohmann::json program_versions(const ServiceUris& services, const std::filesystem::path& root) {
  nlohmann::json v;
  v["streamlab"] = "0.1.0";
  v["librdkafka"] = rd_kafka_version_str();
  const char* kafka_lib = std::getenv("STREAMLAB_KAFKA_LIB");
  v["kafka"] = jar_version(kafka_lib ? kafka_lib : "", R"(kafka_2\.13-)");
  v["ignite"] = jar_version(root / ".local" / "ignite" / "lib", "ignite-core-");
  v["psql"] = program_output({"psql", "--version"}, std::regex(R"(psql \(PostgreSQL\) (\S+))"));
  v["postgresql"] = nullptr;
  if (!services.postgres.empty() && find_program("psql")) {
    auto r = run_psql(services.postgres, {"-At", "-c", "SHOW server_version"}, 15s);
    if (r.exit_code == 0) v["postgresql"] = first_line(r.out);
  }
  v["redis"] = nullptr;
  if (!services.redis.empty()) {
    auto [argv, env] = redis_cli(services.redis);
    argv.insert(argv.end(), {"INFO", "server"});
    v["redis"] = program_output(argv, std::regex(R"(redis_version:(\S+))"), env);
  }
  v["kcat"] = program_output({"kcat", "-V"}, std::regex(R"(Version (\S+))"));
  const auto venv_python = root / ".local" / "venv" / "bin" / "python";
  v["python"] = program_output({std::filesystem::exists(venv_python) ? venv_python.string() : "python3", "--version"},
                               std::regex(R"(Python (\S+))"));
  v["java"] = program_output({"java", "-version"}, std::regex(R"(version \"([^\"]+)\")"));
  return v;
}

}  // namespace streamlab::bench
