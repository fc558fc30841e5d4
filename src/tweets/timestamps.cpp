#include "tweets/timestamps.hpp"

#include <array>

namespace streamlab::tweets {

namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date. Counting in 400-year eras that start
// on March 1st puts the leap day last, so the day of the year needs no leap-year test.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(y - era * 400);
  const unsigned month_from_march = m > 2 ? m - 3 : m + 9;
  const unsigned day_of_year = (153 * month_from_march + 2) / 5 + d - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

// The inverse of days_from_civil, by the same March-based eras.
Civil civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_from_march = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
  const unsigned month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
  const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// Reads exactly `width` decimal digits at `pos`.
bool read_digits(std::string_view s, std::size_t pos, std::size_t width, int& value) {
  if (pos + width > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<std::int64_t> to_epoch_ms(int year, int month, int day, int hour, int minute, int second, int millis,
                                        int offset_minutes) {
  if (month < 1 || month > 12 || day < 1 || day > static_cast<int>(days_in_month(year, static_cast<unsigned>(month))) ||
      hour > 23 || minute > 59 || second > 60) {  // 60: a leap second, which epoch time folds into the next
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t local_seconds =
      days * 86'400 + hour * 3'600 + minute * 60 + second - std::int64_t{offset_minutes} * 60;
  return local_seconds * 1000 + millis;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void append_2(unsigned v, std::string& out) {
  out.push_back(static_cast<char>('0' + v / 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

void append_4(std::int64_t v, std::string& out) {
  append_2(static_cast<unsigned>(v / 100), out);
  append_2(static_cast<unsigned>(v % 100), out);
}

struct Broken {
  Civil date;
  unsigned hour, minute, second;
  unsigned weekday;  // 0 = Sunday
};

// 0000-01-01T00:00:00.000Z, the first instant the formats below can write. Anything earlier
// is refused before any arithmetic: near INT64_MIN, days * kMsPerDay would overflow.
constexpr std::int64_t kFirstFormattedMs = -62'167'219'200'000;

std::optional<Broken> break_down(std::int64_t epoch_ms) {
  if (epoch_ms < kFirstFormattedMs || epoch_ms > kLastKeptMs) return std::nullopt;
  const std::int64_t days = floor_div(epoch_ms, kMsPerDay);
  const auto ms_of_day = static_cast<std::uint64_t>(epoch_ms - days * kMsPerDay);
  const Civil date = civil_from_days(days);
  if (date.year < 0 || date.year > 9999) return std::nullopt;
  const auto seconds = static_cast<unsigned>(ms_of_day / 1000);
  // 1970-01-01 was a Thursday.
  const auto weekday = static_cast<unsigned>(((days % 7) + 7 + 4) % 7);
  return Broken{date, seconds / 3600, seconds / 60 % 60, seconds % 60, weekday};
}

}  // namespace

std::optional<std::int64_t> parse_twitter_time(std::string_view s) {
  // Www Mmm DD HH:MM:SS +hhmm YYYY
  // 0   4   8  11 14 17 20    26
  if (s.size() != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' ||
      s[25] != ' ' || (s[20] != '+' && s[20] != '-')) {
    return std::nullopt;
  }
  int month = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (s.substr(4, 3) == kMonths[i]) month = static_cast<int>(i) + 1;
  }
  int day = 0, hour = 0, minute = 0, second = 0, off_h = 0, off_m = 0, year = 0;
  if (month == 0 || !read_digits(s, 8, 2, day) || !read_digits(s, 11, 2, hour) || !read_digits(s, 14, 2, minute) ||
      !read_digits(s, 17, 2, second) || !read_digits(s, 21, 2, off_h) || !read_digits(s, 23, 2, off_m) ||
      !read_digits(s, 26, 4, year) || off_m > 59) {
    return std::nullopt;
  }
  const int offset = (s[20] == '-' ? -1 : 1) * (off_h * 60 + off_m);
  return to_epoch_ms(year, month, day, hour, minute, second, 0, offset);
}

std::optional<std::int64_t> parse_iso8601_time(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  // 0    5  8  11 14 17
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':' ||
      !read_digits(s, 0, 4, year) || !read_digits(s, 5, 2, month) || !read_digits(s, 8, 2, day) ||
      !read_digits(s, 11, 2, hour) || !read_digits(s, 14, 2, minute) || !read_digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t i = 19;
  int millis = 0;
  if (s[i] == '.') {
    ++i;
    const std::size_t digits_start = i;
    int scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      millis += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == digits_start) return std::nullopt;
  }
  int offset = 0;
  if (i + 1 == s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int off_h = 0, off_m = 0;
    if (!read_digits(s, i + 1, 2, off_h) || !read_digits(s, i + 4, 2, off_m) || off_m > 59) {
      return std::nullopt;
    }
    offset = (s[i] == '-' ? -1 : 1) * (off_h * 60 + off_m);
    i += 6;
  } else {
    return std::nullopt;
  }
  return to_epoch_ms(year, month, day, hour, minute, second, millis, offset);
}

bool append_iso8601_utc(std::int64_t epoch_ms, std::string& out) {
  const std::optional<Broken> t = break_down(epoch_ms);
  if (!t) return false;
  append_4(t->date.year, out);
  out.push_back('-');
  append_2(t->date.month, out);
  out.push_back('-');
  append_2(t->date.day, out);
  out.push_back('T');
  append_2(t->hour, out);
  out.push_back(':');
  append_2(t->minute, out);
  out.push_back(':');
  append_2(t->second, out);
  out.push_back('Z');
  return true;
}

bool append_twitter_time(std::int64_t epoch_ms, std::string& out) {
  const std::optional<Broken> t = break_down(epoch_ms);
  if (!t) return false;
  out.append(kWeekdays[t->weekday]);
  out.push_back(' ');
  out.append(kMonths[t->date.month - 1]);
  out.push_back(' ');
  append_2(t->date.day, out);
  out.push_back(' ');
  append_2(t->hour, out);
  out.push_back(':');
  append_2(t->minute, out);
  out.push_back(':');
  append_2(t->second, out);
  out.append(" +0000 ");
  append_4(t->date.year, out);
  return true;
}

}  // namespace streamlab::tweets
