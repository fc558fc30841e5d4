#pragma once
// Runs every decoder of Ignite server answers over the same bytes: the handshake response, the
// response header (1.7 and pre-1.4 layouts) followed by each operation's body (get, getAll,
// size, the conditional writes' flag, SQL fields pages, cache partitions, binary type metadata), and a bare value
// (binary objects included).
// A decoder may only return or throw ignite::ProtocolError; anything else (a crash, a sanitizer
// report, another exception) is a bug. Shared by the libFuzzer target and the unit tests.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "ignite/codec.hpp"
#include "ignite/errors.hpp"
#include "ignite/messages.hpp"

namespace streamlab::testing {

// Claims to know every schema, with (schema id mod 8) fields, so that fuzzed compact-footer
// objects get past the schema lookup and exercise the field decoding behind it.
class AnySchemaResolver : public ignite::TypeResolver {
 public:
  std::shared_ptr<const ignite::BinaryType> find_type(std::int32_t type_id, std::int32_t schema_id, bool) override {
    std::vector<ignite::BinaryField> fields;
    for (std::int32_t i = 0; i < (schema_id & 7); ++i) fields.push_back({{}, i + 1, ignite::TypeCode::kNull});
    return ignite::BinaryType::from_ids(type_id, {}, std::move(fields));
  }
};

inline void decode_all_responses(std::span<const std::uint8_t> data) {
  using namespace streamlab::ignite;
  AnySchemaResolver resolver;
  const auto guard = [](auto&& f) {
    try {
      f();
    } catch (const ProtocolError&) {
    }
  };
  guard([&] { decode_handshake(data, kProtocol1_7); });
  guard([&] { decode_handshake(data, kProtocol1_2); });
  for (const ProtocolVersion version : {kProtocol1_7, kProtocol1_2}) {
    guard([&] {
      Reader header(data, &resolver);
      read_response_header(header, version);
      const auto body = data.subspan(header.position());
      guard([&] {
        Reader r(body, &resolver);
        r.value();
        r.expect_end("get");
      });
      guard([&] {
        Reader r(body, &resolver);
        read_entries(r);
      });
      guard([&] {
        Reader r(body, &resolver);
        r.i64();
        r.expect_end("size");
      });
      guard([&] {
        Reader r(body, &resolver);
        read_written_flag(r);
        r.expect_end("put_if_absent");
      });
      guard([&] {
        Reader r(body, &resolver);
        read_sql_first_page(r);
      });
      guard([&] {
        Reader r(body, &resolver);
        read_sql_next_page(r, 3);
      });
      guard([&] {
        Reader r(body, &resolver);
        for (const auto& [id, cache] : read_cache_partitions(r).caches) {
          if (cache) primary_node(*cache, Value(id));
        }
      });
      guard([&] {
        Reader r(body, &resolver);
        if (auto m = read_type_metadata_response(r)) {
          for (const auto& s : m->schemas) type_for_schema(*m, s.first);
        }
      });
    });
  }
  guard([&] { decode(data, &resolver); });
  guard([&] { decode(data, nullptr); });
}

}  // namespace streamlab::testing
