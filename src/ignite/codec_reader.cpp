// The Reader of codec.hpp: values from bytes nobody vouches for. (The Writer is in
// codec_writer.cpp.)

#include "ignite/codec.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <bit>
#include <map>

#include "ignite/errors.hpp"

namespace streamlab::ignite {

namespace {
constexpr int kMaxDepth = 64;
// Elements decoded from one buffer at most, whatever its size: each becomes a Value of a few
// dozen bytes, so this bounds what a response can make the decoder allocate (under 1 GB).
constexpr std::size_t kMaxElements = std::size_t{16} << 20;
}  // namespace

// What all readers over one buffer share: the buffer, the resolver, the types met so far and a
// work budget. Handles make earlier bytes decodable again, so without a budget a small message
// of handles to handles could make the decoder work (and allocate) exponentially.
struct Reader::Shared {
  std::span<const std::uint8_t> data;
  TypeResolver* resolver = nullptr;
  std::size_t budget = 0;
  std::map<std::pair<std::int32_t, std::int32_t>, std::shared_ptr<const BinaryType>> types;
};

Reader::Reader(std::span<const std::uint8_t> data, TypeResolver* resolver)
    : shared_(std::make_shared<Shared>()), pos_(0), end_(data.size()) {
  shared_->data = data;
  shared_->resolver = resolver;
  shared_->budget = std::min(8 * data.size() + 65536, kMaxElements);
}

Reader::Reader(std::shared_ptr<Shared> shared, std::size_t pos, std::size_t end, int depth)
    : shared_(std::move(shared)), pos_(pos), end_(end), depth_(depth) {}

void Reader::fail(std::string_view what) const {
  throw ProtocolError(fmt::format("malformed data at byte {}: {}", pos_, what));
}

void Reader::charge(std::size_t units) {
  if (units > shared_->budget) fail("too much data behind back-references (handles)");
  shared_->budget -= units;
}

void Reader::expect_end(std::string_view what) const {
  if (pos_ != end_) {
    throw ProtocolError(fmt::format("{}: {} unexpected bytes after byte {}", what, end_ - pos_, pos_));
  }
}

std::uint8_t Reader::u8() {
  if (pos_ >= end_) fail("truncated: expected 1 more byte");
  return shared_->data[pos_++];
}

std::span<const std::uint8_t> Reader::bytes(std::size_t n) {
  if (n > end_ - pos_) fail(fmt::format("truncated: expected {} bytes, {} left", n, end_ - pos_));
  const auto out = shared_->data.subspan(pos_, n);
  pos_ += n;
  return out;
}

float Reader::f32() { return std::bit_cast<float>(get<std::uint32_t>()); }
double Reader::f64() { return std::bit_cast<double>(get<std::uint64_t>()); }

std::size_t Reader::count(std::size_t element_size, std::string_view what) {
  const std::int32_t n = i32();
  if (n < 0) fail(fmt::format("negative {} length {}", what, n));
  const auto un = static_cast<std::size_t>(n);
  // Every element takes at least one byte, even a null.
  const std::size_t per = element_size == 0 ? 1 : element_size;
  if (un > remaining() / per) {
    fail(fmt::format("{} of {} elements cannot fit in the {} bytes left", what, n, remaining()));
  }
  charge(un);
  return un;
}

Value Reader::value() {
  if (depth_ >= kMaxDepth) fail("values nested too deeply");
  ++depth_;
  Value v = value_at_depth();
  --depth_;
  return v;
}

std::optional<std::string> Reader::nullable_string() {
  const auto code = static_cast<TypeCode>(i8());
  if (code == TypeCode::kNull) return std::nullopt;
  if (code != TypeCode::kString) fail(fmt::format("expected a String, found type code {}", static_cast<int>(code)));
  const std::size_t n = count(1, "string");
  const auto b = bytes(n);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

std::string Reader::string() {
  auto s = nullable_string();
  if (!s) fail("expected a String, found null");
  return std::move(*s);
}

std::optional<std::vector<std::uint8_t>> Reader::nullable_byte_array() {
  const auto code = static_cast<TypeCode>(i8());
  if (code == TypeCode::kNull) return std::nullopt;
  if (code != TypeCode::kByteArray) fail(fmt::format("expected a byte[], found type code {}", static_cast<int>(code)));
  const std::size_t n = count(1, "byte array");
  const auto b = bytes(n);
  return std::vector<std::uint8_t>(b.begin(), b.end());
}

namespace {

// n items of one primitive type, each read by `one`.
template <typename T, typename ReadOne>
std::vector<T> primitive_array(Reader& r, std::size_t width, std::string_view what, ReadOne one) {
  std::vector<T> a(r.count(width, what));
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(one());
  return a;
}

}  // namespace

Value Reader::typed_array(TypeCode element, std::int32_t type_id) {
  const std::size_t n = count(1, type_name(element));
  ValueArray a{element, type_id, {}};
  a.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Value item = value();
    if (element != TypeCode::kComplexObject && !element_accepts(element, item.type())) {
      fail(fmt::format("array of {} holds a {}", type_name(element), type_name(item.type())));
    }
    a.items.push_back(std::move(item));
  }
  return a;
}

Value Reader::value_at_depth() {
  const std::size_t start = pos_;
  const auto code = static_cast<TypeCode>(i8());
  charge(1);
  switch (code) {
    case TypeCode::kNull: return {};
    case TypeCode::kBool: return boolean();
    case TypeCode::kByte: return i8();
    case TypeCode::kShort: return i16();
    case TypeCode::kInt: return i32();
    case TypeCode::kLong: return i64();
    case TypeCode::kFloat: return f32();
    case TypeCode::kDouble: return f64();
    case TypeCode::kChar: return Char{static_cast<char16_t>(u16())};
    case TypeCode::kString: {
      const std::size_t n = count(1, "string");
      const auto b = bytes(n);
      return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    case TypeCode::kUuid: {
      Uuid u;
      u.most_significant = static_cast<std::uint64_t>(i64());
      u.least_significant = static_cast<std::uint64_t>(i64());
      return u;
    }
    case TypeCode::kDate: return Date{i64()};
    case TypeCode::kTime: return Time{i64()};
    case TypeCode::kTimestamp: {
      Timestamp t;
      t.millis = i64();
      t.nanos = i32();
      if (t.nanos < 0 || t.nanos > 999'999) fail("timestamp nanoseconds outside 0..999999");
      return t;
    }
    case TypeCode::kDecimal: {
      Decimal d;
      d.scale = i32();
      const std::size_t n = count(1, "decimal");
      const auto b = bytes(n);
      d.magnitude.assign(b.begin(), b.end());
      return d;
    }
    case TypeCode::kEnum:
    case TypeCode::kBinaryEnum: {
      EnumValue e;
      e.type_id = i32();
      e.ordinal = i32();
      e.binary = code == TypeCode::kBinaryEnum;
      return e;
    }
    case TypeCode::kByteArray: {
      const std::size_t n = count(1, "byte array");
      const auto b = bytes(n);
      return std::vector<std::uint8_t>(b.begin(), b.end());
    }
    case TypeCode::kShortArray: return primitive_array<std::int16_t>(*this, 2, "short array", [this] { return i16(); });
    case TypeCode::kIntArray: return primitive_array<std::int32_t>(*this, 4, "int array", [this] { return i32(); });
    case TypeCode::kLongArray: return primitive_array<std::int64_t>(*this, 8, "long array", [this] { return i64(); });
    case TypeCode::kFloatArray: return primitive_array<float>(*this, 4, "float array", [this] { return f32(); });
    case TypeCode::kDoubleArray: return primitive_array<double>(*this, 8, "double array", [this] { return f64(); });
    case TypeCode::kCharArray: return primitive_array<char16_t>(*this, 2, "char array", [this] { return u16(); });
    case TypeCode::kBoolArray: return primitive_array<bool>(*this, 1, "bool array", [this] { return boolean(); });
    case TypeCode::kStringArray: return typed_array(TypeCode::kString, -1);
    case TypeCode::kUuidArray: return typed_array(TypeCode::kUuid, -1);
    case TypeCode::kDateArray: return typed_array(TypeCode::kDate, -1);
    case TypeCode::kTimestampArray: return typed_array(TypeCode::kTimestamp, -1);
    case TypeCode::kTimeArray: return typed_array(TypeCode::kTime, -1);
    case TypeCode::kDecimalArray: return typed_array(TypeCode::kDecimal, -1);
    case TypeCode::kEnumArray: {
      const std::int32_t type_id = i32();
      return typed_array(TypeCode::kEnum, type_id);
    }
    case TypeCode::kObjectArray: {
      const std::int32_t type_id = i32();
      return typed_array(TypeCode::kComplexObject, type_id);
    }
    case TypeCode::kCollection:
    case TypeCode::kMap:
    case TypeCode::kWrappedData:
    case TypeCode::kHandle:
    case TypeCode::kComplexObject: return container(code, start);
  }
  pos_ = start;
  fail(fmt::format("unknown type code {}", static_cast<int>(code)));
}

// Collections, maps, and the values that point elsewhere in the buffer; `start` is the offset of
// the type code.
Value Reader::container(TypeCode code, std::size_t start) {
  switch (code) {
    case TypeCode::kCollection: {
      const std::size_t n = count(1, "collection");
      Collection c;
      c.kind = i8();
      c.items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) c.items.push_back(value());
      return c;
    }
    case TypeCode::kMap: {
      const std::size_t n = count(2, "map");
      Map m;
      m.kind = i8();
      m.entries.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        Value k = value();
        Value v = value();
        m.entries.push_back(MapEntry{std::move(k), std::move(v)});
      }
      return m;
    }
    case TypeCode::kWrappedData: {
      // length, the wrapped bytes, then the offset of the root object inside them.
      const std::size_t n = count(1, "wrapped data");
      const std::size_t payload = pos_;
      bytes(n);
      const std::int32_t offset = i32();
      if (offset < 0 || static_cast<std::size_t>(offset) >= n) {
        fail(fmt::format("wrapped data offset {} outside its {} bytes", offset, n));
      }
      Reader inner(shared_, payload + static_cast<std::size_t>(offset), payload + n, depth_);
      return inner.value();
    }
    case TypeCode::kHandle: {
      // The offset back from this handle's type code to an earlier value in the same buffer.
      const std::int32_t back = i32();
      if (back <= 0 || static_cast<std::size_t>(back) > start) {
        fail(fmt::format("handle offset {} does not point back into the data", back));
      }
      Reader target(shared_, start - static_cast<std::size_t>(back), shared_->data.size(), depth_);
      return target.value();
    }
    case TypeCode::kComplexObject: return object_body(start);
    default: fail(fmt::format("type code {} is not a container", static_cast<int>(code)));
  }
}

// An object's type: the one this buffer met before, or known to the resolver (names too), or
// made from the footer's field ids; `ids` is empty for a compact footer.
std::shared_ptr<const BinaryType> Reader::object_type(std::int32_t type_id, std::int32_t schema_id, bool compact,
                                                      std::size_t n, const std::vector<std::int32_t>& ids) {
  auto& cached = shared_->types[{type_id, schema_id}];
  auto matches = [&](const std::shared_ptr<const BinaryType>& t) {
    if (!t || t->fields().size() != n) return false;
    if (compact) return true;
    for (std::size_t i = 0; i < n; ++i) {
      if (t->fields()[i].id != ids[i]) return false;
    }
    return true;
  };
  if (matches(cached)) return cached;
  std::shared_ptr<const BinaryType> known;
  if (shared_->resolver != nullptr && n > 0) known = shared_->resolver->find_type(type_id, schema_id, compact);
  if (matches(known)) return cached = known;
  if (compact) {
    fail(fmt::format("complex object of type {} uses a compact footer, and schema {} of that type is unknown", type_id,
                     schema_id));
  }
  std::vector<BinaryField> fields;
  fields.reserve(n);
  for (const std::int32_t id : ids) fields.push_back(BinaryField{{}, id, TypeCode::kNull});
  return cached = BinaryType::from_ids(type_id, {}, std::move(fields));
}

Value Reader::object_body(std::size_t start) {
  const std::uint8_t version = u8();
  if (version != 1) fail(fmt::format("complex object layout version {} (only 1 is known)", version));
  const std::uint16_t flags = u16();
  const std::int32_t type_id = i32();
  i32();  // hash code: not checked, the server's own
  const std::int32_t length = i32();
  const std::int32_t schema_id = i32();
  const std::int32_t schema_offset = i32();
  if (length < static_cast<std::int32_t>(kObjectHeaderSize) || static_cast<std::size_t>(length) > end_ - start) {
    fail(fmt::format("complex object length {} with {} bytes available", length, end_ - start));
  }
  const std::size_t object_end = start + static_cast<std::size_t>(length);
  const bool has_schema = (flags & object_flags::kHasSchema) != 0;
  const bool has_raw = (flags & object_flags::kHasRawData) != 0;
  const bool compact = (flags & object_flags::kCompactFooter) != 0;
  const std::size_t width = (flags & object_flags::kOffsetOneByte)    ? 1
                            : (flags & object_flags::kOffsetTwoBytes) ? 2
                                                                      : 4;

  std::size_t data_end = object_end;
  std::size_t footer_begin = object_end;
  std::size_t footer_end = object_end;
  if (has_schema) {
    if (schema_offset < static_cast<std::int32_t>(kObjectHeaderSize) || schema_offset > length) {
      fail(fmt::format("schema offset {} outside the object's {} bytes", schema_offset, length));
    }
    footer_begin = start + static_cast<std::size_t>(schema_offset);
    data_end = footer_begin;
    footer_end = object_end - (has_raw ? 4 : 0);
    if (footer_end < footer_begin) fail("complex object footer overlaps its raw data offset");
  } else if (has_raw) {
    if (schema_offset < static_cast<std::int32_t>(kObjectHeaderSize) || schema_offset > length) {
      fail(fmt::format("raw data offset {} outside the object's {} bytes", schema_offset, length));
    }
  }
  const std::size_t entry = compact ? width : 4 + width;
  const std::size_t footer_bytes = footer_end - footer_begin;
  if (footer_bytes % entry != 0) fail("complex object footer is not a whole number of fields");
  const std::size_t n = footer_bytes / entry;
  charge(n);

  Reader footer(shared_, footer_begin, footer_end, depth_);
  std::vector<std::int32_t> ids;
  std::vector<std::size_t> offsets;
  ids.reserve(n);
  offsets.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!compact) ids.push_back(footer.i32());
    const std::size_t off = width == 1   ? footer.u8()
                            : width == 2 ? footer.u16()
                                         : static_cast<std::uint32_t>(footer.i32());
    if (off < kObjectHeaderSize || off >= data_end - start) {
      fail(fmt::format("field offset {} outside the object's data", off));
    }
    offsets.push_back(off);
  }
  if (has_raw && has_schema) {
    const std::int32_t raw = Reader(shared_, object_end - 4, object_end, depth_).i32();
    if (raw < static_cast<std::int32_t>(kObjectHeaderSize) || start + static_cast<std::size_t>(raw) > data_end) {
      fail(fmt::format("raw data offset {} outside the object's data", raw));
    }
  }

  const auto type = object_type(type_id, schema_id, compact, n, ids);

  BinaryObject object;
  object.type = type;
  object.values.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Reader field(shared_, start + offsets[i], data_end, depth_);
    object.values.push_back(field.value());
  }
  pos_ = object_end;
  return object;
}

Value decode(std::span<const std::uint8_t> data, TypeResolver* resolver) {
  Reader r(data, resolver);
  Value v = r.value();
  r.expect_end("value");
  return v;
}

}  // namespace streamlab::ignite
