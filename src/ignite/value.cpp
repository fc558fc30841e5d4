#include "ignite/value.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <unordered_set>

#include "ignite/hashing.hpp"

namespace streamlab::ignite {

bool element_accepts(TypeCode element, TypeCode actual) {
  if (actual == TypeCode::kNull || element == TypeCode::kNull) return true;
  if (element == TypeCode::kEnum || element == TypeCode::kBinaryEnum) {
    return actual == TypeCode::kEnum || actual == TypeCode::kBinaryEnum;
  }
  if (element == TypeCode::kObjectArray) {
    // An Object[] field may hold any array of full values.
    return actual == TypeCode::kObjectArray || actual == TypeCode::kStringArray || actual == TypeCode::kUuidArray ||
           actual == TypeCode::kDateArray || actual == TypeCode::kTimestampArray || actual == TypeCode::kTimeArray ||
           actual == TypeCode::kDecimalArray || actual == TypeCode::kEnumArray;
  }
  return element == actual;
}

std::string_view type_name(TypeCode code) {
  switch (code) {
    case TypeCode::kByte: return "byte";
    case TypeCode::kShort: return "short";
    case TypeCode::kInt: return "int";
    case TypeCode::kLong: return "long";
    case TypeCode::kFloat: return "float";
    case TypeCode::kDouble: return "double";
    case TypeCode::kChar: return "char";
    case TypeCode::kBool: return "bool";
    case TypeCode::kString: return "String";
    case TypeCode::kUuid: return "UUID";
    case TypeCode::kDate: return "Date";
    case TypeCode::kByteArray: return "byte[]";
    case TypeCode::kShortArray: return "short[]";
    case TypeCode::kIntArray: return "int[]";
    case TypeCode::kLongArray: return "long[]";
    case TypeCode::kFloatArray: return "float[]";
    case TypeCode::kDoubleArray: return "double[]";
    case TypeCode::kCharArray: return "char[]";
    case TypeCode::kBoolArray: return "bool[]";
    case TypeCode::kStringArray: return "String[]";
    case TypeCode::kUuidArray: return "UUID[]";
    case TypeCode::kDateArray: return "Date[]";
    case TypeCode::kObjectArray: return "Object[]";
    case TypeCode::kCollection: return "Collection";
    case TypeCode::kMap: return "Map";
    case TypeCode::kWrappedData: return "wrapped data";
    case TypeCode::kEnum: return "Enum";
    case TypeCode::kEnumArray: return "Enum[]";
    case TypeCode::kDecimal: return "Decimal";
    case TypeCode::kDecimalArray: return "Decimal[]";
    case TypeCode::kTimestamp: return "Timestamp";
    case TypeCode::kTimestampArray: return "Timestamp[]";
    case TypeCode::kTime: return "Time";
    case TypeCode::kTimeArray: return "Time[]";
    case TypeCode::kBinaryEnum: return "binary Enum";
    case TypeCode::kNull: return "null";
    case TypeCode::kHandle: return "handle";
    case TypeCode::kComplexObject: return "complex object";
  }
  return "unknown type";
}

bool ValueArray::operator==(const ValueArray& o) const {
  return element == o.element && type_id == o.type_id && items == o.items;
}
bool Collection::operator==(const Collection& o) const { return kind == o.kind && items == o.items; }
bool Map::operator==(const Map& o) const { return kind == o.kind && entries == o.entries; }

// Two objects are equal when they are of the same type id and hold equal values for the same
// field ids: a type read back from the server may lack the names the writer's type had.
bool BinaryObject::operator==(const BinaryObject& o) const {
  if (!type || !o.type) return type == o.type && values == o.values;
  if (type->id() != o.type->id() || values.size() != o.values.size()) return false;
  const auto& fa = type->fields();
  const auto& fb = o.type->fields();
  if (fa.size() != values.size() || fb.size() != o.values.size()) return false;
  for (std::size_t i = 0; i < fa.size(); ++i) {
    const int j = o.type->index_of_id(fa[i].id);
    if (j < 0 || !(values[i] == o.values[static_cast<std::size_t>(j)])) return false;
  }
  return true;
}

const Value* BinaryObject::field(std::string_view name) const {
  if (!type) return nullptr;
  const int i = type->index_of(name);
  if (i < 0 || static_cast<std::size_t>(i) >= values.size()) return nullptr;
  return &values[static_cast<std::size_t>(i)];
}

namespace {
bool is_value_type(TypeCode code) {
  switch (code) {
    case TypeCode::kWrappedData:
    case TypeCode::kHandle: return false;
    default: return !type_name(code).starts_with("unknown");
  }
}
}  // namespace

BinaryType::BinaryType(std::string name, std::vector<std::pair<std::string, TypeCode>> fields)
    : name_(std::move(name)) {
  if (name_.empty()) throw std::invalid_argument("binary type: empty type name");
  id_ = name_id(name_);
  if (id_ == 0) throw std::invalid_argument("binary type '" + name_ + "': its id hashes to 0");
  std::unordered_set<std::int32_t> ids;
  fields_.reserve(fields.size());
  for (auto& [field_name, code] : fields) {
    if (field_name.empty()) throw std::invalid_argument("binary type '" + name_ + "': empty field name");
    if (!is_value_type(code)) {
      throw std::invalid_argument("binary type '" + name_ + "': field '" + field_name + "' has no value type");
    }
    const std::int32_t id = name_id(field_name);
    if (!ids.insert(id).second) {
      throw std::invalid_argument("binary type '" + name_ + "': field '" + field_name +
                                  "' has the id of another field (names are case-insensitive)");
    }
    fields_.push_back(BinaryField{std::move(field_name), id, code});
  }
  finish();
}

std::shared_ptr<const BinaryType> BinaryType::from_ids(std::int32_t type_id, std::string name,
                                                       std::vector<BinaryField> fields) {
  auto type = std::shared_ptr<BinaryType>(new BinaryType());
  type->name_ = std::move(name);
  type->id_ = type_id;
  type->fields_ = std::move(fields);
  type->finish();
  return type;
}

void BinaryType::finish() {
  std::vector<std::int32_t> ids;
  ids.reserve(fields_.size());
  for (const auto& f : fields_) ids.push_back(f.id);
  schema_id_ = ignite::schema_id(ids);
}

int BinaryType::index_of_id(std::int32_t field_id) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].id == field_id) return static_cast<int>(i);
  }
  return -1;
}

int BinaryType::index_of(std::string_view field_name) const { return index_of_id(name_id(field_name)); }

TypeCode Value::type() const {
  struct Visitor {
    TypeCode operator()(std::monostate) const { return TypeCode::kNull; }
    TypeCode operator()(bool) const { return TypeCode::kBool; }
    TypeCode operator()(std::int8_t) const { return TypeCode::kByte; }
    TypeCode operator()(std::int16_t) const { return TypeCode::kShort; }
    TypeCode operator()(std::int32_t) const { return TypeCode::kInt; }
    TypeCode operator()(std::int64_t) const { return TypeCode::kLong; }
    TypeCode operator()(float) const { return TypeCode::kFloat; }
    TypeCode operator()(double) const { return TypeCode::kDouble; }
    TypeCode operator()(const Char&) const { return TypeCode::kChar; }
    TypeCode operator()(const std::string&) const { return TypeCode::kString; }
    TypeCode operator()(const Uuid&) const { return TypeCode::kUuid; }
    TypeCode operator()(const Date&) const { return TypeCode::kDate; }
    TypeCode operator()(const Timestamp&) const { return TypeCode::kTimestamp; }
    TypeCode operator()(const Time&) const { return TypeCode::kTime; }
    TypeCode operator()(const Decimal&) const { return TypeCode::kDecimal; }
    TypeCode operator()(const EnumValue& e) const { return e.binary ? TypeCode::kBinaryEnum : TypeCode::kEnum; }
    TypeCode operator()(const std::vector<std::uint8_t>&) const { return TypeCode::kByteArray; }
    TypeCode operator()(const std::vector<std::int16_t>&) const { return TypeCode::kShortArray; }
    TypeCode operator()(const std::vector<std::int32_t>&) const { return TypeCode::kIntArray; }
    TypeCode operator()(const std::vector<std::int64_t>&) const { return TypeCode::kLongArray; }
    TypeCode operator()(const std::vector<float>&) const { return TypeCode::kFloatArray; }
    TypeCode operator()(const std::vector<double>&) const { return TypeCode::kDoubleArray; }
    TypeCode operator()(const std::vector<char16_t>&) const { return TypeCode::kCharArray; }
    TypeCode operator()(const std::vector<bool>&) const { return TypeCode::kBoolArray; }
    TypeCode operator()(const ValueArray& a) const {
      switch (a.element) {
        case TypeCode::kString: return TypeCode::kStringArray;
        case TypeCode::kUuid: return TypeCode::kUuidArray;
        case TypeCode::kDate: return TypeCode::kDateArray;
        case TypeCode::kTimestamp: return TypeCode::kTimestampArray;
        case TypeCode::kTime: return TypeCode::kTimeArray;
        case TypeCode::kDecimal: return TypeCode::kDecimalArray;
        case TypeCode::kEnum:
        case TypeCode::kBinaryEnum: return TypeCode::kEnumArray;
        default: return TypeCode::kObjectArray;
      }
    }
    TypeCode operator()(const Collection&) const { return TypeCode::kCollection; }
    TypeCode operator()(const Map&) const { return TypeCode::kMap; }
    TypeCode operator()(const BinaryObject&) const { return TypeCode::kComplexObject; }
  };
  return std::visit(Visitor{}, data);
}

namespace {

std::string in_quotes(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

template <typename Seq, typename F>
std::string join(const Seq& seq, F&& f, std::size_t limit = 16) {
  std::string out = "[";
  std::size_t i = 0;
  for (const auto& x : seq) {
    if (i == limit) {
      out += fmt::format(", ... ({} in all)", seq.size());
      break;
    }
    if (i++ > 0) out += ", ";
    out += f(x);
  }
  return out + "]";
}

}  // namespace

std::string to_string(const Value& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int8_t v) const { return fmt::format("{}b", v); }
    std::string operator()(std::int16_t v) const { return fmt::format("{}s", v); }
    std::string operator()(std::int32_t v) const { return fmt::format("{}", v); }
    std::string operator()(std::int64_t v) const { return fmt::format("{}L", v); }
    std::string operator()(float v) const { return fmt::format("{}f", v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(const Char& c) const { return fmt::format("char(U+{:04X})", static_cast<unsigned>(c.unit)); }
    std::string operator()(const std::string& s) const { return in_quotes(s); }
    std::string operator()(const Uuid& u) const {
      return fmt::format("uuid({:016x}{:016x})", u.most_significant, u.least_significant);
    }
    std::string operator()(const Date& d) const { return fmt::format("date({}ms)", d.millis); }
    std::string operator()(const Timestamp& t) const { return fmt::format("timestamp({}ms+{}ns)", t.millis, t.nanos); }
    std::string operator()(const Time& t) const { return fmt::format("time({}ms)", t.millis); }
    std::string operator()(const Decimal& d) const {
      return fmt::format("decimal(scale {}, {} bytes)", d.scale, d.magnitude.size());
    }
    std::string operator()(const EnumValue& e) const { return fmt::format("enum({}:{})", e.type_id, e.ordinal); }
    std::string operator()(const std::vector<std::uint8_t>& v) const { return fmt::format("byte[{}]", v.size()); }
    std::string operator()(const std::vector<std::int16_t>& v) const {
      return join(v, [](auto x) { return fmt::format("{}", x); });
    }
    std::string operator()(const std::vector<std::int32_t>& v) const {
      return join(v, [](auto x) { return fmt::format("{}", x); });
    }
    std::string operator()(const std::vector<std::int64_t>& v) const {
      return join(v, [](auto x) { return fmt::format("{}L", x); });
    }
    std::string operator()(const std::vector<float>& v) const {
      return join(v, [](auto x) { return fmt::format("{}f", x); });
    }
    std::string operator()(const std::vector<double>& v) const {
      return join(v, [](auto x) { return fmt::format("{}", x); });
    }
    std::string operator()(const std::vector<char16_t>& v) const { return fmt::format("char[{}]", v.size()); }
    std::string operator()(const std::vector<bool>& v) const {
      return join(v, [](bool x) { return std::string(x ? "true" : "false"); });
    }
    std::string operator()(const ValueArray& a) const {
      return std::string(type_name(Value(a).type())) + join(a.items, [](const Value& x) { return to_string(x); });
    }
    std::string operator()(const Collection& c) const {
      return "Collection" + join(c.items, [](const Value& x) { return to_string(x); });
    }
    std::string operator()(const Map& m) const {
      return "Map" + join(m.entries, [](const MapEntry& e) { return to_string(e.key) + "=" + to_string(e.value); });
    }
    std::string operator()(const BinaryObject& o) const {
      if (!o.type) return "object(no type)";
      std::string out = o.type->name().empty() ? fmt::format("type#{}", o.type->id()) : o.type->name();
      out += "{";
      const auto& fields = o.type->fields();
      for (std::size_t i = 0; i < fields.size() && i < o.values.size(); ++i) {
        if (i > 0) out += ", ";
        out += fields[i].name.empty() ? fmt::format("#{}", fields[i].id) : fields[i].name;
        out += "=";
        const Value& v = o.values[i];
        // Long texts and blobs would swamp a message.
        if (v.is<std::string>() && v.as<std::string>().size() > 64) {
          out += fmt::format("<{} bytes of text>", v.as<std::string>().size());
        } else {
          out += to_string(v);
        }
      }
      return out + "}";
    }
  };
  return std::visit(Visitor{}, value.data);
}

}  // namespace streamlab::ignite
