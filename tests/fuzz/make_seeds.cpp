// Writes the fuzzer's seed corpus: well-formed answers of every kind the decoders read, so that
// mutation starts from the protocol's real shapes. Usage: make_seeds DIR

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ignite/codec.hpp"
#include "ignite/messages.hpp"

using namespace streamlab::ignite;

namespace {

void save(const std::string& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A 1.7 success header for request 1, then `body`.
std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& body) {
  Writer w;
  w.i64(1);
  w.i16(0);
  w.bytes(body);
  return w.take();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  // The AnySchemaResolver of the harness gives schema ids ending in 3 three int-less fields.
  const auto type = BinaryType::from_ids(
      1234, "t.Row", {{"A", 1, TypeCode::kString}, {"B", 2, TypeCode::kInt}, {"C", 3, TypeCode::kLong}});
  const Value object = BinaryObject{type, {Value("tweet ñ 💥"), Value(std::int32_t{7}), Value(std::int64_t{9})}};

  save(dir, "handshake_ok", {1, 12, 1, 0, 0, 0, 4, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  save(dir, "handshake_refused", {0, 1, 0, 7, 0, 0, 0, 9, 4, 0, 0, 0, 'n', 'o', 'p', 'e', 11, 0, 0, 0});
  {
    Writer w;
    w.i64(1), w.i16(1), w.i32(1000), w.string("Cache does not exist");
    save(dir, "error", w.take());
  }
  save(dir, "get_string", answer(encode(Value("hola"))));
  save(dir, "get_object", answer(encode(object)));
  {
    Writer w;
    w.set_full_footers(true);
    w.value(object);
    save(dir, "get_object_full_footer", answer(w.take()));
  }
  {
    // Wrapped data, as the server sends objects.
    const auto inner = encode(object);
    Writer w;
    w.u8(27), w.i32(static_cast<std::int32_t>(inner.size())), w.bytes(inner), w.i32(0);
    save(dir, "get_wrapped", answer(w.take()));
  }
  {
    Writer w;
    w.i32(2);
    w.value(Value(std::int32_t{1})), w.value(object);
    w.value(Value(std::int32_t{2})), w.value(Value(ValueArray{TypeCode::kString, -1, {Value("x"), Value()}}));
    save(dir, "get_all", answer(w.take()));
  }
  {
    Writer w;
    w.i64(100000);
    save(dir, "size", answer(w.take()));
  }
  {
    Writer w;
    w.i64(5), w.i32(3), w.string("TOPIC"), w.string("OFFSET"), w.string("TEXT");
    w.i32(2);
    for (int i = 0; i < 2; ++i) w.value(Value("t")), w.value(Value(std::int64_t{i})), w.value(Value(Timestamp{1, 2}));
    w.boolean(true);
    save(dir, "sql_first_page", answer(w.take()));
  }
  {
    Writer w;
    w.i32(1), w.value(Value("t")), w.value(Value(std::int64_t{3})), w.value(Value(Collection{1, {Value(1.5)}}));
    w.boolean(false);
    save(dir, "sql_next_page", answer(w.take()));
  }
  {
    Writer w;
    w.boolean(true);
    write_type_metadata(w, metadata_of(*type));
    save(dir, "binary_type", answer(w.take()));
  }
  return 0;
}
