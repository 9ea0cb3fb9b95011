// The HTML report's timeline (reports/html_parts.h): a failing run drawn as lanes, from the
// results file's "timeline" (docs/results-format.md), whole or close up on one violation's story.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "reports/html_parts.h"

namespace idem::reports::html {

namespace {

// A simulated time for an axis, with as many decimals as the tick step needs: "850ms", "4.5s",
// "2m30s", "20h05m" (minutes once the axis passes a minute).
std::string tick_text(int64_t us, int64_t step, int64_t axis_end) {
  char b[64];
  const auto decimals = [&](int64_t unit) {
    int d = 0;
    for (int64_t s = unit; s > step && d < 6; s /= 10) ++d;
    return d;
  };
  if (axis_end < 1000000) {
    std::snprintf(b, sizeof b, "%.*fms", decimals(1000), static_cast<double>(us) / 1e3);
  } else if (axis_end < 60000000) {
    std::snprintf(b, sizeof b, "%.*fs", decimals(1000000), static_cast<double>(us) / 1e6);
  } else {
    const long long s = us / 1000000, h = s / 3600, m = s % 3600 / 60, sec = s % 60;
    if (axis_end < 3600000000LL) {
      if (step >= 1000000) std::snprintf(b, sizeof b, "%lldm%02llds", h * 60 + m, sec);
      else std::snprintf(b, sizeof b, "%lldm%0*.*fs", h * 60 + m, 3 + decimals(1000000), decimals(1000000),
                         static_cast<double>(us % 60000000) / 1e6);
    } else if (step >= 60000000) {
      std::snprintf(b, sizeof b, "%lldh%02lldm", h, m);
    } else {
      std::snprintf(b, sizeof b, "%lldh%02lldm%02llds", h, m, sec);
    }
  }
  return b;
}

// A length of simulated time, short: "850ms", "12s", "4m30s", "4h59m".
std::string duration_text(int64_t us) {
  char b[48];
  const long long s = us / 1000000;
  if (us < 1000000) std::snprintf(b, sizeof b, "%lldms", static_cast<long long>(us / 1000));
  else if (s < 60) std::snprintf(b, sizeof b, "%llds", s);
  else if (s < 3600) std::snprintf(b, sizeof b, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(b, sizeof b, "%lldh%02lldm", s / 3600, s % 3600 / 60);
  return b;
}

// A simulated time in a hover text, to the microsecond, as the trace writes it: "12.345678s".
std::string time_text(int64_t us) {
  char b[48];
  std::snprintf(b, sizeof b, "%lld.%06llds", static_cast<long long>(us / 1000000), static_cast<long long>(us % 1000000));
  return b;
}

int64_t story_of(const ordered_json& a) { return i64(a, "story", 0); }

// The time axis of a timeline: the stretches of activity, each drawn to scale, with the quiet
// stretches between them cut out (a break on the axis, labelled with the time it skips), so that
// a burst of retries an hour into a run is as readable as one at its start.
struct Scale {
  struct Segment {
    int64_t t0, t1;
    double x0, x1;
  };
  static constexpr double kBreak = 26;  // pixels for a cut-out stretch
  std::vector<Segment> segments;

  // `points`: every time drawn. The longest quiet stretches, each longer than a twelfth of the
  // whole, are cut (at most 8).
  Scale(std::vector<int64_t> points, double left, double width) {
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    if (points.empty()) points = {0, 1};
    const int64_t total = std::max<int64_t>(1, points.back() - points.front());
    std::vector<std::pair<int64_t, size_t>> gaps;  // (length, index of the point after it)
    for (size_t i = 1; i < points.size(); ++i)
      if (points[i] - points[i - 1] > total / 12) gaps.emplace_back(points[i] - points[i - 1], i);
    std::sort(gaps.begin(), gaps.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    if (gaps.size() > 8) gaps.resize(8);
    std::vector<size_t> cuts;
    for (const auto& g : gaps) cuts.push_back(g.second);
    std::sort(cuts.begin(), cuts.end());
    size_t from = 0;
    std::vector<std::pair<int64_t, int64_t>> spans;
    for (size_t c : cuts) spans.emplace_back(points[from], points[c - 1]), from = c;
    spans.emplace_back(points[from], points.back());
    // Each stretch padded a little on both sides; the width shared half by duration, half evenly.
    int64_t sum = 0;
    for (auto& [a, b] : spans) {
      const int64_t pad = std::max<int64_t>({1000, (b - a) / 15, total / 400});
      a = std::max<int64_t>(0, a - pad);
      b += pad;
      sum += b - a;
    }
    const double avail = width - kBreak * static_cast<double>(spans.size() - 1);
    double x = left;
    for (const auto& [a, b] : spans) {
      const double w = avail * (0.5 * static_cast<double>(b - a) / static_cast<double>(sum) + 0.5 / static_cast<double>(spans.size()));
      segments.push_back({a, b, x, x + w});
      x += w + kBreak;
    }
  }

  int64_t begin() const { return segments.front().t0; }
  int64_t end() const { return segments.back().t1; }
  // Where time `us` is drawn; in a cut-out stretch, across its break in proportion.
  double x(int64_t us) const {
    if (us <= segments.front().t0) return segments.front().x0;
    for (size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = segments[i];
      if (us <= s.t1)
        return s.x0 + (s.x1 - s.x0) * static_cast<double>(us - s.t0) / static_cast<double>(std::max<int64_t>(1, s.t1 - s.t0));
      if (i + 1 < segments.size() && us < segments[i + 1].t0) {
        const Segment& n = segments[i + 1];
        return s.x1 + (n.x0 - s.x1) * static_cast<double>(us - s.t1) / static_cast<double>(n.t0 - s.t1);
      }
    }
    return segments.back().x1;
  }
};

// A tick step for a stretch of `span` microseconds drawn `width` pixels wide: one of 1, 2, 5 times
// a power of ten below a second, then 1, 2, 5, 10, 15, 30 seconds or minutes, then 1, 2, 3, 6,
// 12 hours or days: about one tick per 110 pixels.
int64_t time_step(int64_t span, double width) {
  const double want = static_cast<double>(span) / std::max(1.0, width / 110.0);
  static const std::vector<int64_t> steps = [] {
    std::vector<int64_t> v;
    for (int64_t m = 1; m < 1000000; m *= 10)
      for (int64_t f : {1, 2, 5}) v.push_back(f * m);
    for (int64_t s : {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
                      172800, 432000, 864000})
      v.push_back(s * 1000000);
    return v;
  }();
  for (int64_t s : steps)
    if (static_cast<double>(s) >= want) return s;
  return steps.back();
}

}  // namespace

// The shortest failing run as lanes: a client's attempt is an arrow to the frontend that took it
// in (a crossed stub when it was lost on the way) and an arrow back from when its answer left to
// when it arrived (a dashed one when it came after the client stopped waiting; a crossed stub
// when it was lost on the way back); a timeout or a reset is a dashed wait ending in a cross.
// Launches are dots on their frontend's lane, those that broke a rule red diamonds, those no
// answer named (leaked) amber squares with a dashed line to the termination that ended them, or
// to the end with "still running at the limit". Faults are named in bands above the lanes, a row
// each where they overlap: a window shaded over its Region's lanes, a crash (an instant) a tick
// where it struck. Crashes, restarts and a reaper's terminations are marked on their lanes.
// `close_up`: only the focus violation's story (its attempts, the lanes they and its marks are on,
// the service's, and where its leaked launches ended), over the time it spans. No two labels
// overlap: each takes a free place or is left out (its element's hover text names it).
std::string timeline_svg(const ordered_json& t, const std::string& id, bool close_up) {
  const ordered_json& all_lanes = t["lanes"];
  const ordered_json& attempts = t["attempts"];
  const ordered_json& launches = t["launches"];
  const ordered_json& faults = t["faults"];
  const ordered_json& marks = t["marks"];
  const ordered_json& violations = t["violations"];
  const int64_t focus = i64(t, "focus", 0);
  const auto flag = [](const ordered_json& j, const char* k) { return j.contains(k) && j[k].is_boolean() && j[k].get<bool>(); };
  const auto drawn_attempt = [&](const ordered_json& a) { return !close_up || story_of(a) == 2; };
  const auto mark_in_story = [&](const ordered_json& m) { return i64(m, "story", 0) == 2; };
  // A launch is violating here when a violation found it broke its rule (in a close-up: the focus
  // violation; an older file without `bad_in`: any).
  const auto bad_here = [&](const ordered_json& l) {
    if (!close_up || !l.contains("bad_in") || !l["bad_in"].is_array()) return flag(l, "bad");
    return std::any_of(l["bad_in"].begin(), l["bad_in"].end(),
                       [&](const ordered_json& v) { return v.is_number_integer() && v.get<int64_t>() == focus; });
  };
  // The lanes drawn, and where each lane of the timeline went (-1: not drawn).
  const int64_t all = static_cast<int64_t>(all_lanes.size());
  std::vector<bool> shown(all_lanes.size(), !close_up);
  const auto show = [&](int64_t l) {
    if (l >= 0 && l < all) shown[static_cast<size_t>(l)] = true;
  };
  std::vector<uint64_t> story_ids;  // the attempts drawn, for the launches they made
  for (const auto& a : attempts)
    if (drawn_attempt(a)) {
      story_ids.push_back(u(a, "id"));
      if (close_up) show(i64(a, "from"));
    }
  const auto launch_drawn = [&](const ordered_json& l) {
    return !close_up || std::find(story_ids.begin(), story_ids.end(), u(l, "attempt")) != story_ids.end();
  };
  if (close_up) {
    for (const auto& m : marks)
      if (mark_in_story(m)) show(i64(m, "lane"));
    for (const auto& l : launches)
      if (launch_drawn(l) && flag(l, "leaked")) show(i64(l, "terminated_lane"));
  }
  for (size_t l = 0; l < all_lanes.size(); ++l) {
    const std::string kind = str(all_lanes[l], "kind");
    shown[l] = shown[l] || kind == "frontend" || kind == "store";
  }
  std::vector<int64_t> where(all_lanes.size(), -1);
  std::vector<const ordered_json*> lane_list;
  for (size_t l = 0; l < all_lanes.size(); ++l)
    if (shown[l]) where[l] = static_cast<int64_t>(lane_list.size()), lane_list.push_back(&all_lanes[l]);
  auto lane_of = [&](int64_t l) { return l >= 0 && l < all ? where[static_cast<size_t>(l)] : int64_t{-1}; };
  // Every time drawn, for the axis.
  std::vector<int64_t> points;
  for (const auto& a : attempts)
    if (drawn_attempt(a))
      for (const char* k : {"sent_us", "reached_us", "answered_us", "ended_us", "late_us"})
        if (i64(a, k) >= 0) points.push_back(i64(a, k));
  for (const auto& l : launches)
    if (launch_drawn(l)) {
      points.push_back(i64(l, "at_us", 0));
      if (flag(l, "leaked") && i64(l, "terminated_us") >= 0) points.push_back(i64(l, "terminated_us"));
    }
  for (const auto& m : marks)
    if (!close_up || mark_in_story(m)) points.push_back(i64(m, "at_us", 0));
  const double W = 1180, label_w = 190, right = 16, lane_h = 30, band_row = 16;
  const double pw = W - label_w - right;
  const Scale scale(points, label_w, pw);
  const int64_t t0 = scale.begin(), t1 = scale.end();
  auto x = [&](int64_t us) { return scale.x(us); };
  const int64_t nlanes = static_cast<int64_t>(lane_list.size());
  auto lane_ok = [&](int64_t l) { return l >= 0 && l < nlanes; };
  auto in_time = [&](int64_t us) { return us >= t0 && us <= t1; };
  Labels labels;

  // Faults: each in a row of the band above the lanes, the first row where neither its mark nor
  // its name meets another's.
  struct Band {
    std::string name;
    double x0 = 0, x1 = 0, tx = 0;
    bool outside = false, instant = false;
    size_t row = 0;
  };
  std::vector<Band> bands(faults.size());
  std::vector<std::vector<std::pair<double, double>>> rows;  // per row: the x ranges taken
  for (size_t f = 0; f < faults.size(); ++f) {
    const ordered_json& fj = faults[f];
    Band& b = bands[f];
    const int64_t from = i64(fj, "from_us", 0), until = i64(fj, "until_us", 0);
    const std::string region = str(fj, "region");
    b.name = str(fj, "fault");
    b.instant = flag(fj, "instant");
    bool region_drawn = region.empty();
    for (int64_t l = 0; l < nlanes; ++l) region_drawn = region_drawn || str(*lane_list[static_cast<size_t>(l)], "region") == region;
    if (!region_drawn) b.name += " (no lane of " + region + " is drawn)";
    b.outside = until < t0 || from > t1;
    if (b.outside) b.name += " (outside the time drawn)";
    const double w = text_width(b.name, 10.5);
    b.x0 = b.outside ? label_w : x(from);
    b.x1 = b.outside ? label_w : std::max(x(until), b.x0 + 2);
    b.tx = b.outside ? label_w : std::max(label_w + 4, std::min(b.x0 + 4, W - right - w));
    const double lo = std::min(b.x0, b.tx) - 6, hi = std::max(b.x1, b.tx + w) + 6;
    for (b.row = 0; b.row < rows.size(); ++b.row)
      if (std::none_of(rows[b.row].begin(), rows[b.row].end(), [&](const auto& r) { return lo < r.second && r.first < hi; }))
        break;
    if (b.row == rows.size()) rows.emplace_back();
    rows[b.row].emplace_back(lo, hi);
  }
  const double top = 8 + (rows.empty() ? 0 : band_row * static_cast<double>(rows.size()) + 8);
  const double lanes_h = lane_h * static_cast<double>(nlanes);
  const double H = top + lanes_h + 44;
  auto y = [&](int64_t lane) { return top + lane_h * static_cast<double>(lane) + lane_h / 2; };
  // Where a request that never reached the service ends: between the clients and the service.
  int64_t first_service = nlanes;
  for (int64_t l = 0; l < nlanes; ++l)
    if (str(*lane_list[static_cast<size_t>(l)], "kind") != "client") {
      first_service = l;
      break;
    }
  const double gap_y = first_service < nlanes ? y(first_service) - lane_h : top + lanes_h;
  const auto cross = [](double cx, double cy) {
    return "<path class=\"cross\" d=\"M" + num(cx - 4) + "," + num(cy - 4) + " l8,8 m0,-8 l-8,8\"/>";
  };
  // A label of a launch or a mark on `lane`, beside `at`: to its right, else its left, in the
  // lane's top row, else its bottom one (`bottom_first`: the other way); "" when none is free.
  const auto beside = [&](int64_t lane, double at, const std::string& text, bool bold, bool bottom_first) -> std::string {
    const double px = 10, w = text_width(text, px, bold);
    const double row_top = top + lane_h * static_cast<double>(lane) + 11, row_bottom = top + lane_h * static_cast<double>(lane + 1) - 4;
    for (double ty : {bottom_first ? row_bottom : row_top, bottom_first ? row_top : row_bottom})
      for (double tx : {at + 5, at - 5 - w}) {
        if (tx < label_w + 2 || tx + w > W - right) continue;
        if (labels.take(Labels::box(text, tx, ty, px, "start", bold)))
          return "<text x=\"" + num(tx) + "\" y=\"" + num(ty) + "\">" + esc(text) + "</text>";
      }
    return "";
  };

  std::ostringstream o;
  o << "<svg class=\"timeline" << (close_up ? " close-up" : "") << "\" id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << W << "\" height=\"" << num(H) << "\" viewBox=\"0 0 " << W << " " << num(H) << "\" role=\"img\" aria-label=\"timeline of seed "
    << u(t, "seed") << "\">\n";
  o << "<defs><marker id=\"arrow-" << id
    << "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
       "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n";
  // Lanes, each named in the margin (cut short, with its whole name on hover, when too long).
  for (int64_t l = 0; l < nlanes; ++l) {
    const ordered_json& lane = *lane_list[static_cast<size_t>(l)];
    const std::string kind = str(lane, "kind"), name = str(lane, "name");
    const bool bold = kind != "client";
    std::string shown_name = name;
    while (shown_name.size() > 1 && text_width(shown_name, 11, bold) > label_w - 16) {
      shown_name.pop_back();
      while (!shown_name.empty() && (static_cast<unsigned char>(shown_name.back()) & 0xC0) == 0x80) shown_name.pop_back();
      if (text_width(shown_name + "\u2026", 11, bold) <= label_w - 16) {
        shown_name += "\u2026";
        break;
      }
    }
    labels.reserve(Labels::box(shown_name, 8, y(l) + 4, 11, "start", bold));
    o << "<rect class=\"lane " << esc(kind) << (l % 2 ? " odd" : "") << "\" x=\"0\" y=\"" << num(top + lane_h * static_cast<double>(l))
      << "\" width=\"" << W << "\" height=\"" << lane_h << "\"/>"
      << "<text class=\"lane-name " << esc(kind) << "\" x=\"8\" y=\"" << num(y(l) + 4) << "\">"
      << (shown_name != name ? "<title>" + esc(name) + "</title>" : "") << esc(shown_name) << "</text>\n";
  }
  o << "<line class=\"frame\" x1=\"" << label_w << "\" x2=\"" << label_w << "\" y1=\"" << top << "\" y2=\"" << num(top + lanes_h)
    << "\"/>\n";
  // Faults: a window shaded over the lanes of its Region (all, when it names none), its edges
  // marked; a crash's instants ticked in its row over a thin line for when it may strike.
  for (size_t f = 0; f < faults.size(); ++f) {
    const ordered_json& fj = faults[f];
    const Band& b = bands[f];
    const double row_y = 8 + band_row * static_cast<double>(b.row);
    const bool named = labels.take(Labels::box(b.name, b.tx, row_y + 10, 10.5));
    const std::string label = named ? "<text class=\"fault-name\" x=\"" + num(b.tx) + "\" y=\"" + num(row_y + 10) + "\">" +
                                          esc(b.name) + "</text>"
                                    : "";
    if (b.outside) {
      o << label << "\n";
      continue;
    }
    const std::string region = str(fj, "region");
    std::string title = b.name;
    if (b.instant) {
      std::vector<int64_t> struck;
      if (fj.contains("at_us") && fj["at_us"].is_array())
        for (const auto& a : fj["at_us"])
          if (a.is_number_integer()) struck.push_back(a.get<int64_t>());
      title += struck.empty() ? "; it did not strike" : "; struck at";
      for (size_t k = 0; k < struck.size() && k < 12; ++k) title += (k ? ", " : " ") + time_text(struck[k]);
      if (struck.size() > 12) title += " and " + std::to_string(struck.size() - 12) + " more times";
      o << "<g class=\"fault instant fault-" << f % 6 << "\"><title>" << esc(title) << "</title><rect class=\"fault-armed\" x=\""
        << num(b.x0) << "\" y=\"" << num(row_y + 11) << "\" width=\"" << num(b.x1 - b.x0) << "\" height=\"1.5\"/>";
      for (int64_t at : struck)
        if (in_time(at))
          o << "<rect class=\"fault-strike\" x=\"" << num(x(at) - 1) << "\" y=\"" << num(row_y) << "\" width=\"2\" height=\""
            << band_row - 3 << "\"/>";
      o << label << "</g>\n";
      continue;
    }
    o << "<g class=\"fault fault-" << f % 6 << "\"><title>" << esc(title) << "</title>";
    for (int64_t l = 0; l < nlanes; ++l)
      if (region.empty() || str(*lane_list[static_cast<size_t>(l)], "region") == region) {
        const double ly = top + lane_h * static_cast<double>(l);
        o << "<rect class=\"fault-window\" x=\"" << num(b.x0) << "\" y=\"" << num(ly) << "\" width=\"" << num(b.x1 - b.x0)
          << "\" height=\"" << lane_h << "\"/>";
        for (double ex : {b.x0, b.x1})
          o << "<line class=\"fault-edge\" x1=\"" << num(ex) << "\" x2=\"" << num(ex) << "\" y1=\"" << num(ly) << "\" y2=\""
            << num(ly + lane_h) << "\"/>";
      }
    o << "<rect class=\"fault-band\" x=\"" << num(b.x0) << "\" y=\"" << num(row_y) << "\" width=\"" << num(b.x1 - b.x0)
      << "\" height=\"" << band_row - 3 << "\"/>" << label << "</g>\n";
  }
  // The quiet stretches cut out of the axis.
  for (size_t i = 1; i < scale.segments.size(); ++i)
    o << "<rect class=\"break\" x=\"" << num(scale.segments[i - 1].x1 + 3) << "\" y=\"" << top << "\" width=\""
      << num(Scale::kBreak - 6) << "\" height=\"" << num(lanes_h) << "\"><title>"
      << esc(time_text(scale.segments[i].t0 - scale.segments[i - 1].t1)) << " with nothing drawn, cut out</title></rect>\n";
  // Attempts.
  for (const auto& a : attempts) {
    if (!drawn_attempt(a)) continue;
    const int64_t from = lane_of(i64(a, "from")), to = lane_of(i64(a, "to"));
    if (!lane_ok(from)) continue;
    const int64_t sent = i64(a, "sent_us"), reached = i64(a, "reached_us"), answered = i64(a, "answered_us"),
                  ended = i64(a, "ended_us"), late = i64(a, "late_us");
    const std::string end = str(a, "end"), lost = str(a, "lost");
    const bool answer_seen = !end.empty() && end[0] >= '1' && end[0] <= '5';  // its client saw an answer
    const std::string status = answer_seen ? end.substr(0, 1) + "xx" : "none";
    std::string label = str(*lane_list[static_cast<size_t>(from)], "name") + " attempt " + std::to_string(u(a, "id")) + " " +
                        str(a, "what") + ": " + end + ". Sent " + time_text(sent);
    if (reached >= 0) label += ", reached the service " + time_text(reached);
    if (answered >= 0) label += ", answered " + time_text(answered);
    if (ended >= 0) label += ", ended for its client " + time_text(ended);
    o << "<g class=\"attempt" << (story_of(a) ? " story" : "") << " s" << status << "\" data-id=\"" << u(a, "id")
      << "\"><title>" << esc(label) << "</title>";
    if (lane_ok(to) && reached >= 0) {
      o << "<line class=\"request\" x1=\"" << num(x(sent)) << "\" y1=\"" << num(y(from)) << "\" x2=\"" << num(x(reached))
        << "\" y2=\"" << num(y(to)) << "\" marker-end=\"url(#arrow-" << id << ")\"/>";
      if (answered >= 0 && answer_seen && ended >= 0)
        o << "<line class=\"answer\" x1=\"" << num(x(answered)) << "\" y1=\"" << num(y(to)) << "\" x2=\"" << num(x(ended))
          << "\" y2=\"" << num(y(from)) << "\" marker-end=\"url(#arrow-" << id << ")\"/>";
      if (answered >= 0 && late >= 0)
        o << "<line class=\"answer late\" x1=\"" << num(x(answered)) << "\" y1=\"" << num(y(to)) << "\" x2=\"" << num(x(late))
          << "\" y2=\"" << num(y(from)) << "\" marker-end=\"url(#arrow-" << id << ")\"/>";
      if (answered >= 0 && lost == "answer") {
        // Its answer left and was lost on the way back: a stub toward the client, crossed.
        const double ex = x(answered) + 6, ey = y(to) + (y(from) - y(to)) * 0.4;
        o << "<line class=\"answer lost\" x1=\"" << num(x(answered)) << "\" y1=\"" << num(y(to)) << "\" x2=\"" << num(ex)
          << "\" y2=\"" << num(ey) << "\"/>" << cross(ex, ey);
      }
    } else {
      // Never reached the service: a short arrow that stops between the lanes, crossed.
      const double ex = x(sent) + 6, ey = y(from) + (gap_y - y(from)) * 0.6;
      o << "<line class=\"request lost\" x1=\"" << num(x(sent)) << "\" y1=\"" << num(y(from)) << "\" x2=\"" << num(ex)
        << "\" y2=\"" << num(ey) << "\"/>" << cross(ex, ey);
    }
    if (!answer_seen && ended >= 0) {
      // Waited, then gave up (a timeout) or lost the connection: a dashed wait and a cross.
      const double ex = x(ended), ey = y(from);
      o << "<line class=\"wait\" x1=\"" << num(x(sent)) << "\" y1=\"" << num(ey) << "\" x2=\"" << num(ex) << "\" y2=\""
        << num(ey) << "\"/>" << cross(ex, ey);
    }
    o << "</g>\n";
  }
  // Leaked launches: a dashed line for the instance's life, from its launch to the termination
  // that ended it (a reaper's, on its lane; a caller's TerminateInstances, on the frontend that
  // took it in); one still running at the end, a short one to "still running at the limit".
  std::vector<std::pair<int64_t, double>> running;  // (lane, x): labelled after the launches
  for (const auto& l : launches) {
    const int64_t lane = lane_of(i64(l, "lane")), at = i64(l, "at_us", 0);
    if (!flag(l, "leaked") || !lane_ok(lane) || !in_time(at) || !launch_drawn(l)) continue;
    const int64_t ended = i64(l, "terminated_us"), to = lane_of(i64(l, "terminated_lane"));
    const bool open = ended < 0;
    const double ex = open ? std::min(x(at) + 30, x(t1)) : x(ended), ey = !open && lane_ok(to) ? y(to) : y(lane);
    const std::string title = str(l, "what") + ": leaked (no answer to its intent named it), launched " + time_text(at) +
                              (open ? "; still running at the limit"
                                    : "; terminated " + time_text(ended) + " by " + str(l, "terminated_by"));
    o << "<line class=\"life" << (open ? " open" : "") << "\" x1=\"" << num(x(at)) << "\" y1=\"" << num(y(lane)) << "\" x2=\""
      << num(ex) << "\" y2=\"" << num(ey) << "\"><title>" << esc(title) << "</title></line>";
    if (open)
      o << "<path class=\"life-end\" d=\"M" << num(ex - 4) << "," << num(ey - 4) << " l4,4 l-4,4\"/>\n";
    else
      o << "<circle class=\"life-end\" cx=\"" << num(ex) << "\" cy=\"" << num(ey) << "\" r=\"2.5\"/>\n";
    if (open) running.emplace_back(lane, ex);
  }
  // Launches: a dot; a red diamond when it broke a rule; an amber square (or an amber rim) when
  // no answer named it.
  for (const auto& l : launches) {
    const int64_t lane = lane_of(i64(l, "lane"));
    if (!lane_ok(lane) || !in_time(i64(l, "at_us", 0)) || !launch_drawn(l)) continue;
    const bool bad = bad_here(l), leaked = flag(l, "leaked");
    const double cx = x(i64(l, "at_us", 0)), cy = y(lane);
    std::string what = str(l, "what") + " (attempt " + std::to_string(u(l, "attempt")) + ") at " + time_text(i64(l, "at_us", 0));
    if (leaked) what += "; leaked: no answer to its intent named it, its caller cannot know it exists";
    if (l.contains("bad_in") && l["bad_in"].is_array() && !l["bad_in"].empty()) {
      what += "; breaks";
      for (const auto& v : l["bad_in"]) {
        const int64_t k = v.is_number_integer() ? v.get<int64_t>() : -1;
        if (k < 0 || k >= static_cast<int64_t>(violations.size())) continue;
        const std::string text = violations[static_cast<size_t>(k)].is_string() ? violations[static_cast<size_t>(k)].get<std::string>() : "";
        what += " " + text.substr(0, text.find(' ')) + (k == focus ? " (the close-up's)" : "");
      }
    }
    const std::string cls = std::string("launch") + (bad ? " violating" : "") + (leaked ? " leaked" : "");
    o << "<g class=\"" << cls << "\" data-attempt=\"" << u(l, "attempt") << "\"><title>" << (bad ? "violating launch: " : leaked ? "leaked launch: " : "launch: ")
      << esc(what) << "</title>";
    if (bad)
      o << "<path d=\"M" << num(cx) << "," << num(cy - 9) << " l9,9 l-9,9 l-9,-9 z\"/>"
        << beside(lane, cx + 6, leaked ? "violating launch, leaked" : "violating launch", true, false);
    else if (leaked)
      o << "<rect x=\"" << num(cx - 5) << "\" y=\"" << num(cy - 5) << "\" width=\"10\" height=\"10\"/>" << beside(lane, cx + 2, "leaked", false, false);
    else
      o << "<circle cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\" r=\"4.5\"/>";
    o << "</g>\n";
  }
  for (const auto& [lane, ex] : running) {
    const std::string text = beside(lane, ex - 3, "still running at the limit", false, true);
    if (!text.empty()) o << "<g class=\"life-text\">" << text << "</g>\n";
  }
  // The service's crashes and restarts, the callers' crashes and restarts, the reapers'
  // terminations: marks at one place on a lane are one, named together.
  for (size_t i = 0; i < marks.size();) {
    const ordered_json& m = marks[i];
    const int64_t lane = lane_of(i64(m, "lane"));
    const double mx = x(i64(m, "at_us", 0));
    std::vector<std::string> whats{str(m, "what")};
    std::string title = str(m, "what") + " at " + time_text(i64(m, "at_us", 0));
    size_t j = i + 1;
    for (; j < marks.size() && lane_of(i64(marks[j], "lane")) == lane && std::fabs(x(i64(marks[j], "at_us", 0)) - mx) < 3; ++j) {
      whats.push_back(str(marks[j], "what"));
      title += "; " + str(marks[j], "what") + " at " + time_text(i64(marks[j], "at_us", 0));
    }
    const bool drawn = lane_ok(lane) && in_time(i64(m, "at_us", 0)) &&
                       (!close_up || str(*lane_list[static_cast<size_t>(lane)], "kind") != "reaper" || mark_in_story(m));
    i = j;
    if (!drawn) continue;
    const double my = y(lane);
    o << "<g class=\"mark\"><title>" << esc(title) << "</title><line x1=\"" << num(mx) << "\" x2=\"" << num(mx) << "\" y1=\""
      << num(my - lane_h / 2 + 2) << "\" y2=\"" << num(my + lane_h / 2 - 2) << "\"/>"
      << beside(lane, mx - 2, whats.front() + (whats.size() > 1 ? " (+" + std::to_string(whats.size() - 1) + ")" : ""), false, true)
      << "</g>\n";
  }
  // The time axis: each stretch with its own ticks, a break between stretches labelled with the
  // time it skips; the breaks' labels first (what was cut out matters most), then the ticks where
  // there is room.
  const double ay = top + lanes_h;
  std::vector<std::pair<double, std::string>> ticks;  // x, text
  for (size_t i = 0; i < scale.segments.size(); ++i) {
    const Scale::Segment& s = scale.segments[i];
    o << "<line class=\"frame\" x1=\"" << num(s.x0) << "\" x2=\"" << num(s.x1) << "\" y1=\"" << num(ay) << "\" y2=\"" << num(ay)
      << "\"/>\n";
    const int64_t step = time_step(s.t1 - s.t0, s.x1 - s.x0);
    for (int64_t v = (s.t0 + step - 1) / step * step; v <= s.t1; v += step) {
      o << "<line class=\"frame\" x1=\"" << num(x(v)) << "\" x2=\"" << num(x(v)) << "\" y1=\"" << num(ay) << "\" y2=\""
        << num(ay + 5) << "\"/>";
      ticks.emplace_back(x(v), tick_text(v, step, t1));
    }
    if (i > 0) {
      const double bx = (scale.segments[i - 1].x1 + s.x0) / 2;
      o << "<path class=\"frame\" d=\"M" << num(bx - 6) << "," << num(ay + 4) << " l4,-8 M" << num(bx + 2) << "," << num(ay + 4)
        << " l4,-8\"/>";
      std::string skipped = "+";
      skipped += duration_text(s.t0 - scale.segments[i - 1].t1);
      ticks.emplace_back(bx, skipped);
    }
  }
  o << "\n";
  std::stable_sort(ticks.begin(), ticks.end(), [](const auto& a, const auto& b) {
    return (a.second[0] == '+') > (b.second[0] == '+') || ((a.second[0] == '+') == (b.second[0] == '+') && a.first < b.first);
  });
  for (const auto& [lx, text] : ticks) {
    Labels::Box b = Labels::box(text, lx, ay + 18, 11, "middle");
    b.x0 -= 4, b.x1 += 4;
    if (b.x0 < 0 || b.x1 > W || !labels.take(b)) continue;
    o << "<text class=\"tick" << (text[0] == '+' ? " skipped" : "") << "\" x=\"" << num(lx) << "\" y=\"" << num(ay + 18)
      << "\" text-anchor=\"middle\">" << esc(text) << "</text>";
  }
  o << "\n<text class=\"axis\" x=\"" << num(label_w + pw / 2) << "\" y=\"" << num(ay + 36) << "\" text-anchor=\"middle\">simulated time"
    << (scale.segments.size() > 1 ? " (quiet stretches cut out: // on the axis, with the time skipped)" : "")
    << "</text>\n</svg>\n";
  return o.str();
}

}  // namespace idem::reports::html
