// A small XML reader for the documents serve/query.cpp writes, for the fuzz target (which cannot
// run xmllint on each input) and the unit test (which checks it against xmllint): whether a
// document is well-formed, and an element's text read back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace idem::test {

// The code point of the UTF-8 sequence at s[i], its length in `length`; false when there is none
// (invalid UTF-8, overlong, a surrogate, past U+10FFFF).
inline bool utf8_at(std::string_view s, size_t i, uint32_t& cp, size_t& length) {
  const auto lead = static_cast<unsigned char>(s[i]);
  uint32_t least = 0;
  if (lead < 0x80) length = 1, cp = lead;
  else if (lead >= 0xc0 && lead < 0xe0) length = 2, cp = lead & 0x1f, least = 0x80;
  else if (lead >= 0xe0 && lead < 0xf0) length = 3, cp = lead & 0x0f, least = 0x800;
  else if (lead >= 0xf0 && lead < 0xf8) length = 4, cp = lead & 0x07, least = 0x10000;
  else return false;
  if (i + length > s.size()) return false;
  for (size_t k = 1; k < length; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return false;
    cp = cp << 6 | (b & 0x3f);
  }
  return cp >= least && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

// XML 1.0's Char production.
inline bool xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
         (cp >= 0x10000 && cp <= 0x10ffff);
}

// Character data read back: the five entities, and decimal references to ASCII characters (the
// writer's &#13;), replaced by what they stand for. `ok` is false on an '&' that begins none of them.
inline std::string xml_unescape(std::string_view text, bool* ok = nullptr) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  if (ok) *ok = true;
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '&') {
      out += text[i++];
      continue;
    }
    bool found = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(i, entity.size()) == entity) {
        out += c, i += entity.size(), found = true;
        break;
      }
    }
    if (!found && text.substr(i, 2) == "&#") {
      size_t j = i + 2;
      uint32_t cp = 0;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9' && cp < 0x110000) cp = cp * 10 + (text[j++] - '0');
      if (j > i + 2 && j < text.size() && text[j] == ';' && xml_char(cp) && cp < 0x80) {
        out += static_cast<char>(cp), i = j + 1, found = true;
      }
    }
    if (!found) {
      if (ok) *ok = false;
      out += text[i++];
    }
  }
  return out;
}

// What makes `doc` not a well-formed XML document with the UTF-8 declaration, or "" when it is
// one: one root element, tags that nest and close by name, attributes in double quotes, text and
// attribute values of XML characters in valid UTF-8 with no raw '<' and every '&' a reference.
// (Comments, CDATA, processing instructions and DTDs are not written, so they count as wrong.)
inline std::string xml_problem(std::string_view doc) {
  constexpr std::string_view kDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (doc.substr(0, kDeclaration.size()) != kDeclaration) return "no XML declaration";
  for (size_t i = 0; i < doc.size();) {
    uint32_t cp = 0;
    size_t length = 0;
    if (!utf8_at(doc, i, cp, length)) return "invalid UTF-8 at byte " + std::to_string(i);
    if (!xml_char(cp)) return "a character XML does not allow at byte " + std::to_string(i);
    i += length;
  }
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
           c == '-' || c == '.';
  };
  auto text_ok = [](std::string_view text) {
    bool ok = true;
    xml_unescape(text, &ok);
    return ok && text.find('<') == std::string_view::npos;
  };
  std::vector<std::string_view> open;
  bool had_root = false;
  size_t i = kDeclaration.size();
  while (i < doc.size()) {
    const size_t lt = doc.find('<', i);
    const std::string_view text = doc.substr(i, lt == std::string_view::npos ? std::string_view::npos : lt - i);
    if (!text_ok(text)) return "a bad '&' in text at byte " + std::to_string(i);
    if (open.empty() && text.find_first_not_of(" \t\r\n") != std::string_view::npos)
      return "text outside the root element at byte " + std::to_string(i);
    if (lt == std::string_view::npos) break;
    i = lt + 1;
    const bool closing = i < doc.size() && doc[i] == '/';
    if (closing) ++i;
    const size_t name_start = i;
    while (i < doc.size() && name_char(doc[i])) ++i;
    const std::string_view name = doc.substr(name_start, i - name_start);
    if (name.empty() || (name[0] >= '0' && name[0] <= '9') || name[0] == '-' || name[0] == '.')
      return "a tag without a name at byte " + std::to_string(lt);
    if (closing) {
      if (open.empty() || open.back() != name) return "</" + std::string(name) + "> closes nothing open";
      open.pop_back();
      if (i >= doc.size() || doc[i] != '>') return "an unterminated closing tag at byte " + std::to_string(lt);
      ++i;
      continue;
    }
    if (open.empty() && had_root) return "a second root element at byte " + std::to_string(lt);
    had_root = true;
    while (i < doc.size() && doc[i] == ' ') {
      ++i;
      const size_t attr = i;
      while (i < doc.size() && name_char(doc[i])) ++i;
      if (i == attr || doc.substr(i, 2) != "=\"") return "a bad attribute at byte " + std::to_string(attr);
      const size_t end = doc.find('"', i + 2);
      if (end == std::string_view::npos || !text_ok(doc.substr(i + 2, end - i - 2)))
        return "a bad attribute value at byte " + std::to_string(attr);
      i = end + 1;
    }
    if (doc.substr(i, 2) == "/>") {
      i += 2;
    } else if (i < doc.size() && doc[i] == '>') {
      open.push_back(name);
      ++i;
    } else {
      return "an unterminated tag at byte " + std::to_string(lt);
    }
  }
  if (!had_root) return "no root element";
  if (!open.empty()) return "<" + std::string(open.back()) + "> is never closed";
  return "";
}

// The text of the first <name> element in `doc`, read back (unescaped); "" when there is none.
inline std::string xml_text(std::string_view doc, std::string_view name) {
  const std::string open = "<" + std::string(name) + ">", close = "</" + std::string(name) + ">";
  const size_t start = doc.find(open);
  if (start == std::string_view::npos) return "";
  const size_t from = start + open.size();
  return xml_unescape(doc.substr(from, doc.find(close, from) - from));
}

}  // namespace idem::test
