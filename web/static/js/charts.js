/* Murmur's charts: one small wrapper over the vendored Apache ECharts, for every page that draws one.
 *
 * Why a wrapper: each chart must do the same five things, and a page should not be able to forget one:
 * ARIA descriptions on (ECharts writes a sentence per chart for screen readers, and decal patterns so
 * colour is not the only cue), a "Download CSV" link under it, a click on a point that opens the
 * messages behind it, the page's own fonts (so Chinese and Thai use the fonts the page chose, not
 * the canvas default), and the light or dark colours of the page's theme, redrawn when it changes.
 *
 *   MurmurCharts.timeSeries(el, {title, series: [{name, points: [[iso, value], ...], area, axis}],
 *                                 axes: [name, name?], csv, drill(seriesIndex, dataIndex)})
 *   MurmurCharts.bars(el, {title, categories, series: [{name, values, color, label(i)}], horizontal, stacked,
 *                          csv, drill(seriesIndex, dataIndex)})
 *   MurmurCharts.pie(el, {title, items: [{name, value, color}], donut, csv, drill(dataIndex)})
 *   MurmurCharts.heatmap(el, {title, x, y, xName, yName, cells: [[xi, yi, value]], describe(xi, yi, value),
 *                             csv, drill(xi, yi)})
 *   MurmurCharts.funnel(el, {title, items: [{name, value}], csv, drill(dataIndex)})
 *
 * `csv` is {url} (a server export) or {filename, rows: [[header...], [cell...], ...]} (made here,
 * every cell spreadsheet-safe). Returns the ECharts instance. Text reaches the chart as data, which
 * ECharts draws on a canvas (never parsed as HTML); tooltips are built with textContent.
 */
(function () {
  "use strict";
  var live = [];  // [{el, chart, build}] to redraw on a theme change

  function css(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  function palette() {
    return {
      ink: css("--ink", "#1d2330"), muted: css("--muted", "#5c6776"), line: css("--line", "#e2e5ea"),
      panel: css("--panel", "#ffffff"), pos: css("--pos", "#237a36"), neg: css("--neg", "#c92a2a"),
      neu: css("--neu", "#737d87"), accent: css("--accent", "#3b5bdb"), warn: css("--warn", "#b35c00"),
      series: [css("--accent", "#3b5bdb"), "#0ca678", "#f08c00", "#ae3ec9", "#1098ad", "#e8590c", "#74b816", "#d6336c"],
    };
  }

  function locale() {
    var lang = (document.documentElement.lang || "en").toLowerCase();
    if (lang.indexOf("zh") === 0 && echarts.registerLocale) return "ZH";
    if (lang.indexOf("th") === 0) return "TH";
    return "EN";
  }

  function base(opts) {
    var p = palette();
    var font = getComputedStyle(document.body).fontFamily;
    return {
      color: p.series,
      backgroundColor: "transparent",
      textStyle: { fontFamily: font, color: p.ink },
      aria: { enabled: true, label: { description: opts.title || "" }, decal: { show: false } },
      animation: false,
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      legend: { top: 0, type: "scroll", textStyle: { color: p.ink, fontFamily: font } },
      tooltip: { confine: true, textStyle: { fontFamily: font } },
    };
  }

  function axisStyle(p) {
    return {
      axisLine: { lineStyle: { color: p.line } },
      axisLabel: { color: p.muted, hideOverlap: true },
      splitLine: { lineStyle: { color: p.line } },
    };
  }

  function csvCell(v) {
    var s = v == null ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // a spreadsheet must not run a cell as a formula
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  /* A blob: URL of `rows` as CSV (a BOM first, so spreadsheets read UTF-8), every cell made safe. */
  function csvUrl(rows) {
    var text = rows.map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    return URL.createObjectURL(new Blob(["\ufeff" + text], { type: "text/csv" }));
  }

  function csvLink(csv) {
    var a = document.createElement("a");
    a.className = "chart-csv";
    a.textContent = t("Download CSV");
    if (csv.url) {
      a.href = csv.url;
    } else {
      a.href = csvUrl(csv.rows);
      a.download = csv.filename || "murmur-chart.csv";
    }
    return a;
  }

  function mount(el, opts, build) {
    var old = live.filter(function (x) { return x.el === el; })[0];
    if (old) { old.chart.dispose(); live.splice(live.indexOf(old), 1); }
    el.replaceChildren();
    el.classList.add("mchart");
    var box = document.createElement("div");
    box.className = "mchart-canvas";
    box.setAttribute("role", "img");
    box.setAttribute("aria-label", opts.title || "");
    var bar = document.createElement("div");
    bar.className = "mchart-bar";
    if (opts.csv) bar.appendChild(csvLink(opts.csv));
    el.appendChild(box);
    el.appendChild(bar);
    var chart = echarts.init(box, null, { renderer: "canvas", locale: locale() });
    chart.setOption(build());
    chart.on("click", function (params) {
      var url = opts.onClick ? opts.onClick(params) : null;
      if (url) window.location.href = url;
    });
    chart.getZr().on("mousemove", function (e) {
      chart.getZr().setCursorStyle(e.target ? "pointer" : "default");
    });
    live.push({ el: el, chart: chart, build: build });
    return chart;
  }

  function timeSeries(el, opts) {
    var build = function () {
      var p = palette();
      var o = base(opts);
      var ax = axisStyle(p);
      o.tooltip.trigger = "axis";
      o.xAxis = Object.assign({ type: "time" }, ax, { splitLine: { show: false } });
      o.yAxis = (opts.axes || [""]).map(function (name, i) {
        return Object.assign({ type: "value", name: name, nameTextStyle: { color: p.muted, align: i ? "right" : "left" } }, ax,
          i ? { splitLine: { show: false } } : {});
      });
      o.series = opts.series.map(function (s, i) {
        return {
          name: s.name, type: "line", yAxisIndex: s.axis || 0, data: s.points, showSymbol: s.points.length < 60,
          symbolSize: 6, connectNulls: false, areaStyle: s.area ? { opacity: 0.15 } : undefined,
          lineStyle: s.dashed ? { type: "dashed" } : undefined,
          itemStyle: s.color ? { color: s.color } : undefined, emphasis: { focus: "series" },
          z: 2 + i,
        };
      });
      return o;
    };
    opts.onClick = function (params) { return opts.drill ? opts.drill(params.seriesIndex, params.dataIndex) : null; };
    return mount(el, opts, build);
  }

  function bars(el, opts) {
    var build = function () {
      var p = palette();
      var o = base(opts);
      var ax = axisStyle(p);
      o.tooltip.trigger = "axis";
      o.tooltip.axisPointer = { type: "shadow" };
      var cat = Object.assign({ type: "category", data: opts.categories }, ax, { splitLine: { show: false } });
      var val = Object.assign({ type: "value" }, ax);
      if (opts.horizontal) { cat.inverse = true; o.xAxis = val; o.yAxis = cat; } else { o.xAxis = cat; o.yAxis = val; }
      o.series = opts.series.map(function (s) {
        return {
          name: s.name, type: "bar", stack: opts.stacked ? "all" : undefined, data: s.values,
          itemStyle: s.color ? { color: s.color } : undefined, barMaxWidth: 28, emphasis: { focus: "series" },
          // s.label(dataIndex): the text at the end of each bar (none without it)
          label: s.label ? { show: true, position: opts.horizontal ? "right" : "top", color: p.ink,
            formatter: function (params) { return s.label(params.dataIndex); } } : undefined,
        };
      });
      return o;
    };
    opts.onClick = function (params) { return opts.drill ? opts.drill(params.seriesIndex, params.dataIndex) : null; };
    return mount(el, opts, build);
  }

  function pie(el, opts) {
    var build = function () {
      var o = base(opts);
      o.tooltip.trigger = "item";
      o.series = [{
        type: "pie", radius: opts.donut ? ["45%", "70%"] : "70%", center: ["50%", "58%"],
        label: { color: palette().ink, formatter: "{b}: {d}%" },
        data: opts.items.map(function (x) {
          return { name: x.name, value: x.value, itemStyle: x.color ? { color: x.color } : undefined };
        }),
      }];
      return o;
    };
    opts.onClick = function (params) { return opts.drill ? opts.drill(params.dataIndex) : null; };
    return mount(el, opts, build);
  }

  function heatmap(el, opts) {
    var build = function () {
      var p = palette();
      var o = base(opts);
      var ax = axisStyle(p);
      var max = opts.cells.reduce(function (m, c) { return Math.max(m, c[2] || 0); }, 0) || 1;
      o.tooltip.trigger = "item";
      // opts.describe(xi, yi, value): the tooltip's sentence for a cell (ECharts' own without it)
      if (opts.describe) o.tooltip.formatter = function (params) { return opts.describe(params.data[0], params.data[1], params.data[2]); };
      o.xAxis = Object.assign({ type: "category", data: opts.x, splitArea: { show: true }, name: opts.xName,
        nameLocation: "middle", nameGap: 24 }, ax);
      o.yAxis = Object.assign({ type: "category", data: opts.y, splitArea: { show: true }, name: opts.yName,
        nameLocation: "middle", nameGap: 24 }, ax);
      o.visualMap = { min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
        inRange: { color: [p.panel, p.accent] }, textStyle: { color: p.muted } };
      o.grid.bottom = 40;
      o.series = [{ type: "heatmap", data: opts.cells, label: { show: true, color: p.ink } }];
      return o;
    };
    opts.onClick = function (params) {
      return opts.drill ? opts.drill(params.data[0], params.data[1]) : null;
    };
    return mount(el, opts, build);
  }

  function funnel(el, opts) {
    var build = function () {
      var o = base(opts);
      o.tooltip.trigger = "item";
      o.series = [{
        type: "funnel", sort: "none", top: 40, bottom: 8, left: "10%", width: "80%", minSize: "8%",
        label: { position: "inside", formatter: "{b}: {c}", color: "#fff" },
        data: opts.items.map(function (x) { return { name: x.name, value: x.value }; }),
      }];
      return o;
    };
    opts.onClick = function (params) { return opts.drill ? opts.drill(params.dataIndex) : null; };
    return mount(el, opts, build);
  }

  /* "1.2M", "45.3K", "980": follower counts as people read them (in the page's language). */
  function compact(n) {
    if (n == null) return "–";
    try {
      return new Intl.NumberFormat(document.documentElement.lang || "en", { notation: "compact", maximumFractionDigits: 1 }).format(n);
    } catch (e) {
      return String(n);
    }
  }

  function redrawAll() {
    live.forEach(function (x) { x.chart.setOption(x.build(), true); });
  }

  if (window.ResizeObserver) {
    new ResizeObserver(function () { live.forEach(function (x) { x.chart.resize(); }); }).observe(document.documentElement);
  }
  window.addEventListener("resize", function () { live.forEach(function (x) { x.chart.resize(); }); });
  if (window.matchMedia) {
    var mq = window.matchMedia("(prefers-color-scheme: dark)");
    if (mq.addEventListener) mq.addEventListener("change", redrawAll);
  }
  new MutationObserver(redrawAll).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });

  window.MurmurCharts = {
    timeSeries: timeSeries, bars: bars, pie: pie, heatmap: heatmap, funnel: funnel,
    compact: compact, palette: palette, csvCell: csvCell, csvUrl: csvUrl, redraw: redrawAll,
  };
})();
