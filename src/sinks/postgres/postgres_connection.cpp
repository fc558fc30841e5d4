#include "sinks/postgres/postgres_connection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

#include "core/errors.hpp"
#include "core/percent_encoding.hpp"
#include "sinks/sink.hpp"

namespace streamlab::sinks::postgres {
namespace {

// A statement's name in errors: its first words.
std::string_view label(std::string_view sql) { return sql.substr(0, sql.find(' ', 12)); }

}  // namespace

SinkUri split_sink_uri(const std::string& uri) {
  SinkUri out{uri, {}};
  const std::size_t query = uri.find('?');
  if (!(uri.starts_with("postgres://") || uri.starts_with("postgresql://")) || query == std::string::npos) return out;
  std::string kept;
  std::string_view rest = std::string_view(uri).substr(query + 1);
  while (true) {
    const std::size_t amp = rest.find('&');
    const std::string_view param = rest.substr(0, amp);
    if (param.starts_with("synchronous_commit=")) {
      const auto value = core::percent_decode(param.substr(param.find('=') + 1));
      constexpr std::string_view kValues[] = {"on", "off", "local", "remote_write", "remote_apply"};
      if (!value || std::find(std::begin(kValues), std::end(kValues), *value) == std::end(kValues)) {
        throw core::UsageError("--sink: synchronous_commit takes off, local, remote_write, remote_apply or on");
      }
      out.synchronous_commit = *value;
    } else if (!param.empty()) {
      kept += kept.empty() ? "?" : "&";
      kept += param;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  out.libpq = uri.substr(0, query) + kept;
  return out;
}

void throw_for(PGconn* conn, const PGresult* res, const std::string& what) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  const std::string text = fmt::format("{}: {}", what, message);
  const std::string s = state != nullptr ? state : "";
  if (s == "23505") throw UniqueViolation(text);
  if (PQstatus(conn) == CONNECTION_BAD || s.empty() || s.starts_with("08") || s.starts_with("57P") ||
      s.starts_with("53") || s == "40001" || s == "40P01") {
    throw RetryableError(text);
  }
  throw FatalError(text);
}

Result exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params, ExecStatusType expect) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  Result r(
      PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  if (!r || PQresultStatus(r.get()) != expect) throw_for(conn, r.get(), std::string(label(sql)));
  return r;
}

Connection::Connection(std::string uri, std::chrono::milliseconds timeout) : timeout_(timeout) {
  SinkUri split = split_sink_uri(uri);
  uri_ = std::move(split.libpq);
  synchronous_commit_ = std::move(split.synchronous_commit);
  char* err = nullptr;
  PQconninfoOption* info = PQconninfoParse(uri_.c_str(), &err);
  if (info == nullptr) {
    std::string why = err != nullptr ? err : "invalid";
    PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw core::UsageError(fmt::format("--sink: not a PostgreSQL connection URI: {}", why));
  }
  std::string host = "localhost", port = "5432", db;
  for (PQconninfoOption* o = info; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    if (std::strcmp(o->keyword, "host") == 0) host = o->val;
    if (std::strcmp(o->keyword, "port") == 0) port = o->val;
    if (std::strcmp(o->keyword, "dbname") == 0) db = o->val;
  }
  PQconninfoFree(info);
  where_ = fmt::format("postgres {}:{}/{}", host, port, db);
}

Connection::~Connection() = default;

void Connection::reset() { conn_.reset(); }

PGconn* Connection::get(const std::function<void(PGconn*)>& on_connect) {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return conn_.get();
  // The URI comes after our defaults so that what the user wrote wins, except the encoding
  // (COPY's text is UTF-8), which comes with the startup message: no query of its own, and so
  // nothing to wait for outside connect_timeout, which bounds the whole connect.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", nullptr};
  const char* values[] = {"5", "streamlab", uri_.c_str(), "UTF8", nullptr};
  conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    conn_.reset();
    // The server answered and refused (authentication, no such database): retrying won't help.
    // Startup and shutdown also come as FATAL from the server, but pass. A server that wants a
    // password the client does not have (none in the URI, PGPASSWORD or the password file) is
    // refused by libpq itself ("fe_sendauth: no password supplied"): the same.
    // TLS that cannot be set up as the URI's sslmode asks is configuration too: libpq's words for
    // an untrusted or mismatched certificate, a missing CA file, a server without TLS.
    constexpr std::string_view kTlsRefusals[] = {"certificate verify failed", "does not match host name",
                                                 "root certificate file", "server does not support SSL"};
    const bool refused =
        (message.find("FATAL") != std::string::npos && message.find("the database system is") == std::string::npos) ||
        message.find("fe_sendauth") != std::string::npos ||
        std::any_of(std::begin(kTlsRefusals), std::end(kTlsRefusals),
                    [&](std::string_view m) { return message.find(m) != std::string::npos; });
    if (refused) throw FatalError(fmt::format("{}: {}", where_, message));
    throw RetryableError(fmt::format("{}: {}", where_, message));
  }
  // NOTICEs such as "relation already exists, skipping" are not for the user's terminal.
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);
  try {
    // For the session: a COMMIT then returns before its WAL is on disk (the README says what a
    // crash of the server can cost, and why exactly once still holds).
    if (!synchronous_commit_.empty()) exec("SET synchronous_commit = " + synchronous_commit_);
    if (on_connect) on_connect(conn_.get());
  } catch (...) {
    conn_.reset();
    throw;
  }
  return conn_.get();
}

void Connection::answered(std::string_view what) {
  if (!watchdog_.disarm()) return;
  conn_.reset();
  throw RetryableError(fmt::format("{}: no answer to {} in {:g} s; the connection is dropped and made again", where_,
                                   what, std::chrono::duration<double>(timeout_).count()));
}

Result Connection::exec(const std::string& sql, const std::vector<std::string>& params, ExecStatusType expect) {
  return bounded(label(sql), [&] { return postgres::exec(conn_.get(), sql, params, expect); });
}

Result Connection::exec_script(const std::string& what, const std::string& sql, ExecStatusType expect) {
  std::vector<Result> all = exec_each(what, sql);
  if (all.empty() || PQresultStatus(all.back().get()) != expect) {
    throw_for(conn_.get(), all.empty() ? nullptr : all.back().get(), what);
  }
  return std::move(all.back());
}

std::vector<Result> Connection::exec_each(const std::string& what, const std::string& sql) {
  PGconn* c = conn_.get();
  std::vector<Result> all;
  const bool sent = bounded(what, [&] {
    if (PQsendQuery(c, sql.c_str()) != 1) return false;
    while (PGresult* r = PQgetResult(c)) {
      all.emplace_back(r);
      if (PQresultStatus(r) == PGRES_COPY_IN) break;  // the caller sends the rows
    }
    return true;
  });
  if (!sent) throw_for(c, nullptr, what);
  for (const Result& r : all) {
    const ExecStatusType st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_IN) throw_for(c, r.get(), what);
  }
  return all;
}

std::string Connection::literal(std::string_view value) {
  char* quoted = PQescapeLiteral(conn_.get(), value.data(), value.size());
  if (quoted == nullptr) throw_for(conn_.get(), nullptr, "escaping a value");
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

void Connection::roll_back() noexcept {
  PGconn* c = conn_.get();
  if (c == nullptr || PQstatus(c) != CONNECTION_OK || PQtransactionStatus(c) == PQTRANS_IDLE) return;
  try {
    bounded("ROLLBACK", [&] { return Result(PQexec(c, "ROLLBACK")); });
  } catch (...) {
  }
}

}  // namespace streamlab::sinks::postgres
