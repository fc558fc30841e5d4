#pragma once
// The binary format: a Writer that appends little-endian primitives and full values (type code
// and payload) to a buffer, and a Reader that reads them back from bytes nobody vouches for.
//
// The Reader checks every length against the bytes actually there before reading or
// allocating, bounds nesting and the work that back-references (handles) can cause, and throws
// ProtocolError on anything malformed: a decoder fed arbitrary bytes returns a value or throws,
// it never reads out of bounds or allocates more than a small multiple of its input.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ignite/value.hpp"

namespace streamlab::ignite {

// Complex object header flags.
namespace object_flags {
inline constexpr std::uint16_t kUserType = 0x0001;
inline constexpr std::uint16_t kHasSchema = 0x0002;
inline constexpr std::uint16_t kHasRawData = 0x0004;
inline constexpr std::uint16_t kOffsetOneByte = 0x0008;
inline constexpr std::uint16_t kOffsetTwoBytes = 0x0010;
inline constexpr std::uint16_t kCompactFooter = 0x0020;
}  // namespace object_flags

inline constexpr std::size_t kObjectHeaderSize = 24;

class Writer {
 public:
  Writer() = default;
  explicit Writer(std::size_t reserve) { buf_.reserve(reserve); }

  void u8(std::uint8_t v) { buf_.push_back(v); }
  void i8(std::int8_t v) { buf_.push_back(static_cast<std::uint8_t>(v)); }
  void boolean(bool v) { buf_.push_back(v ? 1 : 0); }
  void i16(std::int16_t v) { put(static_cast<std::uint16_t>(v)); }
  void u16(std::uint16_t v) { put(v); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v)); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v)); }
  void f32(float v);
  void f64(double v);
  void bytes(std::span<const std::uint8_t> data) { buf_.insert(buf_.end(), data.begin(), data.end()); }
  void bytes(std::string_view data);

  // Full values: type code, then payload.
  void null() { u8(static_cast<std::uint8_t>(TypeCode::kNull)); }
  void string(std::string_view s);  // String (9)
  void nullable_string(const std::optional<std::string>& s);
  void byte_array(std::span<const std::uint8_t> data);  // byte[] (12)
  // Any value. Throws std::invalid_argument for what cannot be written (a binary object whose
  // values do not match its type, a length beyond 2^31-1).
  void value(const Value& v);
  // A complex object (103), hash code computed over its field data as Ignite computes it. Its
  // footer is compact (field offsets only; readers take the field ids from the type's
  // registered schema), as Java clients and the server's own object builder write it: a cache
  // compares keys byte for byte, so a key must be laid out exactly as the server lays out the
  // same key (an SQL INSERT) to be found as the same key.
  void object(const BinaryObject& o);
  // Full footers (field ids with the offsets: readable without metadata) instead, for tests.
  void set_full_footers(bool full) { full_footers_ = full; }

  // Overwrites 4 bytes at `pos` (lengths known only once the rest is written).
  void patch_i32(std::size_t pos, std::int32_t v);

  std::size_t size() const { return buf_.size(); }
  const std::vector<std::uint8_t>& buffer() const { return buf_; }
  std::vector<std::uint8_t> take() { return std::move(buf_); }
  void clear() { buf_.clear(); }

 private:
  template <typename U>
  void put(U v) {
    std::uint8_t b[sizeof(U)];
    for (std::size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
    buf_.insert(buf_.end(), b, b + sizeof(U));
  }
  void length(std::size_t n, const char* what);
  void value_array(const ValueArray& a);

  std::vector<std::uint8_t> buf_;
  bool full_footers_ = false;
};

// What a reader needs to know about types it meets: objects with a compact footer carry field
// offsets only, and the field ids come from the type's metadata.
class TypeResolver {
 public:
  virtual ~TypeResolver() = default;
  // The type id's fields in the order of schema `schema_id`, or nullptr if unknown. `fetch`:
  // whether it is worth asking the server (it is for a compact footer, which cannot be read
  // otherwise; for a full footer the metadata would only add field names).
  virtual std::shared_ptr<const BinaryType> find_type(std::int32_t type_id, std::int32_t schema_id, bool fetch) = 0;
};

class Reader {
 public:
  // Reads `data`; back-references (handles) may point anywhere inside it. `resolver` (may be
  // null) is asked about compact-footer objects. At most 8 elements per byte of `data` (plus
  // 65,536) and 16 Mi elements in all are decoded: more is a ProtocolError.
  explicit Reader(std::span<const std::uint8_t> data, TypeResolver* resolver = nullptr);

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return end_ - pos_; }
  bool at_end() const { return pos_ == end_; }
  // Throws ProtocolError if bytes are left over: a message must be read to its end.
  void expect_end(std::string_view what) const;

  std::uint8_t u8();
  std::int8_t i8() { return static_cast<std::int8_t>(u8()); }
  bool boolean() { return u8() != 0; }
  std::int16_t i16() { return static_cast<std::int16_t>(get<std::uint16_t>()); }
  std::uint16_t u16() { return get<std::uint16_t>(); }
  std::int32_t i32() { return static_cast<std::int32_t>(get<std::uint32_t>()); }
  std::int64_t i64() { return static_cast<std::int64_t>(get<std::uint64_t>()); }
  float f32();
  double f64();
  std::span<const std::uint8_t> bytes(std::size_t n);
  // A count of `element_size`-byte items: non-negative and not more than the bytes left hold.
  std::size_t count(std::size_t element_size, std::string_view what);

  // Full values.
  Value value();
  // A String or null (101); anything else is a ProtocolError.
  std::optional<std::string> nullable_string();
  // A String; null or anything else is a ProtocolError.
  std::string string();
  // A byte[] (12) or null.
  std::optional<std::vector<std::uint8_t>> nullable_byte_array();

 private:
  struct Shared;
  Reader(std::shared_ptr<Shared> shared, std::size_t pos, std::size_t end, int depth);

  template <typename U>
  U get() {
    const auto b = bytes(sizeof(U));
    U v = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>(v | (static_cast<U>(b[i]) << (8 * i)));
    return v;
  }
  [[noreturn]] void fail(std::string_view what) const;
  void charge(std::size_t units);
  Value value_at_depth();
  Value object_body(std::size_t start);
  Value container(TypeCode code, std::size_t start);
  std::shared_ptr<const BinaryType> object_type(std::int32_t type_id, std::int32_t schema_id, bool compact,
                                                std::size_t n, const std::vector<std::int32_t>& ids);
  Value typed_array(TypeCode element, std::int32_t type_id);

  std::shared_ptr<Shared> shared_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  int depth_ = 0;
};

// Encodes one value on its own (type code first).
std::vector<std::uint8_t> encode(const Value& v);
// Decodes exactly one value from `data` (nothing may be left over).
Value decode(std::span<const std::uint8_t> data, TypeResolver* resolver = nullptr);

}  // namespace streamlab::ignite
