#pragma once
// Twitter/X escapes '&', '<' and '>' in tweet text as HTML entities (and some clients add
// more); streamlab stores and shows the text as people wrote it, so it decodes them.

#include <string>
#include <string_view>

namespace streamlab::tweets {

// Appends `text` to `out`, decoding &amp; &lt; &gt; &quot; &#39; &apos; and numeric
// entities (&#NNN; &#xHH;). A single pass: "&amp;lt;" becomes "&lt;", as a browser shows it.
// Anything that is not one of these entities, or names no valid Unicode scalar value (zero,
// a surrogate, beyond U+10FFFF), is copied unchanged rather than guessed at.
void append_html_decoded(std::string_view text, std::string& out);

std::string decode_html_entities(std::string_view text);

// Appends the UTF-8 encoding of `code_point`, which must be a Unicode scalar value.
void append_utf8(char32_t code_point, std::string& out);

}  // namespace streamlab::tweets
