// Injected into a copy of an HTML report by tests/html_report_test.sh and run by headless
// chromium (--dump-dom): it measures the page as the browser laid it out and writes what it found
// into a <pre> with the id layout-check, one line per finding, for the test to grep.
//   overlaps N: pairs of SVG text labels whose boxes overlap (each listed after it, up to 30)
//   band-overlaps N: pairs of fault bands (above a timeline) drawn over one another
//   linear PLOT yes|no: a plot's bars stand at their values on a linear axis (the same pixels per unit
//     between every two bars), and it has numeric ticks
(function () {
  var out = [], listed = [];
  function box(e) { var b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0 ? b : null; }
  function meet(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 &&
           Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  }
  function name(svg) { return svg.id || svg.getAttribute('aria-label') || svg.getAttribute('class'); }
  var overlaps = 0, bands = 0, svgs = document.querySelectorAll('svg');
  for (var s = 0; s < svgs.length; s++) {
    var texts = svgs[s].querySelectorAll('text'), seen = [];
    for (var i = 0; i < texts.length; i++) {
      var b = box(texts[i]);
      if (b) seen.push([b, texts[i].textContent]);
    }
    for (var i = 0; i < seen.length; i++)
      for (var j = i + 1; j < seen.length; j++)
        if (meet(seen[i][0], seen[j][0])) {
          overlaps++;
          if (listed.length < 30) listed.push('  ' + name(svgs[s]) + ': "' + seen[i][1] + '" over "' + seen[j][1] + '"');
        }
    var rects = svgs[s].querySelectorAll('rect.fault-band'), rb = [];
    for (var i = 0; i < rects.length; i++) { var b = box(rects[i]); if (b) rb.push(b); }
    for (var i = 0; i < rb.length; i++)
      for (var j = i + 1; j < rb.length; j++)
        if (meet(rb[i], rb[j])) bands++;
  }
  out.push('overlaps ' + overlaps);
  out = out.concat(listed);
  out.push('band-overlaps ' + bands);
  var plots = document.querySelectorAll('svg.plot');
  for (var p = 0; p < plots.length; p++) {
    var bars = plots[p].querySelectorAll('rect.bar'), at = [];
    for (var i = 0; i < bars.length; i++) {
      var t = bars[i].querySelector('title'), v = t ? parseFloat(t.textContent) : NaN, b = box(bars[i]) || bars[i].getBoundingClientRect();
      if (!isNaN(v)) at.push([v, b.left + b.width / 2]);
    }
    var linear = at.length >= 2, per = null;
    for (var i = 1; i < at.length && linear; i++) {
      var dv = at[i][0] - at[0][0], dx = at[i][1] - at[0][1];
      if (dv === 0) { linear = false; break; }
      if (per === null) per = dx / dv;
      else if (Math.abs(dx - per * dv) > 1.5) linear = false;
    }
    var ticks = plots[p].querySelectorAll('text.tick.x'), numeric = ticks.length >= 2;
    for (var i = 0; i < ticks.length; i++) numeric = numeric && /^[0-9]+$/.test(ticks[i].textContent);
    out.push('linear ' + (plots[p].getAttribute('aria-label') || '') + ' ' + (linear && numeric ? 'yes' : 'no'));
  }
  var pre = document.createElement('pre');
  pre.id = 'layout-check';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
