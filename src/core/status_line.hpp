#pragma once
// The once-a-second status on stderr: rewritten in place on a terminal, one line each
// otherwise so logs and pipes stay readable.

#include <string>

namespace streamlab::core {

class StatusLine {
 public:
  // `in_place` false: one line each time even on a terminal (when data also goes there).
  explicit StatusLine(bool in_place = true);
  void show(const std::string& text);
  // An event worth its own line (a leader changed): printed below the status, which goes on.
  void note(const std::string& text);
  // Ends an in-place line so the next output starts on a fresh line.
  void finish();

 private:
  bool tty_;
  bool open_ = false;
};

// "12.3k", "1.20M": compact rates for status lines.
std::string human_count(double v);

}  // namespace streamlab::core
