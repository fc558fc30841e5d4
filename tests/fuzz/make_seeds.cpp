// Writes the fuzz targets' seed corpora, one folder of DIR each (DIR/<target>/): well-formed
// input of every kind each parser reads (Ignite's answers, addresses, tweets and stream
// messages, X's rules replies, properties files, ...) and a few near misses, so that mutation
// starts from the real shapes. Usage: make_seeds DIR

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ignite/codec.hpp"
#include "ignite/messages.hpp"

using namespace streamlab::ignite;

namespace {

void save(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

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

std::string folder(const std::string& dir, const char* target) {
  const std::string path = dir + "/" + target;
  ::mkdir(path.c_str(), 0755);
  return path;
}

// Seeds given as text: each is saved as <target>/<n>.
void save_all(const std::string& dir, const char* target, std::initializer_list<std::string_view> seeds) {
  const std::string path = folder(dir, target);
  int n = 0;
  for (const std::string_view seed : seeds) save(path, std::to_string(n++), seed);
}

using namespace std::string_view_literals;

// A libFuzzer dictionary (DIR/<target>.dict, given to the target with -dict): tokens that
// mutation inserts whole, so that it reaches keys and shapes it would rarely spell byte by byte.
void save_dict(const std::string& dir, const char* target, const std::vector<std::string_view>& tokens) {
  std::string text;
  for (const std::string_view token : tokens) {
    text += '"';
    for (const char c : token) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        text += {'\\', 'x', kHex[u >> 4], kHex[u & 15]};
        continue;
      }
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += "\"\n";
  }
  save(dir, std::string(target) + ".dict", text);
}

void dictionaries(const std::string& dir) {
  const std::vector<std::string_view> json = {"{",           "}",
                                              "[",           "]",
                                              ",",           ":",
                                              "\"\"",        "true",
                                              "false",       "null",
                                              "0",           "-1",
                                              "1.5e3",       "18446744073709551616",
                                              "\\u0000",     "\\ud83d\\ude00",
                                              "\\udc00",     "\\n",
                                              "\xc3\xa9",    "\xf0\x9f\x98\x80",
                                              "\xed\xa0\x80"};
  save_dict(dir, "json_error_offset", json);
  std::vector<std::string_view> tweet = json;
  for (const std::string_view token : {"\"id\":",
                                       "\"id_str\":",
                                       "\"text\":",
                                       "\"full_text\":",
                                       "\"extended_tweet\":",
                                       "\"retweeted_status\":",
                                       "\"quoted_status\":",
                                       "\"is_quote_status\":",
                                       "\"user\":",
                                       "\"screen_name\":",
                                       "\"created_at\":",
                                       "\"lang\":",
                                       "\"entities\":",
                                       "\"hashtags\":",
                                       "\"user_mentions\":",
                                       "\"data\":",
                                       "\"includes\":",
                                       "\"users\":",
                                       "\"tweets\":",
                                       "\"username\":",
                                       "\"author_id\":",
                                       "\"note_tweet\":",
                                       "\"mentions\":",
                                       "\"tag\":",
                                       "\"referenced_tweets\":",
                                       "\"type\":",
                                       "\"retweeted\"",
                                       "\"quoted\"",
                                       "\"errors\":",
                                       "\"number\":",
                                       "\"delete\":",
                                       "\"limit\":",
                                       "\"friends_str\":",
                                       "\"Wed Oct 10 20:19:24 +0200 2018\"",
                                       "\"2022-01-01T09:00:00.000-03:00\"",
                                       "&amp;",
                                       "&#x1F600;",
                                       "&#55357;",
                                       "&lt"}) {
    tweet.push_back(token);
  }
  save_dict(dir, "tweet_parser", tweet);
  std::vector<std::string_view> rules = json;
  for (const std::string_view token : {"\"data\":", "\"id\":", "\"value\":", "\"tag\":", "\"streamlab\"", "\"meta\":",
                                       "\"summary\":", "\"not_created\":", "\"not_deleted\":", "\"invalid\":",
                                       "\"errors\":", "\"title\":", "\"detail\":", "\"details\":", "\"message\":"}) {
    rules.push_back(token);
  }
  save_dict(dir, "x_stream_rules", rules);
  save_dict(dir, "ignite_uri", {"ignite://", "://",       "?",       "&",     "=",     "@",      ":",     ",",
                                "[",         "]",         "/",       "%",     "%40",   "table=", "user=", "password=",
                                "tls=true",  "tls=false", "cacert=", "10800", "65535", "65536"});
  save_dict(
      dir, "redis_uri",
      {"redis://", "rediss://", "?cacert=", "&", "://", "?record=", "@", ":", "/", "6379", "65536", "password=", "-1"});
}

void text_seeds(const std::string& dir) {
  save_all(dir, "ignite_uri",
           {"ignite://127.0.0.1:10800", "ignite://a,b:10801,[::1]:10802/?table=TWEETS",
            "ignite://h?table=T&user=ignite&password=p%40ss%26word", "ignite://user:secret@h", "IGNITE://[fe80::1%25]",
            "ignite://h:0?table=1x&password=x", "ignite://localhost:10900?user=u&tls=true&cacert=/ca.pem"});
  save_all(dir, "redis_uri",
           {"redis://", "redis://127.0.0.1:6379/0", "redis://:secret@h:6380/2?record=/tmp/r.resp",
            "redis://user:p@ss:w@rd@host", "redis://h/x", "redis://h?record=a&b",
            "rediss://app@localhost:26379/1?cacert=/ca.pem&record=/tmp/r"});
  save_all(dir, "tweet_parser",
           {R"({"created_at":"Wed Oct 10 20:19:24 +0200 2018","id":1,"id_str":"1","text":"hola &amp; #chile @x",)"
            R"("user":{"screen_name":"a"},"lang":"es","entities":{"hashtags":[{"text":"chile"}],)"
            R"("user_mentions":[{"screen_name":"x"}]},"extended_tweet":{"full_text":"long &#x1F600;"}})",
            R"({"id_str":"2","text":"RT @b: x","retweeted_status":{"id_str":"3","text":"x","is_quote_status":true,)"
            R"("quoted_status":{"id_str":"4","text":"q"}}})",
            R"({"data":{"id":"5","text":"RT @a: corto","author_id":"9","created_at":"2022-01-01T09:00:00.000-03:00",)"
            R"("note_tweet":{"text":"largo","entities":{"hashtags":[{"tag":"t"}]}},)"
            R"("referenced_tweets":[{"type":"retweeted","id":"6"}]},"includes":{"users":[{"id":"9","username":"u"}],)"
            R"("tweets":[{"id":"6","text":"original","entities":{"mentions":[{"username":"m"}]}}]}})",
            R"({"number":42})", R"({"number":18446744073709551615})", R"({"delete":{"status":{"id":1}}})",
            R"({"errors":[{"title":"x"}]})", "\r\n",
            R"({"id":"1","text":"x","created_at":"Mon Jan 01 00:00:00 +0000 0000"})",
            R"({"a":[1,2,{"b":"\ud83d\ude00"}])", "[1.5e999]"});
  save_all(
      dir, "json_error_offset",
      {R"({"a":[1,-2.5e+3,true,false,null,"\u00e9\ud83d\ude00\n"]})", "[\"\xc3\xa9\xf0\x9f\x98\x80\"]", R"({"a":1,})",
       R"([1.])", R"("\ud800")", "\"\\ud83f\0"sv, "\xEF\xBB\xBF{}", "[[[[[[[[]]]]]]]]", "12 x", "{\"a\"\t:\r\n 1}"});
  // The first three bytes: the line cap (255: the real one), how reads are cut, where the
  // connection is lost (0: never).
  save_all(dir, "x_stream_lines",
           {"\xff\x01\x00{\"data\":{\"id\":\"1\"}}\r\n\r\n{\"data\":2}\r\n{\"half"sv,
            "\x08\x07\x80short\r\nthis one is too long\r\n\r\n \t\r\nok\nlast"sv, "\x00\x00\x00\n\n\r\r\n"sv});
  save_all(
      dir, "x_stream_rules",
      {R"({"data":[{"id":"1","value":"(a OR b) lang:es","tag":"streamlab"},{"id":"2","value":"x"}],)"
       R"("meta":{"sent":"2024-01-01T00:00:00.000Z","result_count":2}})",
       R"({"data":[{"value":"y","tag":"streamlab","id":"3"}],"meta":{"summary":{"created":1,"not_created":0,)"
       R"("valid":1,"invalid":0}}})",
       R"({"meta":{"summary":{"deleted":1,"not_deleted":0}}})",
       R"({"errors":[{"value":"x","id":"1","title":"DuplicateRule","type":"https://api.twitter.com/2/problems/duplicate-rules"}],)"
       R"("meta":{"summary":{"created":0,"not_created":1,"valid":0,"invalid":1}}})",
       R"({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"})",
       R"({"detail":"Too Many Requests","details":["slow down"],"message":"x"})", "Chile, Santiago,copa america",
       "<html>503</html>"});
  save_all(dir, "copy_text",
           {"a\tb\\c\nd\re\0f\x7f\xc3\xa9"sv,
            "\x05{\"x\",\"y\\\\\"}\x01\x02\x03\x04\x05\x06\x07\x08public.tweets\xff\x00"sv, "plain"sv});
  // Any bytes make a row (FuzzedDataProvider: texts from the front, numbers from the back); these
  // give texts with COPY's and arrays' special characters, Unicode and a document.
  save_all(
      dir, "copy_binary",
      {"topic\\ tweets\\ F\xc3\xbatbol \\\\N {\"a,b\"}\t\n\\ NULL\\ {\"number\": 7}\x01\x00\x80\x9b\x1f\x80\x71\x6a\x01"sv,
       "t\\ 1\\ ana\\ es\\ \xf0\x9f\x98\x80\\ Chile\\ \\ x\"y\\ {}\xff\xff\xff\xff\xff\xff\xff\x7f\x00"sv, "plain"sv});
  // The first 8 bytes: the wall clock in ms (little-endian, taken modulo the year 3000).
  save_all(dir, "rate_limit_reset",
           {"\x00\x10\xa5\xd4\xe8\x00\x00\x00"
            "1000000300"sv,
            "\x00\x00\x00\x00\x00\x00\x00\x00 60\r\n"sv,
            "\xff\xff\xff\xff\xff\xff\xff\x7f"
            "99999999999999999999"sv,
            "\x01\x00\x00\x00\x00\x00\x00\x00-5"sv});
  save_all(dir, "properties_file",
           {"# kcat -F\nbootstrap.servers = h1:9092,h2:9092 \r\nsasl.password=p=q\n\n\t# x\nclient.id=x",
            "security.protocol=SASL_SSL\nsasl.jaas.config=a=b c=d\r\n", "no equals sign\n", " =value\n"});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds DIR\n");
    return 2;
  }
  text_seeds(argv[1]);
  dictionaries(argv[1]);
  const std::string dir = folder(argv[1], "ignite_response");
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
