// libFuzzer target: the PostgreSQL sink's COPY binary encoder (sinks/postgres/copy_binary.cpp).
// A message row made from the input (a counter or a tweet of any texts, arrays, dates, Kafka
// timestamp and raw document) is written between the stream's header and trailer and read back
// as PostgreSQL reads COPY binary (and then array_recv, jsonb_recv): the stream has its header,
// one tuple of exactly the rows table's fields and its trailer, and nothing more; every length
// covers its value exactly; each field reads back as the value written; timestamps are the
// instant to the microsecond from 2000-01-01, computed here by a second route (the date's text
// form read back), NULL exactly where that form is not of years 0001-9999, and created_at to its
// whole second, as the text rows store it.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "sinks/postgres/copy_binary.hpp"
#include "tweets/timestamps.hpp"

using namespace streamlab::sinks::postgres;
using streamlab::fuzz::check;
using streamlab::fuzz::days_from_civil;
using streamlab::sinks::RawColumn;

namespace {

// The stream read front to back; every read is checked to stay inside it.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  std::string_view take(std::size_t n) {
    check(rest_.size() >= n, "a value runs past the end of the stream");
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  std::uint64_t number(std::size_t bytes) {
    std::uint64_t v = 0;
    for (const char c : take(bytes)) v = v << 8 | static_cast<unsigned char>(c);
    return v;
  }
  std::int16_t i16() { return static_cast<std::int16_t>(number(2)); }
  std::int32_t i32() { return static_cast<std::int32_t>(number(4)); }
  std::int64_t i64() { return static_cast<std::int64_t>(number(8)); }
  bool empty() const { return rest_.empty(); }
  // One field: its bytes, or nothing for NULL.
  std::optional<std::string_view> field() {
    const std::int32_t length = i32();
    if (length == -1) return std::nullopt;
    check(length >= 0, "a field of negative length other than -1");
    return take(static_cast<std::size_t>(length));
  }

 private:
  std::string_view rest_;
};

std::int64_t int_of(std::string_view value, std::size_t size) {
  check(value.size() == size, "an integer field of the wrong length");
  return static_cast<std::int64_t>(Reader(value).number(size) << (64 - 8 * size)) >> (64 - 8 * size);
}

// A text[] as array_recv reads it: one dimension (none when empty), no NULLs, text elements.
std::vector<std::string> array_of(std::string_view value) {
  Reader r(value);
  const std::int32_t ndim = r.i32();
  check(r.i32() == 0, "an array that says it holds NULLs");
  check(static_cast<std::uint32_t>(r.i32()) == kTextOid, "an array of another element type");
  std::vector<std::string> out;
  check(ndim == 0 || ndim == 1, "an array of other dimensions");
  if (ndim == 1) {
    const std::int32_t n = r.i32();
    check(n > 0, "a one-dimensional array without elements");
    check(r.i32() == 1, "an array whose lower bound is not 1");
    for (std::int32_t i = 0; i < n; ++i) {
      const auto e = r.field();
      check(e.has_value(), "a NULL element");
      out.emplace_back(*e);
    }
  }
  check(r.empty(), "an array's length covers more than its elements");
  return out;
}

// The timestamp a text row would hold for these milliseconds, by way of its text form
// ("YYYY-MM-DDTHH:MM:SSZ", whole seconds, years 0000-9999; nothing beyond): microseconds from
// 2000-01-01 with the milliseconds kept unless `whole_seconds`; none where PostgreSQL would hold
// no such instant of years 0001-9999.
std::optional<std::int64_t> expected_us(std::int64_t ms, bool whole_seconds) {
  std::string s;
  if (!streamlab::tweets::append_iso8601_utc(ms, s) || s.starts_with("0000")) return std::nullopt;
  const auto at = [&](std::size_t i, std::size_t n) { return std::stoll(s.substr(i, n)); };
  const std::int64_t days = days_from_civil(at(0, 4), static_cast<unsigned>(at(5, 2)), static_cast<unsigned>(at(8, 2)));
  const std::int64_t seconds = ((days * 24 + at(11, 2)) * 60 + at(14, 2)) * 60 + at(17, 2);
  const std::int64_t millis = whole_seconds ? 0 : ((ms % 1000) + 1000) % 1000;
  return (seconds - 10'957LL * 86'400) * 1'000'000 + millis * 1000;  // 10,957 days from 1970 to 2000
}

void check_timestamp(const std::optional<std::string_view>& field, std::optional<std::int64_t> expected,
                     const char* what) {
  check(field.has_value() == expected.has_value(), what);
  if (expected) check(int_of(*field, 8) == *expected, what);
}

std::string without_nul(std::string s) {
  std::erase(s, '\0');  // the caller's guarantee (Sink::unmappable): a text value holds no NUL
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string topic = without_nul(in.ConsumeRandomLengthString(32));
  const auto partition = in.ConsumeIntegral<std::int32_t>();
  const auto offset = in.ConsumeIntegral<std::int64_t>();
  const auto timestamp_ms = in.ConsumeIntegral<std::int64_t>();
  const bool is_counter = in.ConsumeBool();
  const auto raw = in.PickValueInArray({RawColumn::None, RawColumn::Json, RawColumn::Jsonb});
  streamlab::sinks::Row row;
  streamlab::tweets::Tweet& t = row.parsed.tweet;
  if (is_counter) {
    row.parsed.kind = streamlab::tweets::MessageKind::Counter;
    row.parsed.number = in.ConsumeIntegral<std::int64_t>();
  } else {
    row.parsed.kind = streamlab::tweets::MessageKind::Tweet;
    t.id = without_nul(in.ConsumeRandomLengthString(24));
    t.author = without_nul(in.ConsumeRandomLengthString(24));
    t.lang = without_nul(in.ConsumeRandomLengthString(8));
    t.text = without_nul(in.ConsumeRandomLengthString(256));
    t.hashtags.resize(in.ConsumeIntegralInRange<std::size_t>(0, 5));
    for (auto& h : t.hashtags) h = without_nul(in.ConsumeRandomLengthString(32));
    t.mentions.resize(in.ConsumeIntegralInRange<std::size_t>(0, 3));
    for (auto& m : t.mentions) m = without_nul(in.ConsumeRandomLengthString(32));
    t.is_retweet = in.ConsumeBool();
    // As the parser sets them: both, for an instant of years 0001-9999, or neither.
    const auto created_ms = in.ConsumeIntegral<std::int64_t>();
    if (in.ConsumeBool() && streamlab::tweets::is_kept_time(created_ms)) {
      streamlab::tweets::append_iso8601_utc(created_ms, t.created_at);
      t.created_at_ms = created_ms;
    }
  }
  const std::string payload = in.ConsumeRemainingBytesAsString();
  row.message = streamlab::kafka::Message::copy(topic, partition, offset, payload, timestamp_ms);

  std::string stream;
  append_copy_binary_header(stream);
  append_binary_row(row, raw, stream);
  append_copy_binary_trailer(stream);

  Reader r(stream);
  check(r.take(11) == std::string_view("PGCOPY\n\377\r\n\0", 11), "not COPY's binary signature");
  check(r.i32() == 0 && r.i32() == 0, "header flags or an extension");
  check(r.i16() == (raw == RawColumn::None ? 14 : 15), "a tuple of another number of fields");
  std::vector<std::optional<std::string_view>> f;
  for (int i = 0; i < (raw == RawColumn::None ? 14 : 15); ++i) f.push_back(r.field());
  check(r.i16() == -1, "no trailer after the tuple");
  check(r.empty(), "bytes after the trailer");

  check(f[0] == std::string_view(topic), "topic");
  check(f[1] && int_of(*f[1], 4) == partition, "partition");
  check(f[2] && int_of(*f[2], 8) == offset, "offset");
  check(f[3] == std::string_view(is_counter ? "counter" : "tweet"), "kind");
  if (is_counter) {
    check(f[4] && int_of(*f[4], 8) == row.parsed.number, "number");
    for (int i = 5; i <= 12; ++i) check(!f[i], "a tweet's field of a counter is not NULL");
  } else {
    check(!f[4], "a tweet's number is not NULL");
    check(f[5] == std::string_view(t.id) && f[7] == std::string_view(t.author) && f[8] == std::string_view(t.lang) &&
              f[9] == std::string_view(t.text),
          "a tweet's text field reads back as another text");
    check_timestamp(f[6], t.created_at.empty() ? std::nullopt : expected_us(t.created_at_ms, true), "created_at");
    check(f[10] && array_of(*f[10]) == t.hashtags, "hashtags");
    check(f[11] && array_of(*f[11]) == t.mentions, "mentions");
    check(f[12] && f[12]->size() == 1 && (*f[12])[0] == (t.is_retweet ? '\1' : '\0'), "is_retweet");
  }
  check_timestamp(f[13], timestamp_ms > 0 ? expected_us(timestamp_ms, false) : std::nullopt, "kafka_timestamp");
  if (raw == RawColumn::Json) check(f[14] == std::string_view(payload), "raw json");
  if (raw == RawColumn::Jsonb) check(f[14] == "\1" + payload, "raw jsonb without its version byte");
  return 0;
}
