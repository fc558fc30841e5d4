#pragma once
// PostgreSQL sink (libpq): each batch is COPYed in one transaction that also upserts the
// group's next offsets, so rows and offsets are stored together or not at all.

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "sinks/sink.hpp"

namespace streamlab::sinks {

enum class RawColumn { None, Json, Jsonb };

struct PostgresSinkOptions {
  std::string uri;  // any libpq connection URI or key=value string
  std::string table = "streamlab_messages";
  RawColumn raw = RawColumn::None;
};

class PostgresSink final : public Sink {
 public:
  explicit PostgresSink(PostgresSinkOptions options);
  ~PostgresSink() override;

  std::string describe() const override;
  Offsets stored_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) override;
  std::string unmappable(const Row& row) const override;
  Offsets write(const std::string& group, const Batch& batch) override;

 private:
  struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  PGconn* connection();  // (re)connects and creates the tables when needed
  void create_tables();

  PostgresSinkOptions options_;
  std::string table_, dead_table_;  // quoted
  std::string where_;              // host:port/dbname, for logs (no password)
  std::unique_ptr<PGconn, ConnDeleter> conn_;
  std::string copy_buf_;
};

}  // namespace streamlab::sinks
