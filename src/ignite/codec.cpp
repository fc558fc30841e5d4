#include "ignite/codec.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <stdexcept>

#include "ignite/errors.hpp"
#include "ignite/hashing.hpp"

namespace streamlab::ignite {

// ---------------------------------------------------------------------------------------------
// Writer

void Writer::f32(float v) { put(std::bit_cast<std::uint32_t>(v)); }
void Writer::f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }

void Writer::bytes(std::string_view data) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
  buf_.insert(buf_.end(), p, p + data.size());
}

void Writer::length(std::size_t n, const char* what) {
  if (n > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw std::invalid_argument(fmt::format("{} of {} elements is too long for the protocol", what, n));
  }
  i32(static_cast<std::int32_t>(n));
}

void Writer::string(std::string_view s) {
  u8(static_cast<std::uint8_t>(TypeCode::kString));
  length(s.size(), "string");
  bytes(s);
}

void Writer::nullable_string(const std::optional<std::string>& s) {
  if (s) string(*s);
  else null();
}

void Writer::byte_array(std::span<const std::uint8_t> data) {
  u8(static_cast<std::uint8_t>(TypeCode::kByteArray));
  length(data.size(), "byte array");
  bytes(data);
}

void Writer::patch_i32(std::size_t pos, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  for (std::size_t i = 0; i < 4; ++i) buf_.at(pos + i) = static_cast<std::uint8_t>(u >> (8 * i));
}

namespace {

// Which value types an array of full values (or a binary object field) of `element` accepts.
bool accepts(TypeCode element, TypeCode actual) {
  if (actual == TypeCode::kNull || element == TypeCode::kNull) return true;
  if (element == TypeCode::kEnum || element == TypeCode::kBinaryEnum) {
    return actual == TypeCode::kEnum || actual == TypeCode::kBinaryEnum;
  }
  if (element == TypeCode::kObjectArray) {
    // An Object[] field may hold any array of full values.
    return actual == TypeCode::kObjectArray || actual == TypeCode::kStringArray ||
           actual == TypeCode::kUuidArray || actual == TypeCode::kDateArray ||
           actual == TypeCode::kTimestampArray || actual == TypeCode::kTimeArray ||
           actual == TypeCode::kDecimalArray || actual == TypeCode::kEnumArray;
  }
  return element == actual;
}

}  // namespace

void Writer::value_array(const ValueArray& a) {
  const TypeCode code = Value(a).type();
  u8(static_cast<std::uint8_t>(code));
  if (code == TypeCode::kObjectArray || code == TypeCode::kEnumArray) i32(a.type_id);
  length(a.items.size(), type_name(code).data());
  for (const Value& item : a.items) {
    if (code != TypeCode::kObjectArray && !accepts(a.element, item.type())) {
      throw std::invalid_argument(fmt::format("{} holds a {}", type_name(code), type_name(item.type())));
    }
    value(item);
  }
}

void Writer::value(const Value& v) {
  struct Visitor {
    Writer& w;
    void code(TypeCode c) const { w.u8(static_cast<std::uint8_t>(c)); }
    void operator()(std::monostate) const { w.null(); }
    void operator()(bool b) const { code(TypeCode::kBool), w.boolean(b); }
    void operator()(std::int8_t x) const { code(TypeCode::kByte), w.i8(x); }
    void operator()(std::int16_t x) const { code(TypeCode::kShort), w.i16(x); }
    void operator()(std::int32_t x) const { code(TypeCode::kInt), w.i32(x); }
    void operator()(std::int64_t x) const { code(TypeCode::kLong), w.i64(x); }
    void operator()(float x) const { code(TypeCode::kFloat), w.f32(x); }
    void operator()(double x) const { code(TypeCode::kDouble), w.f64(x); }
    void operator()(const Char& c) const { code(TypeCode::kChar), w.u16(c.unit); }
    void operator()(const std::string& s) const { w.string(s); }
    void operator()(const Uuid& u) const {
      code(TypeCode::kUuid);
      w.i64(static_cast<std::int64_t>(u.most_significant));
      w.i64(static_cast<std::int64_t>(u.least_significant));
    }
    void operator()(const Date& d) const { code(TypeCode::kDate), w.i64(d.millis); }
    void operator()(const Timestamp& t) const {
      if (t.nanos < 0 || t.nanos > 999'999) throw std::invalid_argument("timestamp nanos outside 0..999999");
      code(TypeCode::kTimestamp), w.i64(t.millis), w.i32(t.nanos);
    }
    void operator()(const Time& t) const { code(TypeCode::kTime), w.i64(t.millis); }
    void operator()(const Decimal& d) const {
      code(TypeCode::kDecimal);
      w.i32(d.scale);
      w.length(d.magnitude.size(), "decimal");
      w.bytes(d.magnitude);
    }
    void operator()(const EnumValue& e) const {
      code(e.binary ? TypeCode::kBinaryEnum : TypeCode::kEnum), w.i32(e.type_id), w.i32(e.ordinal);
    }
    void operator()(const std::vector<std::uint8_t>& a) const { w.byte_array(a); }
    void operator()(const std::vector<std::int16_t>& a) const {
      code(TypeCode::kShortArray), w.length(a.size(), "short array");
      for (auto x : a) w.i16(x);
    }
    void operator()(const std::vector<std::int32_t>& a) const {
      code(TypeCode::kIntArray), w.length(a.size(), "int array");
      for (auto x : a) w.i32(x);
    }
    void operator()(const std::vector<std::int64_t>& a) const {
      code(TypeCode::kLongArray), w.length(a.size(), "long array");
      for (auto x : a) w.i64(x);
    }
    void operator()(const std::vector<float>& a) const {
      code(TypeCode::kFloatArray), w.length(a.size(), "float array");
      for (auto x : a) w.f32(x);
    }
    void operator()(const std::vector<double>& a) const {
      code(TypeCode::kDoubleArray), w.length(a.size(), "double array");
      for (auto x : a) w.f64(x);
    }
    void operator()(const std::vector<char16_t>& a) const {
      code(TypeCode::kCharArray), w.length(a.size(), "char array");
      for (auto x : a) w.u16(x);
    }
    void operator()(const std::vector<bool>& a) const {
      code(TypeCode::kBoolArray), w.length(a.size(), "bool array");
      for (bool x : a) w.boolean(x);
    }
    void operator()(const ValueArray& a) const { w.value_array(a); }
    void operator()(const Collection& c) const {
      code(TypeCode::kCollection), w.length(c.items.size(), "collection");
      w.i8(c.kind);
      for (const Value& item : c.items) w.value(item);
    }
    void operator()(const Map& m) const {
      code(TypeCode::kMap), w.length(m.entries.size(), "map");
      w.i8(m.kind);
      for (const MapEntry& e : m.entries) w.value(e.key), w.value(e.value);
    }
    void operator()(const BinaryObject& o) const { w.object(o); }
  };
  std::visit(Visitor{*this}, v.data);
}

void Writer::object(const BinaryObject& o) {
  if (!o.type) throw std::invalid_argument("binary object without a type");
  const BinaryType& type = *o.type;
  const auto& fields = type.fields();
  if (o.values.size() != fields.size()) {
    throw std::invalid_argument(fmt::format("binary object of type '{}' has {} values for {} fields",
                                            type.name(), o.values.size(), fields.size()));
  }
  const std::size_t start = buf_.size();
  u8(static_cast<std::uint8_t>(TypeCode::kComplexObject));
  u8(1);  // layout version
  const std::size_t flags_pos = buf_.size();
  u16(0);
  i32(type.id());
  const std::size_t hash_pos = buf_.size();
  i32(0);
  const std::size_t length_pos = buf_.size();
  i32(0);
  i32(fields.empty() ? 0 : type.schema_id());
  const std::size_t schema_offset_pos = buf_.size();
  i32(0);

  // Field offsets from the object's first byte; kept on the stack for the usual small types.
  std::size_t small[32];
  std::vector<std::size_t> large;
  std::size_t* offsets = small;
  if (fields.size() > std::size(small)) {
    large.resize(fields.size());
    offsets = large.data();
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Value& v = o.values[i];
    if (!accepts(fields[i].type, v.type())) {
      throw std::invalid_argument(fmt::format("field '{}' of type '{}' is declared {} but holds a {}",
                                              fields[i].name, type.name(), type_name(fields[i].type),
                                              type_name(v.type())));
    }
    offsets[i] = buf_.size() - start;
    value(v);
  }
  const std::size_t footer = buf_.size() - start;
  if (footer > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) - 8 * fields.size()) {
    throw std::invalid_argument(fmt::format("binary object of type '{}' is too large", type.name()));
  }
  std::uint16_t flags = object_flags::kUserType;
  if (!fields.empty()) {
    flags |= object_flags::kHasSchema;
    // Offsets point before the footer, so the footer's own offset bounds them.
    const std::size_t width = footer <= 0xFF ? 1 : footer <= 0xFFFF ? 2 : 4;
    flags |= width == 1 ? object_flags::kOffsetOneByte : width == 2 ? object_flags::kOffsetTwoBytes : 0;
    if (!full_footers_) flags |= object_flags::kCompactFooter;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (full_footers_) i32(fields[i].id);
      if (width == 1) u8(static_cast<std::uint8_t>(offsets[i]));
      else if (width == 2) u16(static_cast<std::uint16_t>(offsets[i]));
      else i32(static_cast<std::int32_t>(offsets[i]));
    }
  }
  const std::size_t length = buf_.size() - start;
  buf_[flags_pos] = static_cast<std::uint8_t>(flags);
  buf_[flags_pos + 1] = static_cast<std::uint8_t>(flags >> 8);
  patch_i32(hash_pos, data_hash(std::span(buf_).subspan(start + kObjectHeaderSize, footer - kObjectHeaderSize)));
  patch_i32(length_pos, static_cast<std::int32_t>(length));
  patch_i32(schema_offset_pos, static_cast<std::int32_t>(fields.empty() ? kObjectHeaderSize : footer));
}

std::vector<std::uint8_t> encode(const Value& v) {
  Writer w;
  w.value(v);
  return w.take();
}

// ---------------------------------------------------------------------------------------------
// Reader

namespace {
constexpr int kMaxDepth = 64;
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
  shared_->budget = 8 * data.size() + 65536;
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

Value Reader::typed_array(TypeCode element, std::int32_t type_id) {
  const std::size_t n = count(1, type_name(element));
  ValueArray a{element, type_id, {}};
  a.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Value item = value();
    if (element != TypeCode::kComplexObject && !accepts(element, item.type())) {
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
    case TypeCode::kShortArray: {
      std::vector<std::int16_t> a(count(2, "short array"));
      for (auto& x : a) x = i16();
      return a;
    }
    case TypeCode::kIntArray: {
      std::vector<std::int32_t> a(count(4, "int array"));
      for (auto& x : a) x = i32();
      return a;
    }
    case TypeCode::kLongArray: {
      std::vector<std::int64_t> a(count(8, "long array"));
      for (auto& x : a) x = i64();
      return a;
    }
    case TypeCode::kFloatArray: {
      std::vector<float> a(count(4, "float array"));
      for (auto& x : a) x = f32();
      return a;
    }
    case TypeCode::kDoubleArray: {
      std::vector<double> a(count(8, "double array"));
      for (auto& x : a) x = f64();
      return a;
    }
    case TypeCode::kCharArray: {
      std::vector<char16_t> a(count(2, "char array"));
      for (auto& x : a) x = static_cast<char16_t>(u16());
      return a;
    }
    case TypeCode::kBoolArray: {
      const std::size_t n = count(1, "bool array");
      std::vector<bool> a(n);
      for (std::size_t i = 0; i < n; ++i) a[i] = boolean();
      return a;
    }
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
  }
  pos_ = start;
  fail(fmt::format("unknown type code {}", static_cast<int>(code)));
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
  if (length < static_cast<std::int32_t>(kObjectHeaderSize) ||
      static_cast<std::size_t>(length) > end_ - start) {
    fail(fmt::format("complex object length {} with {} bytes available", length, end_ - start));
  }
  const std::size_t object_end = start + static_cast<std::size_t>(length);
  const bool has_schema = (flags & object_flags::kHasSchema) != 0;
  const bool has_raw = (flags & object_flags::kHasRawData) != 0;
  const bool compact = (flags & object_flags::kCompactFooter) != 0;
  const std::size_t width = (flags & object_flags::kOffsetOneByte) ? 1 : (flags & object_flags::kOffsetTwoBytes) ? 2 : 4;

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
    const std::size_t off = width == 1 ? footer.u8() : width == 2 ? footer.u16() : static_cast<std::uint32_t>(footer.i32());
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

  // The type: known to the resolver (names too), or made from the footer's ids.
  std::shared_ptr<const BinaryType> type;
  auto& cached = shared_->types[{type_id, schema_id}];
  auto matches = [&](const std::shared_ptr<const BinaryType>& t) {
    if (!t || t->fields().size() != n) return false;
    if (compact) return true;
    for (std::size_t i = 0; i < n; ++i) {
      if (t->fields()[i].id != ids[i]) return false;
    }
    return true;
  };
  if (matches(cached)) {
    type = cached;
  } else {
    std::shared_ptr<const BinaryType> known;
    if (shared_->resolver != nullptr && n > 0) known = shared_->resolver->find_type(type_id, schema_id, compact);
    if (matches(known)) {
      type = known;
    } else if (compact) {
      fail(fmt::format("complex object of type {} uses a compact footer, and schema {} of that type is unknown",
                       type_id, schema_id));
    } else {
      std::vector<BinaryField> fields;
      fields.reserve(n);
      for (const std::int32_t id : ids) fields.push_back(BinaryField{{}, id, TypeCode::kNull});
      type = BinaryType::from_ids(type_id, {}, std::move(fields));
    }
    cached = type;
  }

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
