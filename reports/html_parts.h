// Inside the HTML report (reports/html.cpp): what its page and its timeline
// (reports/html_timeline.cpp) share: reading the results' JSON, numbers as SVG writes them, the
// width a label takes, and the layout that keeps labels apart.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace idem::reports::html {

using nlohmann::ordered_json;

std::string esc(const std::string& s);  // escaped for HTML text and attributes
std::string num(double v);              // a coordinate, one decimal

// A field of a results object, or a default when it is missing or of another type.
uint64_t u(const ordered_json& j, const char* k);
int64_t i64(const ordered_json& j, const char* k, int64_t def = -1);
std::string str(const ordered_json& j, const char* k);

// The width of `s` (UTF-8) drawn `px` pixels high: DejaVu Sans's advances, the widest of the
// usual sans-serif fonts (and the one Debian's chromium uses), so that a layout made with it holds
// for narrower fonts; a character outside ASCII counts a whole em.
double text_width(const std::string& s, double px, bool bold = false);

// Labels laid out so that no two overlap: each label's box is taken only where it meets no box
// taken before; a label with no free place is left out (what it names stays in its element's
// hover text).
class Labels {
 public:
  struct Box {
    double x0, y0, x1, y1;
  };
  // The box of a text at (x, y), the baseline's start (anchor "start"), middle or end.
  static Box box(const std::string& text, double x, double y, double px, const char* anchor = "start", bool bold = false);
  bool free(const Box& b) const;
  bool take(const Box& b);  // false, taking nothing, when it is not free
  void reserve(const Box& b) { boxes_.push_back(b); }

 private:
  std::vector<Box> boxes_;
};

// The timeline of a failing run (docs/results-format.md, "timeline") as SVG; `close_up`: only
// the story of the violation it focuses on.
std::string timeline_svg(const ordered_json& t, const std::string& id, bool close_up);

}  // namespace idem::reports::html
