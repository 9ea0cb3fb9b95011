#include "reports/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "harness/scenario.h"
#include "reports/report.h"

namespace idem::reports {

using nlohmann::ordered_json;
using namespace detail;

namespace {

std::string esc(const std::string& s) { return xml(s); }

// A coordinate, one decimal.
std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

uint64_t u(const ordered_json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : 0; }
int64_t i64(const ordered_json& j, const char* k, int64_t def = -1) {
  return j.contains(k) && j[k].is_number() ? j[k].get<int64_t>() : def;
}
std::string str(const ordered_json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

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

// The top of a plot's axis: four ticks of a 1, 2 or 5 times a power of ten step (whole numbers
// for counts of 4 or more).
double nice_max(double v) {
  if (v <= 0) return 4;
  const double quarter = v / 4;
  const double mag = std::pow(10.0, std::floor(std::log10(quarter)));
  for (double f : {1.0, 2.0, 5.0, 10.0})
    if (f * mag >= quarter - 1e-12) return 4 * f * mag;
  return 40 * mag;
}

std::string value_text(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

// A bar plot: a bar per label, the value on hover and above the bar.
// `texts`, when given: each bar's value as text (exact, where the double is not).
std::string bar_chart(const std::string& title, const std::string& subtitle, const std::string& cls,
                      const std::vector<std::string>& labels, const std::vector<double>& values,
                      const std::string& xlabel, const std::string& ylabel, const std::vector<std::string>& texts = {}) {
  const double W = 540, H = 256, left = 56, right = 12, top = 42, bottom = 52;
  const double pw = W - left - right, ph = H - top - bottom;
  double most = 0;
  bool whole_numbers = true;
  for (double v : values) most = std::max(most, v), whole_numbers = whole_numbers && v == std::floor(v);
  const double ymax = whole_numbers ? std::max(4.0, nice_max(most)) : nice_max(most);
  std::ostringstream o;
  o << "<svg class=\"plot " << cls << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << esc(title) << "\">\n";
  o << "<text class=\"title\" x=\"" << left << "\" y=\"16\">" << esc(title) << "</text>\n";
  if (!subtitle.empty()) o << "<text class=\"tick\" x=\"" << left << "\" y=\"31\">" << esc(subtitle) << "</text>\n";
  for (int k = 0; k <= 4; ++k) {
    const double y = top + ph - ph * k / 4;
    o << "<line class=\"grid\" x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << num(y) << "\" y2=\"" << num(y)
      << "\"/><text class=\"tick\" x=\"" << left - 6 << "\" y=\"" << num(y + 4) << "\" text-anchor=\"end\">"
      << value_text(ymax * k / 4) << "</text>\n";
  }
  const size_t n = std::max<size_t>(1, labels.size());
  const double slot = pw / static_cast<double>(n);
  const size_t every = std::max<size_t>(1, (n + 15) / 16);  // at most 16 labels under the axis
  for (size_t i = 0; i < labels.size(); ++i) {
    const double v = i < values.size() ? values[i] : 0;
    const std::string shown = i < texts.size() ? texts[i] : value_text(v);
    const double h = ph * v / ymax;
    const double x = left + slot * static_cast<double>(i) + slot * 0.15;
    o << "<rect class=\"bar\" x=\"" << num(x) << "\" y=\"" << num(top + ph - h) << "\" width=\"" << num(slot * 0.7)
      << "\" height=\"" << num(h) << "\"><title>" << esc(labels[i]) << ": " << esc(shown) << "</title></rect>\n";
    if (n <= 16)
      o << "<text class=\"value\" x=\"" << num(x + slot * 0.35) << "\" y=\"" << num(top + ph - h - 3)
        << "\" text-anchor=\"middle\">" << esc(shown) << "</text>\n";
    if (i % every == 0)
      o << "<text class=\"tick\" x=\"" << num(x + slot * 0.35) << "\" y=\"" << num(top + ph + 14)
        << "\" text-anchor=\"middle\">" << esc(labels[i]) << "</text>\n";
  }
  o << "<text class=\"axis\" x=\"" << num(left + pw / 2) << "\" y=\"" << H - 8 << "\" text-anchor=\"middle\">"
    << esc(xlabel) << "</text>\n";
  o << "<text class=\"axis\" transform=\"translate(14," << num(top + ph / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
    << esc(ylabel) << "</text>\n</svg>\n";
  return o.str();
}

// Retry amplification: intents by the attempts they made (gaps filled while the range is short).
std::string attempts_plot(const ordered_json& d) {
  const ordered_json& a = d["attempts_per_intent"];
  std::vector<std::string> labels;
  std::vector<double> values;
  if (a.empty()) return "";
  const uint64_t lo = a.front()[0].get<uint64_t>(), hi = a.back()[0].get<uint64_t>();
  if (hi - lo <= 40) {
    for (uint64_t k = 0; k <= hi - lo; ++k) {
      const uint64_t n = lo + k;
      double v = 0;
      for (const auto& p : a)
        if (p[0].get<uint64_t>() == n) v = static_cast<double>(p[1].get<uint64_t>());
      labels.push_back(std::to_string(n));
      values.push_back(v);
    }
  } else {
    for (const auto& p : a) {
      labels.push_back(std::to_string(p[0].get<uint64_t>()));
      values.push_back(static_cast<double>(p[1].get<uint64_t>()));
    }
  }
  return bar_chart("Retry amplification", attempts_text(d), "amplification", labels, values,
                   "attempts per intent, every layer", "intents");
}

// Completion latency: intents by the bucket their simulated time from first call to end fell in.
std::string latency_plot(const ordered_json& d) {
  const ordered_json& c = d["completion_ms"];
  if (c.empty()) return "";
  std::vector<std::string> labels;
  std::vector<double> values;
  const uint64_t lo = c.front()[0].get<uint64_t>(), hi = c.back()[0].get<uint64_t>();
  for (size_t k = 0; k < harness::Distributions::kBuckets; ++k) {
    const uint64_t bound = harness::Distributions::bucket_ms(k);
    if (bound < lo || bound > hi) continue;
    double v = 0;
    for (const auto& p : c)
      if (p[0].get<uint64_t>() == bound) v = static_cast<double>(p[1].get<uint64_t>());
    labels.push_back("\u2264" + millis(bound));
    values.push_back(v);
  }
  return bar_chart("Completion latency (simulated time)", completion_text(d), "latency", labels, values,
                   "time from an intent's first call to its definite end", "intents");
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

// The shortest failing run as lanes: a client's attempt is an arrow to the frontend that took it
// in (a crossed stub when it was lost on the way) and an arrow back from when its answer left to
// when it arrived (a dashed one when it came after the client stopped waiting; a crossed stub
// when it was lost on the way back); a timeout or a reset is a dashed wait ending in a cross.
// Launches are dots on their frontend's lane, those that broke a rule red diamonds; each fault's
// window is shaded over its Region's lanes and named in a band above them; crashes, restarts and
// a reaper's terminations are marked on their lanes. `close_up`: only the first violation's
// story, its clients' lanes and the service's, over the time it spans.
std::string timeline_svg(const ordered_json& t, const std::string& id, bool close_up) {
  const ordered_json& all_lanes = t["lanes"];
  const ordered_json& attempts = t["attempts"];
  const ordered_json& launches = t["launches"];
  const ordered_json& faults = t["faults"];
  const ordered_json& marks = t["marks"];
  const auto drawn_attempt = [&](const ordered_json& a) { return !close_up || story_of(a) == 2; };
  const auto mark_in_story = [&](const ordered_json& m) { return i64(m, "story", 0) == 2; };
  // The lanes drawn, and where each lane of the timeline went (-1: not drawn).
  const int64_t all = static_cast<int64_t>(all_lanes.size());
  std::vector<bool> shown(all_lanes.size(), !close_up);
  std::vector<uint64_t> story_ids;  // the attempts drawn, for the launches they made
  for (const auto& a : attempts)
    if (drawn_attempt(a)) {
      story_ids.push_back(u(a, "id"));
      if (close_up) shown[static_cast<size_t>(i64(a, "from"))] = true;
    }
  if (close_up)
    for (const auto& m : marks)
      if (mark_in_story(m)) shown[static_cast<size_t>(i64(m, "lane"))] = true;
  for (size_t l = 0; l < all_lanes.size(); ++l) {
    const std::string kind = str(all_lanes[l], "kind");
    shown[l] = shown[l] || kind == "frontend" || kind == "store";
  }
  std::vector<int64_t> where(all_lanes.size(), -1);
  std::vector<const ordered_json*> lane_list;
  for (size_t l = 0; l < all_lanes.size(); ++l)
    if (shown[l]) where[l] = static_cast<int64_t>(lane_list.size()), lane_list.push_back(&all_lanes[l]);
  auto lane_of = [&](int64_t l) { return l >= 0 && l < all ? where[static_cast<size_t>(l)] : int64_t{-1}; };
  const auto launch_drawn = [&](const ordered_json& l) {
    return !close_up || std::find(story_ids.begin(), story_ids.end(), u(l, "attempt")) != story_ids.end();
  };
  // Every time drawn, for the axis.
  std::vector<int64_t> points;
  for (const auto& a : attempts)
    if (drawn_attempt(a))
      for (const char* k : {"sent_us", "reached_us", "answered_us", "ended_us", "late_us"})
        if (i64(a, k) >= 0) points.push_back(i64(a, k));
  for (const auto& l : launches)
    if (launch_drawn(l)) points.push_back(i64(l, "at_us", 0));
  for (const auto& m : marks)
    if (!close_up || mark_in_story(m)) points.push_back(i64(m, "at_us", 0));
  const double W = 1180, label_w = 190, right = 16, lane_h = 30, band_row = 16;
  const double pw = W - label_w - right;
  const Scale scale(points, label_w, pw);
  const int64_t t0 = scale.begin(), t1 = scale.end();
  const double band = band_row * static_cast<double>(faults.size()) + (faults.empty() ? 0 : 8);
  const double top = 8 + band;
  const double lanes_h = lane_h * static_cast<double>(lane_list.size());
  const double H = top + lanes_h + 44;
  auto x = [&](int64_t us) { return scale.x(us); };
  auto y = [&](int64_t lane) { return top + lane_h * static_cast<double>(lane) + lane_h / 2; };
  const int64_t nlanes = static_cast<int64_t>(lane_list.size());
  auto lane_ok = [&](int64_t l) { return l >= 0 && l < nlanes; };
  auto in_time = [&](int64_t us) { return us >= t0 && us <= t1; };
  // Where a request that never reached the service ends: between the clients and the service.
  int64_t first_service = nlanes;
  for (int64_t l = 0; l < nlanes; ++l)
    if (str(*lane_list[static_cast<size_t>(l)], "kind") != "client") {
      first_service = l;
      break;
    }
  const double gap_y = first_service < nlanes ? y(first_service) - lane_h : top + lanes_h;
  // Labels on a lane, in two rows: one where the previous in its row leaves room, else none
  // (the element's hover text still names it).
  std::vector<double> label_end(2 * static_cast<size_t>(nlanes), -1e9);
  const auto room = [&](int64_t lane, int row, double at, double width, double gap) {
    double& end = label_end[2 * static_cast<size_t>(lane) + static_cast<size_t>(row)];
    if (at < end + gap) return false;
    end = at + width;
    return true;
  };
  const auto text_width = [](const std::string& s) { return 6.2 * static_cast<double>(s.size()); };
  const auto cross = [](double cx, double cy) {
    return "<path class=\"cross\" d=\"M" + num(cx - 4) + "," + num(cy - 4) + " l8,8 m0,-8 l-8,8\"/>";
  };

  std::ostringstream o;
  o << "<svg class=\"timeline" << (close_up ? " close-up" : "") << "\" id=\"" << id << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\""
    << W << "\" height=\"" << num(H) << "\" viewBox=\"0 0 " << W << " " << num(H) << "\" role=\"img\" aria-label=\"timeline of seed "
    << u(t, "seed") << "\">\n";
  o << "<defs><marker id=\"arrow-" << id
    << "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
       "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n";
  for (int64_t l = 0; l < nlanes; ++l) {
    const ordered_json& lane = *lane_list[static_cast<size_t>(l)];
    const std::string kind = str(lane, "kind");
    o << "<rect class=\"lane " << esc(kind) << (l % 2 ? " odd" : "") << "\" x=\"0\" y=\"" << num(top + lane_h * l)
      << "\" width=\"" << W << "\" height=\"" << lane_h << "\"/>"
      << "<text class=\"lane-name " << esc(kind) << "\" x=\"8\" y=\"" << num(y(l) + 4) << "\">" << esc(str(lane, "name"))
      << "</text>\n";
  }
  o << "<line class=\"frame\" x1=\"" << label_w << "\" x2=\"" << label_w << "\" y1=\"" << top << "\" y2=\"" << num(top + lanes_h)
    << "\"/>\n";
  // Faults: a band row each, and their windows shaded over the lanes of their Region (all, when
  // a fault names none).
  for (size_t f = 0; f < faults.size(); ++f) {
    const ordered_json& fj = faults[f];
    const int64_t from = i64(fj, "from_us", 0), until = i64(fj, "until_us", 0);
    const std::string region = str(fj, "region");
    std::string name = str(fj, "fault");
    const double row_y = 8 + band_row * static_cast<double>(f);
    bool region_drawn = region.empty();
    for (int64_t l = 0; l < nlanes; ++l) region_drawn = region_drawn || str(*lane_list[static_cast<size_t>(l)], "region") == region;
    if (!region_drawn) name += " (no lane of " + region + " is drawn)";
    if (until < t0 || from > t1) {
      o << "<text class=\"fault-name\" x=\"" << label_w << "\" y=\"" << num(row_y + 10) << "\">" << esc(name)
        << " (outside the time drawn)</text>\n";
      continue;
    }
    const double x0 = x(from), x1 = std::max(x(until), x0 + 2);
    o << "<g class=\"fault fault-" << f % 6 << "\"><title>" << esc(name) << "</title>";
    for (int64_t l = 0; l < nlanes; ++l)
      if (region.empty() || str(*lane_list[static_cast<size_t>(l)], "region") == region)
        o << "<rect class=\"fault-window\" x=\"" << num(x0) << "\" y=\"" << num(top + lane_h * l) << "\" width=\""
          << num(x1 - x0) << "\" height=\"" << lane_h << "\"/>";
    // The name where it fits: after the window's start, or ending at the right edge.
    const double tx = std::max(label_w + 4, std::min(x0 + 4, W - right - text_width(name)));
    o << "<rect class=\"fault-band\" x=\"" << num(x0) << "\" y=\"" << num(row_y) << "\" width=\"" << num(x1 - x0)
      << "\" height=\"" << band_row - 3 << "\"/><text class=\"fault-name\" x=\"" << num(tx) << "\" y=\"" << num(row_y + 10)
      << "\">" << esc(name) << "</text></g>\n";
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
  // Launches.
  for (const auto& l : launches) {
    const int64_t lane = lane_of(i64(l, "lane"));
    const bool bad = l.contains("bad") && l["bad"].is_boolean() && l["bad"].get<bool>();
    if (!lane_ok(lane) || !in_time(i64(l, "at_us", 0)) || !launch_drawn(l)) continue;
    const double cx = x(i64(l, "at_us", 0)), cy = y(lane);
    const std::string what = str(l, "what") + " (attempt " + std::to_string(u(l, "attempt")) + ") at " +
                             time_text(i64(l, "at_us", 0));
    if (bad) {
      o << "<g class=\"launch violating\" data-attempt=\"" << u(l, "attempt") << "\"><title>violating launch: " << esc(what)
        << "</title><path d=\"M" << num(cx) << "," << num(cy - 9) << " l9,9 l-9,9 l-9,-9 z\"/>";
      // Its label to the right, or to the left near the edge; none where the last one is near.
      const char* text = "violating launch";
      const double w = text_width(text);
      const bool left = cx + 11 + w > W - right;
      const double tx = left ? cx - 11 - w : cx + 11;
      if (room(lane, 1, tx, w, 80)) o << "<text x=\"" << num(tx) << "\" y=\"" << num(cy - 6) << "\">" << text << "</text>";
      o << "</g>\n";
    } else {
      o << "<g class=\"launch\" data-attempt=\"" << u(l, "attempt") << "\"><title>launch: " << esc(what)
        << "</title><circle cx=\"" << num(cx) << "\" cy=\"" << num(cy) << "\" r=\"4.5\"/></g>\n";
    }
  }
  // The service's crashes and restarts, the callers' crashes and restarts, the reapers'
  // terminations: marks at one place on a lane are one, named together.
  std::fill(label_end.begin(), label_end.end(), -1e9);
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
    const bool drawn = lane_ok(lane) && in_time(i64(m, "at_us", 0)) && (!close_up || str(*lane_list[static_cast<size_t>(lane)], "kind") != "reaper" || mark_in_story(m));
    i = j;
    if (!drawn) continue;
    const double my = y(lane);
    o << "<g class=\"mark\"><title>" << esc(title) << "</title><line x1=\"" << num(mx) << "\" x2=\"" << num(mx) << "\" y1=\""
      << num(my - lane_h / 2 + 2) << "\" y2=\"" << num(my + lane_h / 2 - 2) << "\"/>";
    const std::string text = whats.front() + (whats.size() > 1 ? " (+" + std::to_string(whats.size() - 1) + ")" : "");
    const double w = text_width(text) * 0.9;
    const double tx = mx + 3 + w > W - right ? mx - 3 - w : mx + 3;
    for (int row = 0; row < 2; ++row)
      if (room(lane, row, tx, w, 8)) {
        o << "<text x=\"" << num(tx) << "\" y=\"" << num(row == 0 ? my + lane_h / 2 - 4 : my - lane_h / 2 + 11) << "\">"
          << esc(text) << "</text>";
        break;
      }
    o << "</g>\n";
  }
  // The time axis: each stretch with its own ticks, a break between stretches labelled with the
  // time it skips; labels that would overlap the one before are left out.
  const double ay = top + lanes_h;
  std::vector<std::pair<double, std::string>> labels;  // x, text
  for (size_t i = 0; i < scale.segments.size(); ++i) {
    const Scale::Segment& s = scale.segments[i];
    o << "<line class=\"frame\" x1=\"" << num(s.x0) << "\" x2=\"" << num(s.x1) << "\" y1=\"" << num(ay) << "\" y2=\"" << num(ay)
      << "\"/>\n";
    const int64_t step = time_step(s.t1 - s.t0, s.x1 - s.x0);
    for (int64_t v = (s.t0 + step - 1) / step * step; v <= s.t1; v += step) {
      o << "<line class=\"frame\" x1=\"" << num(x(v)) << "\" x2=\"" << num(x(v)) << "\" y1=\"" << num(ay) << "\" y2=\""
        << num(ay + 5) << "\"/>";
      labels.emplace_back(x(v), tick_text(v, step, t1));
    }
    if (i > 0) {
      const double bx = (scale.segments[i - 1].x1 + s.x0) / 2;
      o << "<path class=\"frame\" d=\"M" << num(bx - 6) << "," << num(ay + 4) << " l4,-8 M" << num(bx + 2) << "," << num(ay + 4)
        << " l4,-8\"/>";
      labels.emplace_back(bx, "+" + duration_text(s.t0 - scale.segments[i - 1].t1));
    }
  }
  o << "\n";
  // The breaks' labels first (what was cut out matters most), then the ticks where there is room.
  std::stable_sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) {
    return (a.second[0] == '+') > (b.second[0] == '+') || ((a.second[0] == '+') == (b.second[0] == '+') && a.first < b.first);
  });
  std::vector<std::pair<double, double>> taken;  // x ranges of the labels written
  for (const auto& [lx, text] : labels) {
    const double w = text_width(text) * 0.9, lo = lx - w / 2 - 4, hi = lx + w / 2 + 4;
    if (std::any_of(taken.begin(), taken.end(), [&](const auto& r) { return lo < r.second && r.first < hi; })) continue;
    taken.emplace_back(lo, hi);
    o << "<text class=\"tick" << (text[0] == '+' ? " skipped" : "") << "\" x=\"" << num(lx) << "\" y=\"" << num(ay + 18)
      << "\" text-anchor=\"middle\">" << esc(text) << "</text>";
  }
  o << "\n<text class=\"axis\" x=\"" << num(label_w + pw / 2) << "\" y=\"" << num(ay + 36) << "\" text-anchor=\"middle\">simulated time"
    << (scale.segments.size() > 1 ? " (quiet stretches cut out: // on the axis, with the time skipped)" : "")
    << "</text>\n</svg>\n";
  return o.str();
}

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2430; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 32px 0 6px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.headline { font-weight: 600; padding: 8px 12px; border-radius: 4px; display: inline-block; }
.headline.ok { background: #e3f4e6; } .headline.bad { background: #fde4e1; }
table { border-collapse: collapse; margin: 8px 0 12px; } th, td { border: 1px solid #d5d9e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f4f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #1b7a33; } .not-met { color: #b3261e; font-weight: 600; }
code, .cmd { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.cmd { background: #f2f4f7; padding: 2px 6px; border-radius: 3px; user-select: all; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2430; }
svg .title { font-weight: 600; font-size: 12px; } svg .tick { fill: #5b6472; } svg .axis { fill: #5b6472; }
svg .grid { stroke: #e6e9ee; } svg .bar { fill: #4a78c2; } svg .bar:hover { fill: #2c5aa0; } svg .value { fill: #333; font-size: 10px; }
.timeline-wrap { overflow-x: auto; border: 1px solid #d5d9e0; }
.timeline .lane { fill: #ffffff; } .timeline .lane.odd { fill: #f7f8fa; } .timeline .lane.frontend, .timeline .lane.store { fill: #eef3fb; } .timeline .lane.reaper { fill: #f6f0e6; }
.timeline .lane-name.frontend, .timeline .lane-name.store, .timeline .lane-name.reaper { font-weight: 600; }
.timeline .frame { stroke: #9aa3af; }
.timeline .fault-window { opacity: 0.13; } .timeline .fault-band { opacity: 0.55; } .timeline .fault-name { font-size: 10.5px; }
.fault-0 rect { fill: #e8a33d; } .fault-1 rect { fill: #8e6bd1; } .fault-2 rect { fill: #3aa7a3; }
.fault-3 rect { fill: #d16b9d; } .fault-4 rect { fill: #7a9a3a; } .fault-5 rect { fill: #c9783b; }
.timeline .attempt line { stroke: #8a94a3; stroke-width: 1; opacity: 0.55; }
.timeline .attempt.story line { stroke-width: 2; opacity: 1; }
.timeline .attempt.story .request { stroke: #1d4f91; }
.timeline .attempt .answer { stroke: #3f8f4f; } .timeline .attempt.s5xx .answer { stroke: #d9822b; } .timeline .attempt.s4xx .answer { stroke: #8e44ad; }
.timeline .attempt .wait { stroke-dasharray: 3 3; } .timeline .attempt .answer.late { stroke-dasharray: 5 3; }
.timeline .attempt .cross { stroke: #b3261e; stroke-width: 1.6; fill: none; }
.timeline .attempt.picked line { stroke: #000; opacity: 1; stroke-width: 2.5; }
.timeline .attempt:hover line { opacity: 1; stroke-width: 2.5; cursor: pointer; }
.timeline .launch circle { fill: #2e7d32; stroke: #fff; }
.timeline .launch.violating path { fill: #d32f2f; stroke: #7f0000; stroke-width: 1.5; }
.timeline .launch.violating text { fill: #b3261e; font-weight: 700; }
.timeline .mark line { stroke: #000; stroke-width: 2; } .timeline .mark text { font-size: 10px; }
.timeline .break { fill: #ffffff; opacity: 0.85; stroke: #c3c9d2; stroke-dasharray: 2 3; } svg .tick.skipped { font-style: italic; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; }
.picked-text { min-height: 1.4em; font-family: ui-monospace, monospace; font-size: 12.5px; color: #333; }
)";

// Clicking an attempt names it under its timeline; nothing is loaded, nothing logged.
constexpr const char* kScript = R"(
(function () {
  var groups = document.querySelectorAll('svg.timeline g.attempt');
  for (var i = 0; i < groups.length; i++) {
    groups[i].addEventListener('click', function (ev) {
      var g = ev.currentTarget, svg = g.ownerSVGElement, id = g.getAttribute('data-id');
      var wrap = svg.closest('section');
      var old = wrap.querySelectorAll('g.attempt.picked');
      for (var k = 0; k < old.length; k++) old[k].classList.remove('picked');
      var same = wrap.querySelectorAll('g.attempt[data-id="' + id + '"]');
      for (var k = 0; k < same.length; k++) same[k].classList.add('picked');
      var out = document.getElementById(svg.id.replace(/-story$/, '') + '-picked');
      if (out) out.textContent = g.querySelector('title').textContent;
    });
  }
  document.documentElement.setAttribute('data-ready', 'yes');
})();
)";

void page_head(std::ostream& out, const std::string& title) {
  out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
      << esc(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
}

void page_tail(std::ostream& out) { out << "<script>" << kScript << "</script>\n</body>\n</html>\n"; }

const ordered_json* result_of(const ordered_json& d, uint64_t seed) {
  for (const auto& r : d["results"])
    if (u(r, "seed") == seed) return &r;
  return nullptr;
}

}  // namespace

void write_html(std::ostream& out, const std::vector<Merged>& ms) {
  // Green only when every scenario met its expect over every seed of its run.
  const bool all_met = std::all_of(ms.begin(), ms.end(), [](const Merged& m) {
    return m.doc["met_expectation"].get<bool>() && m.doc["runs"] == m.doc["shard"]["runs"];
  });
  page_head(out, "idemsim report");
  out << "<h1>idemsim report</h1>\n<p class=\"headline " << (all_met ? "ok" : "bad") << "\">" << esc(headline(ms)) << "</p>\n";
  out << "<table class=\"summary\">\n<thead><tr><th>Scenario</th><th>Seeds</th><th>Failing</th><th>Intents</th><th>Ok</th>"
         "<th>Unknown</th><th>Attempts per intent</th><th>Completion (simulated)</th><th>Instances / intended</th>"
         "<th>Leaked (instance-hours)</th><th>Violations</th><th>Expect</th><th>Verdict</th></tr></thead>\n<tbody>\n";
  for (size_t i = 0; i < ms.size(); ++i) {
    const ordered_json& d = ms[i].doc;
    const ordered_json& t = d["totals"];
    const uint64_t intents = u(t, "intents");
    const bool ok = d["met_expectation"].get<bool>();
    out << "<tr><td><a href=\"#scenario-" << i << "\">" << esc(text_of(d["scenario"])) << "</a></td><td class=\"num\">"
        << esc(seeds_text(d)) << "</td><td class=\"num\">" << u(d, "failing_runs") << "</td><td class=\"num\">" << intents
        << "</td><td class=\"num\">" << two_decimals(u(t, "intents_ok") * 100, intents) << "%</td><td class=\"num\">"
        << u(t, "intents_unknown") << "</td><td>" << esc(attempts_text(d)) << "</td><td>" << esc(completion_text(d))
        << "</td><td class=\"num\">" << u(t, "instances") << " / " << u(t, "instances_intended") << "</td><td class=\"num\">"
        << u(t, "leaked") << " (" << instance_hours(u(t, "leaked_instance_us")) << ")</td><td>" << esc(by_property(d))
        << "</td><td><code>" << esc(text_of(d["expect"])) << "</code></td><td class=\"" << (ok ? "met" : "not-met") << "\">"
        << (ok ? "met" : "not met") << "</td></tr>\n";
  }
  out << "</tbody>\n</table>\n";
  for (size_t i = 0; i < ms.size(); ++i) {
    const ordered_json& d = ms[i].doc;
    const bool ok = d["met_expectation"].get<bool>();
    out << "<section class=\"scenario\" id=\"scenario-" << i << "\">\n<h2>" << esc(text_of(d["scenario"])) << " <span class=\""
        << (ok ? "met" : "not-met") << "\">" << (ok ? "met" : "not met") << "</span></h2>\n";
    out << "<p><code>" << esc(text_of(d["file"])) << "</code>, content hash <code>" << esc(text_of(d["content_hash"]))
        << "</code>, semantics " << esc(text_of(d["semantics"])) << ", expect <code>" << esc(text_of(d["expect"]))
        << "</code>; seeds " << u(d, "first_seed") << " on, " << esc(seeds_text(d)) << "; " << u(d, "failing_runs")
        << " failing.</p>\n";
    if (!d["violations_by_property"].empty()) {
      out << "<table class=\"properties\"><thead><tr><th>Property</th><th>Violations</th></tr></thead><tbody>\n";
      for (auto it = d["violations_by_property"].begin(); it != d["violations_by_property"].end(); ++it)
        out << "<tr><td>" << esc(it.key()) << "</td><td class=\"num\">" << it->get<uint64_t>() << "</td></tr>\n";
      out << "</tbody></table>\n";
    }
    if (!d["faults"].empty()) {
      out << "<table class=\"faults\"><thead><tr><th>Fault</th><th>Fired (every run)</th></tr></thead><tbody>\n";
      for (const auto& f : d["faults"])
        out << "<tr><td>" << esc(str(f, "fault")) << "</td><td class=\"num\">" << u(f, "fired") << "</td></tr>\n";
      out << "</tbody></table>\n";
    }
    const std::string plots = attempts_plot(d) + latency_plot(d);
    if (!plots.empty()) out << "<div class=\"plots\">\n" << plots << "</div>\n";
    const auto [r, v] = first_violation(d, "");
    if (v)
      out << "<p>First violation: seed " << u(*r, "seed") << ": <code>" << esc(text_of((*v)["property"])) << "</code>: "
          << esc(text_of((*v)["subject"])) << ": " << esc(text_of((*v)["detail"])) << "<br>reproduce: <span class=\"cmd\">"
          << esc(str(*r, "reproduce")) << "</span></p>\n";
    if (d.contains("timeline") && d["timeline"].is_object()) {
      const ordered_json& t = d["timeline"];
      const uint64_t seed = u(t, "seed");
      const ordered_json* run = result_of(d, seed);
      out << "<h3>Shortest failing run: seed " << seed << " (" << u(t, "events") << " events)</h3>\n<ul class=\"violations\">\n";
      // The first three violations, and the others folded.
      const ordered_json& vs = t["violations"];
      for (size_t k = 0; k < vs.size() && k < 3; ++k) out << "<li>" << esc(text_of(vs[k])) << "</li>\n";
      out << "</ul>\n";
      if (vs.size() > 3) {
        out << "<details><summary>" << vs.size() - 3 << " more violations in this run</summary>\n<ul class=\"violations\">\n";
        for (size_t k = 3; k < vs.size(); ++k) out << "<li>" << esc(text_of(vs[k])) << "</li>\n";
        out << "</ul>\n</details>\n";
      }
      if (run) out << "<p>reproduce: <span class=\"cmd\">" << esc(str(*run, "reproduce")) << "</span></p>\n";
      if (u(t, "attempts_left_out"))
        out << "<p>The run is too large to draw whole: " << u(t, "attempts_left_out")
            << " attempts of clients in no violation's story are left out.</p>\n";
      out << "<p class=\"legend\"><span><i style=\"background:#8a94a3\"></i>request</span><span><i style=\"background:#3f8f4f\"></i>"
             "answer 2xx</span><span><i style=\"background:#d9822b\"></i>answer 5xx</span><span><i style=\"background:#8e44ad\"></i>"
             "answer 4xx</span><span>dashed back: answered after its client stopped waiting</span><span>&#x2715; timed out, reset or lost</span><span>thick: in a violation's story</span>"
             "<span style=\"color:#2e7d32\">&#x25CF; launch</span><span style=\"color:#d32f2f\">&#x25C6; violating launch</span>"
             "<span>shaded: a fault's window</span><span>black ticks: crashes, restarts, a reaper's terminations</span></p>\n";
      const std::string id = "timeline-" + std::to_string(i);
      size_t first_story = 0;
      for (const auto& a : t["attempts"]) first_story += story_of(a) == 2 ? 1 : 0;
      out << "<p>The whole run, from the first thing drawn to the last:</p>\n<div class=\"timeline-wrap\">\n"
          << timeline_svg(t, id, false) << "</div>\n";
      // Close up on the first violation's story, when it is a part of the run.
      if (first_story > 0 && first_story < t["attempts"].size())
        out << "<p>Close up: the first violation's story (" << first_story << (first_story == 1 ? " attempt" : " attempts")
            << "), over the time it spans:</p>\n<div class=\"timeline-wrap\">\n" << timeline_svg(t, id + "-story", true)
            << "</div>\n";
      out << "<p class=\"picked-text\" id=\"" << id << "-picked\">Click an arrow to name its attempt (hover for its story).</p>\n";
    } else if (u(d, "failing_runs") > 0) {
      out << "<p>No timeline in these results (written by an idemsim before timelines); run the scenario again to draw one.</p>\n";
    }
    out << "</section>\n";
  }
  page_tail(out);
}

void write_sweep_html(std::ostream& out, const std::string& title, const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows, const std::vector<std::string>& labels,
                      const std::string& xlabel, const std::vector<SweepSeries>& series) {
  page_head(out, title);
  out << "<h1>" << esc(title) << "</h1>\n<table class=\"sweep\">\n<thead><tr>";
  for (const auto& h : header) out << "<th>" << esc(h) << "</th>";
  out << "</tr></thead>\n<tbody>\n";
  for (const auto& r : rows) {
    out << "<tr>";
    for (const auto& c : r) out << "<td>" << esc(c) << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody>\n</table>\n<div class=\"plots\">\n";
  for (const SweepSeries& s : series) out << bar_chart(s.name, "", "sweep", labels, s.values, xlabel, s.name, s.texts);
  out << "</div>\n";
  page_tail(out);
}

}  // namespace idem::reports
