#pragma once
// The values the binary client protocol carries (its "data objects"), as C++ types: what a
// cache key or value, an SQL argument or an SQL result cell can be.
//
// Each Value holds one alternative; the alternative decides the type code it is written with,
// so an int32_t is written as an Ignite int (SQL INT) and an int64_t as a long (SQL BIGINT).
// Complex objects are BinaryObject: a BinaryType (name, field names and their type codes)
// and one value per field.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamlab::ignite {

// Type codes of the binary format (data-format.adoc).
enum class TypeCode : std::int8_t {
  kByte = 1,
  kShort = 2,
  kInt = 3,
  kLong = 4,
  kFloat = 5,
  kDouble = 6,
  kChar = 7,
  kBool = 8,
  kString = 9,
  kUuid = 10,
  kDate = 11,
  kByteArray = 12,
  kShortArray = 13,
  kIntArray = 14,
  kLongArray = 15,
  kFloatArray = 16,
  kDoubleArray = 17,
  kCharArray = 18,
  kBoolArray = 19,
  kStringArray = 20,
  kUuidArray = 21,
  kDateArray = 22,
  kObjectArray = 23,
  kCollection = 24,
  kMap = 25,
  kWrappedData = 27,
  kEnum = 28,
  kEnumArray = 29,
  kDecimal = 30,
  kDecimalArray = 31,
  kTimestamp = 33,
  kTimestampArray = 34,
  kTime = 36,
  kTimeArray = 37,
  kBinaryEnum = 38,
  kNull = 101,
  kHandle = 102,
  kComplexObject = 103,
};

// Human-readable name of a type code ("long", "String", ...), for messages.
std::string_view type_name(TypeCode code);

// Whether an array of full values (or a binary object field) of `element` may hold a value of
// type `actual` (null always; an Object[] any array of full values).
bool element_accepts(TypeCode element, TypeCode actual);

struct Uuid {
  std::uint64_t most_significant = 0;
  std::uint64_t least_significant = 0;
  bool operator==(const Uuid&) const = default;
};

// java.util.Date: milliseconds since the epoch (UTC).
struct Date {
  std::int64_t millis = 0;
  bool operator==(const Date&) const = default;
};

// java.sql.Timestamp (SQL TIMESTAMP): milliseconds since the epoch plus the nanoseconds within
// the last millisecond (0..999999).
struct Timestamp {
  std::int64_t millis = 0;
  std::int32_t nanos = 0;
  bool operator==(const Timestamp&) const = default;
};

// java.sql.Time: milliseconds since midnight (UTC).
struct Time {
  std::int64_t millis = 0;
  bool operator==(const Time&) const = default;
};

// java.math.BigDecimal as on the wire: unscaled value = magnitude in big-endian bytes whose
// first bit is the sign; value = unscaled * 10^-scale.
struct Decimal {
  std::int32_t scale = 0;
  std::vector<std::uint8_t> magnitude;
  bool operator==(const Decimal&) const = default;
};

// A UTF-16 code unit (Java char).
struct Char {
  char16_t unit = 0;
  bool operator==(const Char&) const = default;
};

// An enum value: the enum's type id and the value's ordinal. `binary` distinguishes the
// binary-enum code (38), which servers send back, from the plain enum code (28).
struct EnumValue {
  std::int32_t type_id = 0;
  std::int32_t ordinal = 0;
  bool binary = false;
  bool operator==(const EnumValue&) const = default;
};

struct Value;
struct MapEntry;

// Arrays whose elements are full values (each with its own type code or null): string, UUID,
// date, timestamp, time, decimal, enum and object arrays. `element` names which of these it is;
// `type_id` is the component type of object and enum arrays (-1 = java.lang.Object).
struct ValueArray {
  TypeCode element = TypeCode::kComplexObject;
  std::int32_t type_id = -1;
  std::vector<Value> items;
  bool operator==(const ValueArray&) const;
};

// Collection kinds (a hint for the reader's platform).
namespace collection_kind {
inline constexpr std::int8_t kUserSet = -1;
inline constexpr std::int8_t kUserCollection = 0;
inline constexpr std::int8_t kArrayList = 1;
inline constexpr std::int8_t kLinkedList = 2;
inline constexpr std::int8_t kHashSet = 3;
inline constexpr std::int8_t kLinkedHashSet = 4;
inline constexpr std::int8_t kSingletonList = 5;
}  // namespace collection_kind

struct Collection {
  std::int8_t kind = collection_kind::kArrayList;
  std::vector<Value> items;
  bool operator==(const Collection&) const;
};

namespace map_kind {
inline constexpr std::int8_t kHashMap = 1;
inline constexpr std::int8_t kLinkedHashMap = 2;
}  // namespace map_kind

struct Map {
  std::int8_t kind = map_kind::kHashMap;
  std::vector<MapEntry> entries;
  bool operator==(const Map&) const;
};

// One field of a binary type. For a type built here, name and type are what the application
// declared; for one read from the wire without metadata, only id is known (name empty, type
// kNull).
struct BinaryField {
  std::string name;
  std::int32_t id = 0;
  TypeCode type = TypeCode::kNull;
};

// A user type of complex objects: its name, and its fields in the order they are written (one
// schema). Ids follow Ignite's default mapper: the Java hash of the lower-cased name. A
// BinaryType is immutable and shared by every object of it.
class BinaryType {
 public:
  // Builds a type the application declares: ids are computed from the names. Throws
  // std::invalid_argument on an empty name, an empty or duplicate field name, or a field type
  // code that is not a value type (handle, wrapped data).
  BinaryType(std::string name, std::vector<std::pair<std::string, TypeCode>> fields);

  // A type known only by ids, as found in data (names may be filled in from metadata).
  static std::shared_ptr<const BinaryType> from_ids(std::int32_t type_id, std::string name,
                                                    std::vector<BinaryField> fields);

  const std::string& name() const { return name_; }
  std::int32_t id() const { return id_; }
  std::int32_t schema_id() const { return schema_id_; }
  const std::vector<BinaryField>& fields() const { return fields_; }
  // Index of the field with this id, or -1.
  int index_of_id(std::int32_t field_id) const;
  // Index of the field with this name (compared by id, so case-insensitively), or -1.
  int index_of(std::string_view field_name) const;

 private:
  BinaryType() = default;
  void finish();

  std::string name_;
  std::int32_t id_ = 0;
  std::int32_t schema_id_ = 0;
  std::vector<BinaryField> fields_;
};

// A complex object: its type, and one value per field of the type, in the type's order (a
// null Value for an absent field).
struct BinaryObject {
  std::shared_ptr<const BinaryType> type;
  std::vector<Value> values;

  // The value of the named field (case-insensitive, as Ignite matches field ids), or nullptr.
  const Value* field(std::string_view name) const;
  bool operator==(const BinaryObject& other) const;
};

struct Value {
  using Variant =
      std::variant<std::monostate,  // null
                   bool, std::int8_t, std::int16_t, std::int32_t, std::int64_t, float, double, Char, std::string, Uuid,
                   Date, Timestamp, Time, Decimal, EnumValue, std::vector<std::uint8_t>,  // byte[]
                   std::vector<std::int16_t>, std::vector<std::int32_t>, std::vector<std::int64_t>, std::vector<float>,
                   std::vector<double>,
                   std::vector<char16_t>,  // char[]
                   std::vector<bool>, ValueArray, Collection, Map, BinaryObject>;
  Variant data;

  // Implicit from anything one alternative takes (42 -> int32_t, 42L -> int64_t, "text" ->
  // std::string). Defined below, once MapEntry is complete.
  Value() = default;
  template <typename T>
  requires std::is_constructible_v<Variant, T&&> &&(!std::is_same_v<std::remove_cvref_t<T>, Value>)&&(
      !std::is_same_v<std::remove_cvref_t<T>, const char*>)Value(T&& v);  // NOLINT(google-explicit-constructor)
  Value(const char* s);                                                   // NOLINT(google-explicit-constructor)
  Value(std::string_view s);                                              // NOLINT(google-explicit-constructor)

  bool is_null() const { return std::holds_alternative<std::monostate>(data); }
  template <typename T>
  bool is() const {
    return std::holds_alternative<T>(data);
  }
  // The held value; throws std::bad_variant_access if it holds another type.
  template <typename T>
  const T& as() const {
    return std::get<T>(data);
  }
  // The type code this value is written with.
  TypeCode type() const;

  bool operator==(const Value& other) const { return data == other.data; }
};

struct MapEntry {
  Value key;
  Value value;
  bool operator==(const MapEntry&) const = default;
};

// A cache entry.
struct Entry {
  Value key;
  Value value;
  bool operator==(const Entry&) const = default;
};

template <typename T>
requires std::is_constructible_v<Value::Variant, T&&> &&(!std::is_same_v<std::remove_cvref_t<T>, Value>)&&(
    !std::is_same_v<std::remove_cvref_t<T>, const char*>)inline Value::Value(T&& v)
    : data(std::forward<T>(v)) {}
inline Value::Value(const char* s) : data(std::string(s)) {}
inline Value::Value(std::string_view s) : data(std::string(s)) {}

// A readable rendering for messages and test failures ("42L", "\"text\"", "Row{TOPIC=...}").
std::string to_string(const Value& value);

}  // namespace streamlab::ignite
