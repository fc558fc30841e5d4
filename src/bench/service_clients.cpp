#include "bench/service_clients.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "bench/child_process.hpp"
#include "core/secrets.hpp"
#include "ignite/client.hpp"
#include "ignite/uri.hpp"

namespace streamlab::bench {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::uint16_t port_of(const std::string& address, std::uint16_t fallback) {
  std::string rest = address;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  if (auto p = rest.find('@'); p != std::string::npos) rest = rest.substr(p + 1);
  rest = rest.substr(0, rest.find_first_of("/,?"));
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.find(']', colon) != std::string::npos) return fallback;
  try {
    return static_cast<std::uint16_t>(std::stoi(rest.substr(colon + 1)));
  } catch (const std::exception&) {
    return fallback;
  }
}

namespace {

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A libpq URI without its password, and the password (decoded; empty when there is none).
std::pair<std::string, std::string> without_password(const std::string& uri) {
  std::string rest = uri, password;
  if (const auto scheme = rest.find("://"); scheme != std::string::npos) {
    // libpq's own reading: the userinfo ends at the first '@' before any '/'.
    const auto end = rest.find_first_of("@/", scheme + 3);
    if (end != std::string::npos && rest[end] == '@') {
      if (const auto colon = rest.find(':', scheme + 3); colon < end) {
        password = percent_decoded(std::string_view(rest).substr(colon + 1, end - colon - 1));
        rest.erase(colon, end - colon);
      }
    }
  }
  if (const auto q = rest.find('?'); q != std::string::npos) {
    std::string query, kept;
    std::stringstream params(rest.substr(q + 1));
    while (std::getline(params, query, '&')) {
      if (query.starts_with("password=")) {
        password = percent_decoded(std::string_view(query).substr(9));
      } else {
        kept += (kept.empty() ? "" : "&") + query;
      }
    }
    rest = rest.substr(0, q) + (kept.empty() ? "" : "?" + kept);
  }
  return {rest, password};
}

}  // namespace

ToolCall psql(const std::string& uri, const std::vector<std::string>& args) {
  auto [plain, password] = without_password(uri);
  ToolCall call{{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", plain}, {}};
  call.first.insert(call.first.end(), args.begin(), args.end());
  if (!password.empty()) call.second.emplace_back("PGPASSWORD", password);
  return call;
}

RunResult run_psql(const std::string& uri, const std::vector<std::string>& args, std::chrono::seconds timeout) {
  const auto [argv, env] = psql(uri, args);
  return run_program(argv, timeout, env);
}

ToolCall redis_cli(const std::string& uri) {
  static const std::regex re(R"(^redis://(?:([^:@]*):([^@]*)@)?([^:/]+)?(?::(\d+))?(?:/(\d+))?)");
  std::smatch m;
  Environment env;
  if (!std::regex_search(uri, m, re)) return {{"redis-cli"}, env};
  if (m[2].matched && !m[2].str().empty()) env.emplace_back("REDISCLI_AUTH", m[2].str());
  return {{"redis-cli", "-h", m[3].matched ? m[3].str() : "127.0.0.1", "-p", m[4].matched ? m[4].str() : "6379", "-n",
           m[5].matched ? m[5].str() : "0"},
          env};
}

std::optional<std::string> postgres_unreachable(const std::string& uri) {
  if (uri.empty()) return "no PostgreSQL configured (--postgres or STREAMLAB_POSTGRES)";
  if (!find_program("psql")) return "psql not installed";
  auto r = run_psql(uri, {"-At", "-c", "SELECT 1"}, 15s);
  if (r.exit_code != 0)
    return fmt::format("PostgreSQL at {} not reachable: {}", core::redact_secrets(uri), r.err.substr(0, 200));
  return std::nullopt;
}

std::optional<std::string> redis_unreachable(const std::string& uri) {
  if (uri.empty()) return "no Redis configured (--redis or STREAMLAB_REDIS)";
  if (!find_program("redis-cli")) return "redis-cli not installed";
  auto [argv, env] = redis_cli(uri);
  argv.push_back("PING");
  auto r = run_program(argv, 15s, env);
  if (r.exit_code != 0 || r.out.find("PONG") == std::string::npos) {
    return fmt::format("Redis at {} not reachable: {}{}", core::redact_secrets(uri), r.out.substr(0, 200),
                       r.err.substr(0, 200));
  }
  return std::nullopt;
}

std::optional<std::string> ignite_unreachable(const std::string& uri) {
  if (uri.empty()) return "no Ignite configured (--ignite or STREAMLAB_IGNITE)";
  try {
    ignite::Client c(ignite::parse_uri(uri).client_options());
    c.connect();
    c.sql_fields("PUBLIC", "SELECT 1");
    return std::nullopt;
  } catch (const std::exception& e) {
    return fmt::format("Ignite at {} not reachable: {}", core::redact_secrets(uri), e.what());
  }
}

std::optional<std::uint64_t> postgres_count(const std::string& uri, const std::string& table) {
  auto r = run_psql(uri, {"-At", "-c", fmt::format("SELECT count(*) FROM \"{}\"", table)}, 60s);
  if (r.exit_code != 0) return std::nullopt;
  try {
    return std::stoull(r.out);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string drop_postgres(const std::string& uri, const std::vector<std::string>& tables,
                          const std::string& group_prefix) {
  std::string sql;
  for (const auto& t : tables) sql += fmt::format("DROP TABLE IF EXISTS \"{}\", \"{}_dead_letters\";", t, t);
  // The sink's offsets table is shared; only this run's groups go.
  sql += fmt::format(
      "DO $$ BEGIN IF to_regclass('streamlab_offsets') IS NOT NULL THEN "
      "DELETE FROM streamlab_offsets WHERE consumer_group LIKE '{}%'; END IF; END $$;",
      group_prefix);
  auto r = run_psql(uri, {"-c", sql}, 120s);
  return r.exit_code == 0 ? "" : r.err.substr(0, 300);
}

std::string delete_redis_keys(const std::string& uri, const std::string& pattern) {
  auto [argv, env] = redis_cli(uri);
  auto scan = argv;
  scan.insert(scan.end(), {"--scan", "--pattern", pattern});
  const auto found = run_program(scan, 600s, env);
  if (found.exit_code != 0) return found.err.substr(0, 300);
  // One UNLINK per 1,000 keys, all through one redis-cli --pipe: a run leaves millions of keys,
  // too many for a redis-cli process per chunk.
  std::string commands;
  std::vector<std::string_view> chunk;
  const auto flush = [&] {
    if (chunk.empty()) return;
    commands += fmt::format("*{}\r\n$6\r\nUNLINK\r\n", chunk.size() + 1);
    for (const auto k : chunk) commands += fmt::format("${}\r\n{}\r\n", k.size(), k);
    chunk.clear();
  };
  std::string_view rest = found.out;
  while (!rest.empty()) {
    const std::size_t eol = std::min(rest.find('\n'), rest.size());
    if (eol > 0) chunk.push_back(rest.substr(0, eol));
    rest.remove_prefix(std::min(eol + 1, rest.size()));
    if (chunk.size() == 1000) flush();
  }
  flush();
  if (commands.empty()) return "";
  const fs::path file = private_temp_dir() / "unlink.resp";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << commands;
    if (!out) return "cannot write " + file.string();
  }
  auto pipe = argv;
  pipe.push_back("--pipe");
  const auto deleted = run_program(pipe, 600s, env, file);
  std::error_code ec;
  fs::remove(file, ec);
  return deleted.exit_code == 0 ? "" : (deleted.err + deleted.out).substr(0, 300);
}

std::string settle_redis(const std::string& uri, const std::string& pattern) {
  if (std::string e = delete_redis_keys(uri, pattern); !e.empty()) return e;
  auto [argv, env] = redis_cli(uri);
  auto rewrite = argv;
  rewrite.push_back("BGREWRITEAOF");
  // "already in progress" is as good: it is waited for below. A user without the right to ask
  // (an ACL) leaves Redis as it is.
  if (const auto r = run_program(rewrite, 15s, env); r.out.find("NOPERM") != std::string::npos) return "";
  auto info = argv;
  info.insert(info.end(), {"INFO", "persistence"});
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto r = run_program(info, 15s, env);
    if (r.exit_code != 0) return (r.err + r.out).substr(0, 300);
    if (r.out.find("aof_rewrite_in_progress:0") != std::string::npos &&
        r.out.find("aof_rewrite_scheduled:0") != std::string::npos) {
      return "";
    }
    std::this_thread::sleep_for(200ms);
  }
  return "Redis's append-only file rewrite did not end within 2 minutes";
}

std::string drop_ignite(const std::string& uri, const std::vector<std::string>& tables) {
  try {
    ignite::Client c(ignite::parse_uri(uri).client_options());
    c.connect();
    for (const auto& t : tables) {
      c.sql_fields("PUBLIC", fmt::format("DROP TABLE IF EXISTS {}", t));
      c.sql_fields("PUBLIC", fmt::format("DROP TABLE IF EXISTS {}_DEAD_LETTERS", t));
    }
    return "";
  } catch (const std::exception& e) {
    return e.what();
  }
}

}  // namespace streamlab::bench
