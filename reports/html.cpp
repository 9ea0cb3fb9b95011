#include "reports/html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "harness/scenario.h"
#include "reports/html_parts.h"
#include "reports/report.h"

namespace idem::reports {

namespace html {

std::string esc(const std::string& s) { return detail::xml(s); }

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

uint64_t u(const ordered_json& j, const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<uint64_t>() : 0; }
int64_t i64(const ordered_json& j, const char* k, int64_t def) {
  return j.contains(k) && j[k].is_number() ? j[k].get<int64_t>() : def;
}
std::string str(const ordered_json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}

double text_width(const std::string& s, double px, bool bold) {
  // DejaVu Sans's advance of each printable ASCII character, in thousandths of an em, regular and
  // bold (measured in chromium).
  static constexpr uint16_t kRegular[95] = {
      318, 401, 460, 838, 637, 951, 780, 275, 391, 391, 500, 838, 318, 361, 318, 337, 637, 637, 637, 637, 637, 637, 637, 637,
      637, 637, 337, 337, 838, 838, 838, 531, 1000, 685, 687, 699, 771, 632, 576, 775, 752, 295, 295, 656, 558, 863, 749, 788,
      604, 788, 695, 635, 611, 732, 685, 989, 686, 611, 686, 391, 337, 391, 838, 500, 500, 613, 635, 550, 635, 616, 353, 635,
      634, 278, 278, 580, 278, 975, 634, 612, 635, 635, 412, 521, 393, 634, 592, 818, 592, 592, 525, 637, 337, 637, 838};
  static constexpr uint16_t kBold[95] = {
      349, 457, 521, 838, 696, 1002, 873, 307, 458, 458, 523, 838, 380, 416, 380, 366, 696, 696, 696, 696, 696, 696, 696, 696,
      696, 696, 400, 400, 838, 838, 838, 581, 1000, 774, 763, 734, 831, 684, 684, 821, 837, 373, 373, 775, 638, 996, 837, 851,
      733, 851, 771, 721, 683, 813, 774, 1104, 771, 725, 726, 458, 366, 458, 838, 500, 500, 675, 716, 593, 716, 679, 436, 716,
      712, 343, 343, 666, 343, 1042, 712, 688, 716, 716, 494, 596, 479, 712, 652, 924, 646, 652, 583, 712, 366, 712, 838};
  double ems = 0;
  for (unsigned char c : s) {
    if (c >= 32 && c < 127) ems += (bold ? kBold : kRegular)[c - 32] / 1000.0;
    else if (c >= 0xC0 || c < 32) ems += 1.0;  // a character outside ASCII (its first byte): a whole em
  }
  return ems * px;
}

// Glyph boxes as chromium lays them out: from the font's ascent above the baseline to its descent
// below (DejaVu Sans: 0.93 and 0.24 em), a little more.
Labels::Box Labels::box(const std::string& text, double x, double y, double px, const char* anchor, bool bold) {
  const double w = text_width(text, px, bold);
  const double x0 = std::string(anchor) == "middle" ? x - w / 2 : std::string(anchor) == "end" ? x - w : x;
  return {x0 - 1, y - 0.96 * px, x0 + w + 1, y + 0.26 * px};
}

bool Labels::free(const Box& b) const {
  return std::none_of(boxes_.begin(), boxes_.end(),
                      [&](const Box& o) { return b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1; });
}

bool Labels::take(const Box& b) {
  if (!free(b)) return false;
  boxes_.push_back(b);
  return true;
}

}  // namespace html

using namespace detail;
using namespace html;

namespace {

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

// A plot's frame: its title and subtitle, a value axis of five grid lines (the left margin as wide
// as their labels need), the axis names; the bars and their labels go between. Every text goes
// through `labels`, so none overlaps another.
struct Plot {
  static constexpr double W = 540, H = 256, right = 12, top = 48, bottom = 52;
  double left = 56, ymax = 4;
  Labels labels;
  std::ostringstream o;

  double pw() const { return W - left - right; }
  double ph() const { return H - top - bottom; }
  double y(double v) const { return top + ph() - ph() * v / ymax; }
  void text(const std::string& cls, double x, double y, const std::string& t, const char* anchor = "start", double px = 11) {
    if (!labels.take(Labels::box(t, x, y, px, anchor))) return;
    o << "<text class=\"" << cls << "\" x=\"" << num(x) << "\" y=\"" << num(y) << "\""
      << (std::string(anchor) == "start" ? std::string() : std::string(" text-anchor=\"") + anchor + "\"") << ">" << esc(t)
      << "</text>";
  }

  Plot(const std::string& title, const std::string& subtitle, const std::string& cls, const std::vector<double>& values,
       const std::string& xlabel, const std::string& ylabel) {
    double most = 0;
    bool whole_numbers = true;
    for (double v : values) most = std::max(most, v), whole_numbers = whole_numbers && v == std::floor(v);
    ymax = whole_numbers ? std::max(4.0, nice_max(most)) : nice_max(most);
    double widest = 0;
    for (int k = 0; k <= 4; ++k) widest = std::max(widest, text_width(value_text(ymax * k / 4), 11));
    left = std::max(56.0, widest + 30);
    o << "<svg class=\"plot " << cls << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
      << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\" aria-label=\"" << esc(title) << "\">\n";
    // The value axis's name, turned: its box, from x 14 less the ascent to x 14 plus the descent.
    labels.reserve({14 - 11.0, top + ph() / 2 - text_width(ylabel, 11) / 2, 14 + 3.0, top + ph() / 2 + text_width(ylabel, 11) / 2});
    o << "<text class=\"axis\" transform=\"translate(14," << num(top + ph() / 2) << ") rotate(-90)\" text-anchor=\"middle\">"
      << esc(ylabel) << "</text>\n";
    text("title", left, 16, title, "start", 12);
    if (!subtitle.empty()) text("tick", left, 31, subtitle);
    text("axis", left + pw() / 2, H - 8, xlabel, "middle");
    o << "\n";
    for (int k = 0; k <= 4; ++k) {
      o << "<line class=\"grid\" x1=\"" << num(left) << "\" x2=\"" << W - right << "\" y1=\"" << num(y(ymax * k / 4))
        << "\" y2=\"" << num(y(ymax * k / 4)) << "\"/>";
      text("tick", left - 6, y(ymax * k / 4) + 4, value_text(ymax * k / 4), "end");
      o << "\n";
    }
  }

  // A bar centred at x, `width` wide, of value v; its hover text `title`, `shown` above it where
  // there is room.
  void bar(double x, double width, double v, const std::string& title, const std::string& shown) {
    const double h = ph() * v / ymax;
    o << "<rect class=\"bar\" x=\"" << num(x - width / 2) << "\" y=\"" << num(top + ph() - h) << "\" width=\"" << num(width)
      << "\" height=\"" << num(h) << "\"><title>" << esc(title) << "</title></rect>";
    text("value", x, top + ph() - h - 3, shown, "middle", 10);
    o << "\n";
  }

  std::string done() {
    o << "</svg>\n";
    return o.str();
  }
};

// A bar plot of categories: a bar per label, in a slot of its own, the value on hover and above
// the bar; the labels under the axis where there is room. `texts`, when given: each bar's value as
// text (exact, where the double is not).
std::string bar_chart(const std::string& title, const std::string& subtitle, const std::string& cls,
                      const std::vector<std::string>& labels, const std::vector<double>& values,
                      const std::string& xlabel, const std::string& ylabel, const std::vector<std::string>& texts = {}) {
  Plot p(title, subtitle, cls, values, xlabel, ylabel);
  const size_t n = std::max<size_t>(1, labels.size());
  const double slot = p.pw() / static_cast<double>(n);
  for (size_t i = 0; i < labels.size(); ++i) {
    const double v = i < values.size() ? values[i] : 0;
    const std::string shown = i < texts.size() ? texts[i] : value_text(v);
    const double x = p.left + slot * (static_cast<double>(i) + 0.5);
    p.bar(x, slot * 0.7, v, labels[i] + ": " + shown, shown);
    p.text("tick", x, p.top + p.ph() + 14, labels[i], "middle");
  }
  return p.done();
}

// Retry amplification: intents by the attempts they made, on a linear axis (a gap between two
// counts of attempts is a gap on the axis), with ticks at round numbers.
std::string attempts_plot(const ordered_json& d) {
  const ordered_json& a = d["attempts_per_intent"];
  if (a.empty()) return "";
  std::vector<double> values;
  for (const auto& pair : a) values.push_back(static_cast<double>(pair[1].get<uint64_t>()));
  const double lo = static_cast<double>(a.front()[0].get<uint64_t>()), hi = static_cast<double>(a.back()[0].get<uint64_t>());
  Plot p("Retry amplification", attempts_text(d), "amplification", values, "attempts per intent, every layer", "intents");
  // The axis: from half a unit before the least to half a unit past the most, and a little more;
  // a tick every 1, 2 or 5 times a power of ten, at most ten of them.
  const double pad = (hi - lo) * 0.03, from = lo - 0.5 - pad, to = hi + 0.5 + pad;
  double step = 1;
  for (double mag = 1; (to - from) / step > 10; mag *= 10)
    for (double f : {1.0, 2.0, 5.0}) {
      step = f * mag;
      if ((to - from) / step <= 10) break;
    }
  const auto x = [&](double v) { return p.left + p.pw() * (v - from) / (to - from); };
  const double ay = p.top + p.ph();
  for (double v = std::ceil(from / step) * step; v <= to; v += step) {
    p.o << "<line class=\"grid\" x1=\"" << num(x(v)) << "\" x2=\"" << num(x(v)) << "\" y1=\"" << num(ay) << "\" y2=\""
        << num(ay + 4) << "\"/>";
    p.text("tick x", x(v), ay + 16, value_text(v), "middle");
  }
  p.o << "\n";
  const double width = std::clamp(0.7 * p.pw() / (to - from), 2.0, 48.0);
  for (const auto& pair : a) {
    const uint64_t n = pair[0].get<uint64_t>(), k = pair[1].get<uint64_t>();
    p.bar(x(static_cast<double>(n)), width, static_cast<double>(k),
          std::to_string(n) + ": " + std::to_string(k) + (k == 1 ? " intent" : " intents"), std::to_string(k));
  }
  return p.done();
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
.timeline .fault-window { opacity: 0.1; } .timeline .fault-band { opacity: 0.55; } .timeline .fault-name { font-size: 10.5px; }
.timeline .fault-edge { stroke-width: 1; stroke-dasharray: 4 3; opacity: 0.7; } .timeline .fault-armed { opacity: 0.45; }
.fault-0 rect { fill: #e8a33d; } .fault-1 rect { fill: #8e6bd1; } .fault-2 rect { fill: #3aa7a3; }
.fault-3 rect { fill: #d16b9d; } .fault-4 rect { fill: #7a9a3a; } .fault-5 rect { fill: #c9783b; }
.fault-0 line { stroke: #e8a33d; } .fault-1 line { stroke: #8e6bd1; } .fault-2 line { stroke: #3aa7a3; }
.fault-3 line { stroke: #d16b9d; } .fault-4 line { stroke: #7a9a3a; } .fault-5 line { stroke: #c9783b; }
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
.timeline .launch text, .timeline .mark text, .timeline .life-text text { font-size: 10px; }
.timeline .launch.leaked rect { fill: #f0a030; stroke: #7a4a00; stroke-width: 1.2; } .timeline .launch.leaked text { fill: #8a5300; }
.timeline .launch.violating text { fill: #b3261e; font-weight: 700; }
.timeline .launch.violating.leaked path { stroke: #f0a030; stroke-width: 2.5; }
.timeline .life { stroke: #d08000; stroke-width: 1.6; stroke-dasharray: 6 3; } .timeline circle.life-end { fill: #d08000; }
.timeline path.life-end { fill: none; stroke: #d08000; stroke-width: 1.6; }
.timeline .life:hover { stroke-width: 3; } .timeline .life-text text { fill: #8a5300; font-style: italic; }
.timeline .mark line { stroke: #000; stroke-width: 2; }
.timeline .break { fill: #ffffff; opacity: 0.85; stroke: #c3c9d2; stroke-dasharray: 2 3; } svg .tick.skipped { font-style: italic; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend-note { font-size: 12px; color: #5b6472; margin-top: 0; }
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
    const auto [r, v] = shown_violation(d);
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
             "<span style=\"color:#b06a00\">&#x25A0; leaked</span><span>dashed amber: a leaked launch's life, to the "
             "termination that ended it (&#x203A; still running at the limit)</span><span>shaded: a fault's window</span>"
             "<span>ticks in a fault's row: where a crash struck</span><span>black ticks: crashes, restarts, a reaper's "
             "terminations</span></p>\n"
             "<p class=\"legend-note\">A launch is violating where the property's story puts it: for an intent, the launch "
             "no answer to it named (the one its caller could not know of) rather than the one it was told of. Leaked: no "
             "answer the intent's caller received named it.</p>\n";
      const std::string id = "timeline-" + std::to_string(i);
      size_t first_story = 0;
      for (const auto& a : t["attempts"]) first_story += i64(a, "story", 0) == 2 ? 1 : 0;
      // The close-up's violation: the first of the property the scenario expects, else the first.
      const int64_t focus = i64(t, "focus", 0);
      const std::string focused = focus >= 0 && static_cast<size_t>(focus) < vs.size() ? text_of(vs[static_cast<size_t>(focus)]) : "";
      out << "<p>The whole run, from the first thing drawn to the last:</p>\n<div class=\"timeline-wrap\">\n"
          << timeline_svg(t, id, false) << "</div>\n";
      // Close up on the first violation's story, when it is a part of the run.
      if (first_story > 0 && first_story < t["attempts"].size())
        out << "<p>Close up: the story of the first <code>" << esc(focused.substr(0, focused.find(' '))) << "</code> violation ("
            << first_story << (first_story == 1 ? " attempt" : " attempts")
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
