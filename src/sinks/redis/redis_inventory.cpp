#include "sinks/redis/redis_inventory.hpp"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "sinks/redis/redis_connection.hpp"
#include "sinks/redis/redis_sink.hpp"

namespace streamlab::sinks {
namespace {

using redis::Command;
using redis::Reply;

constexpr std::int64_t kPage = 10000;

struct Coordinates {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "<partition>:<offset>"
std::optional<Coordinates> coordinates(std::string_view s) {
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto p = number<std::int32_t>(s.substr(0, colon));
  const auto o = number<std::int64_t>(s.substr(colon + 1));
  if (!p || !o) return std::nullopt;
  return Coordinates{*p, *o};
}

std::string_view text(const redisReply* r) {
  return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ? std::string_view(r->str, r->len)
                                                                        : std::string_view();
}

std::string entries(std::uint64_t n) { return fmt::format("{} {}", n, n == 1 ? "entry" : "entries"); }

// Keys seen that the report cannot count as rows, for a note.
struct Oddities {
  std::uint64_t count = 0;
  std::string first;
  void add(std::string_view key) {
    if (count++ == 0) first = key;
  }
};

class Reader {
 public:
  Reader(redis::Connection& c, std::string where) : c_(c), where_(std::move(where)) {}

  Reply call(Command& cmd) {
    cmd.append_to(c_);
    Reply r = c_.read_reply();
    if (r->type == REDIS_REPLY_ERROR) throw FatalError(fmt::format("{}: {}", where_, std::string(r->str, r->len)));
    return r;
  }

  // LRANGE key start start+kPage-1 as strings.
  std::vector<std::string> page(const std::string& key, std::int64_t start) {
    Command cmd;
    cmd.arg("LRANGE").arg(key).arg(start).arg(start + kPage - 1);
    const Reply r = call(cmd);
    std::vector<std::string> out;
    out.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) out.emplace_back(text(r->element[i]));
    return out;
  }

  // Whether each key exists: one EXISTS for all (it counts a key once per mention), and one per
  // key only when some are gone.
  std::vector<bool> exist(const std::vector<std::string_view>& keys) {
    std::vector<bool> out(keys.size(), true);
    if (keys.empty()) return out;
    Command all;
    all.arg("EXISTS");
    for (const auto k : keys) all.arg(k);
    if (static_cast<std::size_t>(call(all)->integer) == keys.size()) return out;
    for (const auto k : keys) Command().arg("EXISTS").arg(k).append_to(c_);
    for (std::size_t i = 0; i < keys.size(); ++i) out[i] = c_.read_reply()->integer == 1;
    return out;
  }

  // HMGET key topic partition offset for each key, pipelined.
  std::vector<std::optional<std::pair<std::string, Coordinates>>> fields(const std::vector<std::string_view>& keys) {
    for (const auto k : keys) Command().arg("HMGET").arg(k).arg("topic").arg("partition").arg("offset").append_to(c_);
    std::vector<std::optional<std::pair<std::string, Coordinates>>> out;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const Reply r = c_.read_reply();
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
        out.emplace_back();
        continue;
      }
      const auto p = number<std::int32_t>(text(r->element[1]));
      const auto o = number<std::int64_t>(text(r->element[2]));
      if (p && o)
        out.emplace_back(std::pair{std::string(text(r->element[0])), Coordinates{*p, *o}});
      else
        out.emplace_back();
    }
    return out;
  }

 private:
  redis::Connection& c_;
  std::string where_;
};

}  // namespace

RedisInventory::RedisInventory(const std::string& uri, const std::string& prefix)
    : uri_(parse_redis_uri(uri)), prefix_(prefix.empty() ? RedisSinkOptions{}.prefix : prefix) {
  check_redis_prefix(prefix_);
}

std::string RedisInventory::describe() const { return fmt::format("{} prefix {}", uri_.describe(), prefix_); }

SinkHoldings RedisInventory::holdings(const std::string& topic, const std::string& group) {
  redis::Connection connection(uri_);
  Reader read(connection, uri_.describe());
  SinkHoldings out;

  // The offsets first: a consumer still running can then only have stored more rows, not fewer.
  {
    Command cmd;
    cmd.arg("HGETALL").arg(redis::offsets_key(prefix_, group));
    const Reply r = read.call(cmd);
    const std::string field_prefix = topic + ":";
    for (std::size_t i = 0; i + 1 < r->elements; i += 2) {
      const std::string_view field = text(r->element[i]);
      if (!field.starts_with(field_prefix)) continue;
      const auto p = number<std::int32_t>(field.substr(field_prefix.size()));
      const auto next = number<std::int64_t>(text(r->element[i + 1]));
      if (p && next) out.partitions[*p].stored_offset = *next;
    }
  }

  Oddities gone, foreign;
  std::uint64_t by_fields = 0;
  const std::string msg_prefix = fmt::format("{}:msg:{}:", prefix_, topic);
  const std::string index_key = fmt::format("{}:index:{}", prefix_, topic);
  for (std::int64_t start = 0;; start += kPage) {
    const std::vector<std::string> keys = read.page(index_key, start);
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    const std::vector<bool> exists = read.exist(views);
    std::vector<std::string_view> other;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const std::string_view key = keys[i];
      if (!exists[i]) {
        gone.add(key);
        continue;
      }
      const auto at = key.starts_with(msg_prefix) ? coordinates(key.substr(msg_prefix.size())) : std::nullopt;
      if (at) {
        out.partitions[at->partition].rows.push_back(at->offset);
      } else {
        other.push_back(key);
      }
    }
    const auto found = read.fields(other);
    for (std::size_t i = 0; i < other.size(); ++i) {
      if (found[i] && found[i]->first == topic) {
        out.partitions[found[i]->second.partition].rows.push_back(found[i]->second.offset);
        ++by_fields;
      } else {
        foreign.add(other[i]);
      }
    }
    if (static_cast<std::int64_t>(keys.size()) < kPage) break;
  }

  // One list of dead letters for every topic: this topic's are the keys under its prefix.
  Oddities dead_gone;
  const std::string dead_prefix = fmt::format("{}:dead:{}:", prefix_, topic);
  const std::string dead_key = prefix_ + ":dead_letters";
  for (std::int64_t start = 0;; start += kPage) {
    const std::vector<std::string> keys = read.page(dead_key, start);
    std::vector<std::string_view> mine;
    std::vector<Coordinates> at;
    for (const std::string& key : keys) {
      if (!std::string_view(key).starts_with(dead_prefix)) continue;
      if (const auto c = coordinates(std::string_view(key).substr(dead_prefix.size()))) {
        mine.push_back(key);
        at.push_back(*c);
      }
    }
    const std::vector<bool> exists = read.exist(mine);
    for (std::size_t i = 0; i < mine.size(); ++i) {
      if (exists[i]) {
        out.partitions[at[i].partition].dead_letters.push_back(at[i].offset);
      } else {
        dead_gone.add(mine[i]);
      }
    }
    if (static_cast<std::int64_t>(keys.size()) < kPage) break;
  }

  if (gone.count > 0) {
    out.notes.push_back(
        fmt::format("{}: {} naming a key that does not exist (first: {}); their offsets count as "
                    "not held",
                    index_key, entries(gone.count), gone.first));
  }
  if (foreign.count > 0) {
    out.notes.push_back(fmt::format("{}: {} not naming a message of topic {} (first: {}); not counted", index_key,
                                    entries(foreign.count), topic, foreign.first));
  }
  if (by_fields > 0) {
    out.notes.push_back(
        fmt::format("{}: {} in an earlier form (not {}<partition>:<offset>), read through their "
                    "hashes' partition and offset",
                    index_key, entries(by_fields), msg_prefix));
  }
  if (dead_gone.count > 0) {
    out.notes.push_back(fmt::format("{}: {} naming a key that does not exist (first: {}); not counted", dead_key,
                                    entries(dead_gone.count), dead_gone.first));
  }
  return out;
}

}  // namespace streamlab::sinks
