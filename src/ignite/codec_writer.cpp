// The Writer of codec.hpp: primitives and full values appended to a buffer. (The Reader is in
// codec_reader.cpp.)

#include "ignite/codec.hpp"

#include <fmt/format.h>

#include <bit>
#include <limits>
#include <stdexcept>

#include "ignite/hashing.hpp"

namespace streamlab::ignite {

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
  if (s)
    string(*s);
  else
    null();
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

void Writer::value_array(const ValueArray& a) {
  const TypeCode code = Value(a).type();
  u8(static_cast<std::uint8_t>(code));
  if (code == TypeCode::kObjectArray || code == TypeCode::kEnumArray) i32(a.type_id);
  length(a.items.size(), type_name(code).data());
  for (const Value& item : a.items) {
    if (code != TypeCode::kObjectArray && !element_accepts(a.element, item.type())) {
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
    throw std::invalid_argument(fmt::format("binary object of type '{}' has {} values for {} fields", type.name(),
                                            o.values.size(), fields.size()));
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
    if (!element_accepts(fields[i].type, v.type())) {
      throw std::invalid_argument(fmt::format("field '{}' of type '{}' is declared {} but holds a {}", fields[i].name,
                                              type.name(), type_name(fields[i].type), type_name(v.type())));
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
      if (width == 1)
        u8(static_cast<std::uint8_t>(offsets[i]));
      else if (width == 2)
        u16(static_cast<std::uint16_t>(offsets[i]));
      else
        i32(static_cast<std::int32_t>(offsets[i]));
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

}  // namespace streamlab::ignite
