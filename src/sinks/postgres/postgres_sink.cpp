#include "sinks/postgres/postgres_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <set>

#include "core/errors.hpp"
#include "sinks/bisect.hpp"
#include "sinks/postgres/copy_binary.hpp"
#include "sinks/postgres/copy_text.hpp"

namespace streamlab::sinks {
namespace {

using postgres::append_copy_bytea;
using postgres::append_copy_text;
using postgres::append_copy_text_array;
using postgres::append_copy_timestamp_ms;
using postgres::array_literal;
using postgres::kCopyNull;

using postgres::Result;
using postgres::throw_for;

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// What a row's data can make PostgreSQL refuse: class 22 (data exception: a value out of range,
// bad input syntax, a character the encoding lacks) and class 23 (a constraint), except
// unique_violation, which means rows stored without offsets by someone else (Conflict).
bool is_data_error(std::string_view state) {
  return state.starts_with("22") || (state.starts_with("23") && state != "23505");
}

// The dead letter's reason: the server's message, its detail, the SQLSTATE and the column (for
// COPY, named in the context: "COPY t, line 2, column created_at: ..."). Bounded, since a
// message may quote the value.
std::string refusal_reason(const PGresult* res) {
  const auto field = [&](int code) {
    const char* v = PQresultErrorField(res, code);
    return std::string_view(v != nullptr ? v : "");
  };
  std::string column(field(PG_DIAG_COLUMN_NAME));
  const std::string_view context = field(PG_DIAG_CONTEXT);
  if (const auto at = context.find(", column "); column.empty() && at != std::string_view::npos) {
    const std::string_view rest = context.substr(at + 9);
    column = rest.substr(0, rest.find(':'));
  }
  std::string reason = fmt::format("PostgreSQL refused the row: {}", field(PG_DIAG_MESSAGE_PRIMARY));
  if (const auto detail = field(PG_DIAG_MESSAGE_DETAIL); !detail.empty()) reason += fmt::format(" ({})", detail);
  reason += fmt::format(" [SQLSTATE {}{}{}]", field(PG_DIAG_SQLSTATE), column.empty() ? "" : ", column ", column);
  constexpr std::size_t kMaxReason = 1000;
  if (reason.size() > kMaxReason) {
    std::size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    reason.resize(cut);
    reason += "...";
  }
  return reason;
}

}  // namespace

PostgresTables postgres_tables(const std::string& table) {
  return {postgres::quoted_table_name(table), postgres::quoted_table_name(table + "_dead_letters", 63)};
}

PostgresSink::PostgresSink(PostgresSinkOptions options)
    : options_(std::move(options)), conn_(options_.uri, options_.timeout) {
  PostgresTables tables = postgres_tables(options_.table);
  table_ = std::move(tables.rows);
  dead_table_ = std::move(tables.dead_letters);
}

PostgresSink::~PostgresSink() = default;

std::string PostgresSink::describe() const { return conn_.where(); }

PGconn* PostgresSink::connection() {
  return conn_.get([this](PGconn*) {
    create_tables();
    choose_row_format();
  });
}

void PostgresSink::create_tables() {
  const char* raw_type = options_.raw == RawColumn::Jsonb ? "jsonb" : "json";
  conn_.exec("BEGIN");
  // Several consumers of one group may start together; CREATE IF NOT EXISTS alone can race.
  conn_.exec("SELECT pg_advisory_xact_lock(hashtext('streamlab schema'))", {}, PGRES_TUPLES_OK);
  // The key's fixed-width columns first: a B-tree descent then compares two integers, where
  // text first (the same topic in every row) compared it and walked past it to reach the rest
  // (1,000,000 counter rows inserted: 3.5 s with topic first, 2.6 s with it last).
  conn_.exec(fmt::format(R"(CREATE TABLE IF NOT EXISTS {} (
      topic text NOT NULL, "partition" integer NOT NULL, "offset" bigint NOT NULL,
      kind text NOT NULL, number bigint,
      id text, created_at timestamptz, author text, lang text, text text,
      hashtags text[], mentions text[], is_retweet boolean,
      kafka_timestamp timestamptz,
      PRIMARY KEY ("partition", "offset", topic)))",
                         table_));
  if (options_.raw != RawColumn::None) {
    conn_.exec(fmt::format("ALTER TABLE {} ADD COLUMN IF NOT EXISTS raw {}", table_, raw_type));
  }
  conn_.exec(fmt::format(R"(CREATE TABLE IF NOT EXISTS {} (
      topic text NOT NULL, "partition" integer NOT NULL, "offset" bigint NOT NULL,
      consumer_group text NOT NULL, error text NOT NULL, payload bytea NOT NULL,
      kafka_timestamp timestamptz,
      PRIMARY KEY ("partition", "offset", topic)))",
                         dead_table_));
  conn_.exec(R"(CREATE TABLE IF NOT EXISTS streamlab_offsets (
      consumer_group text NOT NULL, topic text NOT NULL, "partition" integer NOT NULL,
      next_offset bigint NOT NULL,
      PRIMARY KEY (consumer_group, topic, "partition")))");
  conn_.exec("COMMIT");
}

void PostgresSink::choose_row_format() {
  Result r = conn_.exec(R"(SELECT attname, atttypid::bigint FROM pg_attribute
             WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped)",
                        {table_}, PGRES_TUPLES_OK);
  std::vector<std::pair<std::string, std::uint32_t>> columns;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    columns.emplace_back(PQgetvalue(r.get(), i, 0), static_cast<std::uint32_t>(std::stoul(PQgetvalue(r.get(), i, 1))));
  }
  const postgres::BinaryRows format = postgres::binary_rows_for(columns, options_.raw != RawColumn::None);
  binary_rows_ = format.usable;
  raw_column_ = format.raw;
  if (!format.usable && !told_text_rows_) {
    told_text_rows_ = true;
    fmt::print(stderr, "sink: {} rows go to {} in COPY's text format, not binary: {}\n", describe(), table_,
               format.why_not);
  }
}

Offsets PostgresSink::stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) {
  connection();
  Result r = conn_.exec(R"(SELECT topic, "partition", next_offset FROM streamlab_offsets WHERE consumer_group = $1)",
                        {group}, PGRES_TUPLES_OK);
  const std::set<TopicPartition> wanted(partitions.begin(), partitions.end());
  Offsets out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    TopicPartition tp{PQgetvalue(r.get(), i, 0), std::stoi(PQgetvalue(r.get(), i, 1))};
    if (wanted.count(tp) != 0) out[tp] = std::stoll(PQgetvalue(r.get(), i, 2));
  }
  return out;
}

std::string PostgresSink::unmappable(const Row& row) const {
  if (std::string why = Sink::unmappable(row); !why.empty()) return why;
  const tweets::Tweet& t = row.parsed.tweet;
  if (has_nul(t.text) || has_nul(t.author) || has_nul(t.id) || has_nul(t.lang)) {
    return "the tweet contains a NUL character (\\u0000), which a PostgreSQL text value cannot hold";
  }
  for (const auto& h : t.hashtags) {
    if (has_nul(h)) return "a hashtag contains a NUL character (\\u0000)";
  }
  for (const auto& m : t.mentions) {
    if (has_nul(m)) return "a mention contains a NUL character (\\u0000)";
  }
  if (options_.raw == RawColumn::Jsonb && row.payload().find("\\u0000") != std::string_view::npos) {
    return "the document contains \\u0000, which jsonb cannot hold";
  }
  return {};
}

void PostgresSink::append_copy_row(const Row& r, bool dead, const std::string& group, std::string& out) const {
  append_copy_text(r.topic(), out);
  fmt::format_to(std::back_inserter(out), "\t{}\t{}\t", r.partition(), r.offset());
  const std::int64_t ts = r.timestamp_ms();
  if (dead) {
    append_copy_text(group, out);
    out.push_back('\t');
    append_copy_text(r.dead_letter_reason, out);
    out.push_back('\t');
    append_copy_bytea(r.payload(), out);
    out.push_back('\t');
  } else if (r.parsed.kind == tweets::MessageKind::Counter) {
    fmt::format_to(std::back_inserter(out), "counter\t{}\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t", r.parsed.number);
  } else {
    const tweets::Tweet& t = r.parsed.tweet;
    out += "tweet\t\\N\t";
    append_copy_text(t.id, out);
    out.push_back('\t');
    out += t.created_at.empty() ? std::string(kCopyNull) : t.created_at;
    out.push_back('\t');
    append_copy_text(t.author, out);
    out.push_back('\t');
    append_copy_text(t.lang, out);
    out.push_back('\t');
    append_copy_text(t.text, out);
    out.push_back('\t');
    append_copy_text_array(t.hashtags, out);
    out.push_back('\t');
    append_copy_text_array(t.mentions, out);
    out += t.is_retweet ? "\tt\t" : "\tf\t";
  }
  if (ts > 0) {
    append_copy_timestamp_ms(ts, out);
  } else {
    out += kCopyNull;
  }
  if (!dead && options_.raw != RawColumn::None) {
    out.push_back('\t');
    append_copy_text(r.payload(), out);
  }
  out.push_back('\n');
}

Result PostgresSink::copy(PGconn* c, const std::string& sql, std::span<const Row* const> rows, bool dead,
                          const std::string& group, bool binary) {
  // The simple protocol, so that `sql` may put a SAVEPOINT before the COPY in one round trip.
  const std::vector<Result> started = conn_.exec_each("COPY", sql);
  if (started.empty() || PQresultStatus(started.back().get()) != PGRES_COPY_IN) {
    throw_for(c, started.empty() ? nullptr : started.back().get(), "COPY");
  }
  return std::move(send_rows(c, rows, dead, group, binary).front());
}

std::vector<Result> PostgresSink::send_rows(PGconn* c, std::span<const Row* const> rows, bool dead,
                                            const std::string& group, bool binary) {
  // Each blocking call is bounded: a 1 MB chunk waits only while the server does not read.
  // A server that refused a row mid-stream makes libpq stop taking data; its error is then
  // the COPY's result below, not a connection problem.
  bool sending = true;
  const auto send = [&] {
    if (sending && conn_.bounded("COPY", [&] {
          return PQputCopyData(c, copy_buf_.data(), static_cast<int>(copy_buf_.size()));
        }) != 1) {
      if (PQstatus(c) == CONNECTION_BAD) throw_for(c, nullptr, "COPY");
      sending = false;
    }
    copy_buf_.clear();
  };
  copy_buf_.clear();
  if (binary) postgres::append_copy_binary_header(copy_buf_);
  for (const Row* r : rows) {
    if (binary) {
      postgres::append_binary_row(*r, raw_column_, copy_buf_);
    } else {
      append_copy_row(*r, dead, group, copy_buf_);
    }
    if (copy_buf_.size() >= (1u << 20)) send();
  }
  if (binary) postgres::append_copy_binary_trailer(copy_buf_);
  if (!copy_buf_.empty()) send();
  if (conn_.bounded("COPY", [&] { return PQputCopyEnd(c, nullptr); }) != 1 && PQstatus(c) == CONNECTION_BAD) {
    throw_for(c, nullptr, "COPY");
  }
  std::vector<Result> done;
  conn_.bounded("COPY", [&] {
    while (PGresult* r = PQgetResult(c)) done.emplace_back(r);
    return done.size();
  });
  if (done.empty()) throw_for(c, nullptr, "COPY");
  return done;
}

Offsets PostgresSink::write(const std::string& group, const Batch& batch) {
  PGconn* c = connection();
  const auto ranges = batch.ranges();
  std::vector<std::string> topics, parts, nexts;
  for (const auto& [tp, range] : ranges) {
    topics.push_back(tp.topic);
    parts.push_back(std::to_string(tp.partition));
    nexts.push_back(std::to_string(range.next));
  }
  std::vector<const Row*> rows, dead;
  for (const Row& r : batch.rows) (r.dead_letter_reason.empty() ? rows : dead).push_back(&r);
  RefusedRows refused;
  try {
    // The statements before and after the COPY go in the same round trips as the COPY (the
    // simple protocol, values as escaped literals): a write is two round trips, the script up to
    // the COPY, then the rows and what follows them. Drains in 1,000-row batches spent 9% less
    // time writing than with a round trip each for the BEGIN part, the COPY and the COMMIT part.
    const std::string g = conn_.literal(group), t = conn_.literal(array_literal(topics)),
                      p = conn_.literal(array_literal(parts)), n = conn_.literal(array_literal(nexts));
    // Per-partition locks serialise members of the group (even for partitions with no stored
    // row yet); then the stored offsets tell whether another member got here first.
    // The first offsets row of a partition waits for the disk even where commits do not
    // (synchronous_commit=off, from the URI or the server's settings). A server crash may lose
    // such commits, the last ones whole: later batches' offsets then go back with their rows, and
    // the consumer reads again from there; but a partition left with no row at all would make a
    // restarted consumer start from Kafka's committed offset, past the rows the crash took.
    const std::string begin = fmt::format(R"(BEGIN;
               SELECT pg_advisory_xact_lock(hashtextextended({0} || '/' || t || '/' || p, 0))
               FROM unnest({1}::text[], {2}::int[]) AS u(t, p) ORDER BY t, p;
               SELECT o.topic, o."partition", o.next_offset FROM streamlab_offsets o
               JOIN unnest({1}::text[], {2}::int[]) AS u(t, p) ON o.topic = u.t AND o."partition" = u.p
               WHERE o.consumer_group = {0};
               SELECT set_config('synchronous_commit', 'on', true) WHERE EXISTS (
                 SELECT FROM unnest({1}::text[], {2}::int[]) AS u(t, p) WHERE NOT EXISTS (
                   SELECT FROM streamlab_offsets o
                   WHERE o.consumer_group = {0} AND o.topic = u.t AND o."partition" = u.p)))",
                                          g, t, p);
    const std::string commit = fmt::format(
        R"(INSERT INTO streamlab_offsets (consumer_group, topic, "partition", next_offset)
               SELECT {}, t, p, n FROM unnest({}::text[], {}::int[], {}::bigint[]) AS u(t, p, n)
               ON CONFLICT (consumer_group, topic, "partition") DO UPDATE SET next_offset = EXCLUDED.next_offset;
               COMMIT)",
        g, t, p, n);
    // Each attempt runs under a savepoint, so a row refused for its data (year 0 in a date,
    // a column constraint, JSON the json type does not take) costs the attempt, not the
    // transaction: the rows are halved around the refusals until each refused row is alone.
    // After the first attempt the savepoint is released and set again in the same round trip
    // (what an accepted attempt stored joins the transaction), so the nesting stays one deep.
    const std::string copy_rows = fmt::format(
        R"(SAVEPOINT streamlab_rows; COPY {} (topic, "partition", "offset", kind, number, id, created_at, author,
             lang, text, hashtags, mentions, is_retweet, kafka_timestamp{}) FROM STDIN{})",
        table_, options_.raw != RawColumn::None ? ", raw" : "", binary_rows_ ? " (FORMAT binary)" : "");
    const std::string recopy_rows = "RELEASE SAVEPOINT streamlab_rows; " + copy_rows;
    // The usual batch, rows and no dead letter yet, is one script: BEGIN to COMMIT. Its COPY is
    // the first attempt; the offsets' upsert and COMMIT after it run only if it stored every row.
    const bool one_script = !rows.empty() && dead.empty();
    std::vector<Result> before = conn_.exec_each("BEGIN, the offsets' locks and their read",
                                                 begin + (one_script ? ";" + copy_rows + ";" + commit : ""));
    constexpr std::size_t kOffsetsRead = 2;  // BEGIN, the locks, the read
    if (before.size() <= kOffsetsRead || PQresultStatus(before[kOffsetsRead].get()) != PGRES_TUPLES_OK ||
        (one_script && PQresultStatus(before.back().get()) != PGRES_COPY_IN)) {
      throw_for(c, before.empty() ? nullptr : before.back().get(), "BEGIN, the offsets' locks and their read");
    }
    const PGresult* stored = before[kOffsetsRead].get();
    Offsets now;
    for (int i = 0; i < PQntuples(stored); ++i) {
      now[{PQgetvalue(stored, i, 0), std::stoi(PQgetvalue(stored, i, 1))}] = std::stoll(PQgetvalue(stored, i, 2));
    }
    const Offsets fenced = fenced_partitions(batch, now);
    if (!fenced.empty()) {
      if (one_script) {  // the COPY waiting for rows fails, and the statements after it with it
        conn_.bounded("COPY", [&] {
          PQputCopyEnd(c, "streamlab: another member stored these partitions first");
          while (PGresult* r = PQgetResult(c)) PQclear(r);
          return 0;
        });
      }
      conn_.exec("ROLLBACK");
      return fenced;
    }

    bool committed = false;
    if (!rows.empty()) {
      std::size_t attempts = 0;
      const auto started = std::chrono::steady_clock::now();
      const auto attempt = [&](std::size_t first, std::size_t last) -> Attempt {
        const std::span<const Row* const> some = std::span(rows).subspan(first, last - first);
        Result done;
        if (attempts++ == 0 && one_script) {
          std::vector<Result> all = send_rows(c, some, false, group, binary_rows_);
          for (std::size_t i = 1; i < all.size(); ++i) {
            if (PQresultStatus(all[i].get()) != PGRES_COMMAND_OK) {
              throw_for(c, all[i].get(), "the offsets' upsert and COMMIT");
            }
          }
          committed = all.size() > 1 && PQresultStatus(all[0].get()) == PGRES_COMMAND_OK;
          done = std::move(all[0]);
        } else {
          done = copy(c, attempts == 1 ? copy_rows : recopy_rows, some, false, group, binary_rows_);
        }
        if (PQresultStatus(done.get()) == PGRES_COMMAND_OK) return {true, {}};
        const char* state = PQresultErrorField(done.get(), PG_DIAG_SQLSTATE);
        if (binary_rows_ && state != nullptr &&
            (std::strcmp(state, "22P03") == 0 || std::strcmp(state, "42804") == 0)) {
          // Binary rows the columns no longer fit (the table was altered since this connection
          // read its types): not the rows' fault. Written again over a new connection, which
          // reads the types again.
          std::string why = PQresultErrorMessage(done.get());
          while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
          throw RetryableError(
              fmt::format("{}: COPY: {} (the rows table's columns changed type: read again)", describe(), why));
        }
        if (!is_data_error(state != nullptr ? state : "")) throw_for(c, done.get(), "COPY");
        conn_.exec("ROLLBACK TO SAVEPOINT streamlab_rows");
        return {false, refusal_reason(done.get())};
      };
      for (Rejection& r : find_rejected(rows.size(), attempt)) refused.mark(*rows[r.index], std::move(r.error));
      if (refused.size() > 0) {
        fmt::print(stderr,
                   "sink: {} refused {} of {} rows for their data; found in {} attempts ({:.0f} ms), stored "
                   "as dead letters\n",
                   describe(), refused.size(), rows.size(), attempts,
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
      }
    }
    if (!committed) {
      dead.clear();  // with the rows refused just now
      for (const Row& r : batch.rows) {
        if (!r.dead_letter_reason.empty()) dead.push_back(&r);
      }
      if (!dead.empty()) {
        Result done = copy(c,
                           fmt::format(R"(COPY {} (topic, "partition", "offset", consumer_group, error, payload,
                                          kafka_timestamp) FROM STDIN)",
                                       dead_table_),
                           dead, true, group);
        if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) throw_for(c, done.get(), "COPY");
      }
      conn_.exec_script("the offsets' upsert and COMMIT", commit);
    }
    refused.keep();
    return {};
  } catch (const postgres::UniqueViolation& e) {
    // Rows already there under the same (topic, partition, offset), stored without offsets by
    // someone else: never overwrite; stop, since the store is not what this group wrote.
    conn_.roll_back();
    throw FatalError(fmt::format("{}: {} (rows of this batch already exist in {})", conn_.where(), e.what(), table_));
  } catch (const RetryableError&) {
    conn_.reset();  // reconnect on the next attempt
    throw;
  } catch (const FatalError&) {
    conn_.roll_back();
    throw;
  }
}

}  // namespace streamlab::sinks
