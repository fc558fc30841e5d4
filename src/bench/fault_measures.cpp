#include "bench/fault_measures.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "bench/service_clients.hpp"

namespace streamlab::bench {

std::optional<std::int64_t> recovery_ms(const std::vector<StatsPoint>& points, std::int64_t from_ms,
                                        std::optional<std::int64_t> after_ms) {
  const std::int64_t after = std::max(from_ms, after_ms.value_or(from_ms));
  std::uint64_t held = 0;
  for (const auto& p : points) {
    const std::uint64_t stored = p.stored.value_or(0);
    if (p.t_ms <= after) {
      held = stored;
    } else if (stored > held) {
      return p.t_ms - from_ms;
    }
  }
  return std::nullopt;
}

double longest_stall_s(const std::vector<std::vector<StatsPoint>>& members) {
  std::vector<std::int64_t> rises;
  for (const auto& points : members) {
    std::uint64_t held = 0;
    for (const auto& p : points) {
      const std::uint64_t stored = p.stored.value_or(0);
      if (stored > held) rises.push_back(p.t_ms);
      held = std::max(held, stored);
    }
  }
  std::sort(rises.begin(), rises.end());
  std::int64_t longest = 0;
  for (std::size_t i = 1; i < rises.size(); ++i) longest = std::max(longest, rises[i] - rises[i - 1]);
  return static_cast<double>(longest) / 1000.0;
}

std::optional<VerifyFigures> parse_verify(std::string_view text) {
  std::optional<VerifyFigures> found;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const auto j = nlohmann::json::parse(text.substr(pos, nl - pos), nullptr, false);
    pos = nl + 1;
    if (!j.is_object() || j.value("command", "") != "verify" || !j.contains("totals") || !j["totals"].is_object())
      continue;
    const auto& t = j["totals"];
    const auto n = [&](const char* key) {
      return t.contains(key) && t[key].is_number_unsigned() ? t[key].get<std::uint64_t>() : std::uint64_t{0};
    };
    found = VerifyFigures{.ok = j.value("ok", false),
                          .expected = n("expected"),
                          .rows = n("rows"),
                          .dead_letters = n("dead_letters"),
                          .missing = n("missing"),
                          .duplicated = n("duplicated")};
  }
  return found;
}

nlohmann::json to_json(const VerifyFigures& v) {
  return {{"ok", v.ok},           {"expected", v.expected},    {"rows", v.rows}, {"dead_letters", v.dead_letters},
          {"missing", v.missing}, {"duplicated", v.duplicated}};
}

std::string exported_value(std::string_view env_output, std::string_view name) {
  const std::string prefix = "export " + std::string(name) + "=";
  std::size_t pos = 0;
  while (pos < env_output.size()) {
    std::size_t nl = env_output.find('\n', pos);
    if (nl == std::string_view::npos) nl = env_output.size();
    std::string_view line = env_output.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.substr(0, prefix.size()) != prefix) continue;
    line.remove_prefix(prefix.size());
    if (line.size() >= 2 && line.front() == '\'' && line.back() == '\'') line = line.substr(1, line.size() - 2);
    return std::string(line);
  }
  return "";
}

namespace {

// The host of "scheme://[user[:pw]@]host[:port][/…]" or "host:port", lower-cased; IPv6 in
// brackets kept as written.
std::string host_of(const std::string& address) {
  std::string rest = address;
  if (auto p = rest.find("://"); p != std::string::npos) rest = rest.substr(p + 3);
  rest = rest.substr(0, rest.find_first_of("/?,"));
  if (auto p = rest.rfind('@'); p != std::string::npos) rest = rest.substr(p + 1);
  if (!rest.empty() && rest.front() == '[') {
    rest = rest.substr(0, rest.find(']') + 1);
  } else {
    rest = rest.substr(0, rest.find(':'));
  }
  std::transform(rest.begin(), rest.end(), rest.begin(), [](unsigned char c) { return std::tolower(c); });
  if (rest == "localhost") return "127.0.0.1";
  return rest;
}

}  // namespace

bool same_server(const std::string& a, const std::string& b, std::uint16_t default_port) {
  const std::string ha = host_of(a), hb = host_of(b);
  return !ha.empty() && ha == hb && port_of(a, default_port) == port_of(b, default_port);
}

}  // namespace streamlab::bench
