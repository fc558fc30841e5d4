#include "kafka/properties_file.hpp"

#include <fmt/format.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "core/errors.hpp"

namespace streamlab::kafka {

namespace {

std::string_view trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool holds_secret(std::string_view key) {
  return key.find("password") != std::string_view::npos || key.find("secret") != std::string_view::npos ||
         key.find("token") != std::string_view::npos;
}

}  // namespace

PropertiesText parse_properties_text(std::string_view text, std::string_view name) {
  PropertiesText out;
  for (int n = 1; !text.empty(); ++n) {
    const auto end = text.find('\n');
    const std::string_view line = trimmed(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line[0] == '#') continue;
    const auto eq = line.find('=');
    const std::string_view key = eq == std::string_view::npos ? std::string_view{} : trimmed(line.substr(0, eq));
    if (key.empty()) {
      throw core::UsageError(fmt::format("-F {}: line {} is not key=value", name, n));  // the line may hold a secret
    }
    out.holds_secret = out.holds_secret || holds_secret(key);
    out.properties.emplace_back(key, trimmed(line.substr(eq + 1)));
  }
  return out;
}

Properties read_properties_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::UsageError(fmt::format("-F {}: cannot read it: {}", path, std::strerror(errno)));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  PropertiesText parsed = parse_properties_text(text, path);
  struct stat st {};
  if (parsed.holds_secret && ::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    fmt::print(stderr, "warning: -F {} holds a secret and other users may read it (mode {:o}); chmod 600 it\n", path,
               st.st_mode & 0777);
  }
  return std::move(parsed.properties);
}

}  // namespace streamlab::kafka
