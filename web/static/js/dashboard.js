// The reputation dashboard: draws the charts (charts.js over ECharts) from the figures the page
// carries as JSON, fetches the split series, topics and share of voice,
// and stays live: a spike alert appears at once; new messages refresh the figures (throttled).
// CSP: no inline script; user text only ever goes through textContent or chart data.
(function () {
  "use strict";
  var figures = document.getElementById("figures");
  if (!figures || typeof MurmurCharts === "undefined") return;
  var C = MurmurCharts;
  var query = figures.getAttribute("data-query") || "";
  var alerts = document.getElementById("live-alerts");
  var live = document.getElementById("live");
  var el = window.murmur.el;
  var LABELS = ["positive", "neutral", "negative"];
  var NAMES = { positive: t("Positive"), neutral: t("Neutral"), negative: t("Negative") };
  var data = null;

  function qs(params) {
    return Object.keys(params).filter(function (k) { return params[k] != null && params[k] !== ""; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }
  function drill(params) { return "/dashboard/messages?" + qs(params); }
  function base() {  // the page's filters as the messages page takes them
    var f = data.filters;
    return { from: f.from, to: f.to, channel: f.channel, language: f.language };
  }
  function bucketEnd(i, starts) { return i + 1 < starts.length ? starts[i + 1] : data.filters.to; }
  function colours() {
    var p = C.palette();
    return { positive: p.pos, neutral: p.neu, negative: p.neg };
  }
  function slot(id) { return document.getElementById(id); }
  function title(id) { return slot(id).getAttribute("data-title") || ""; }
  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { var e = new Error(String(r.status)); e.status = r.status; throw e; }
      return r.json();
    });
  }

  // --- the filters: pickers submit at once; the custom dates show only for a custom range --------
  var form = document.getElementById("dash-filters");
  function customShown() {
    var custom = document.getElementById("f-period").value === "custom";
    form.querySelectorAll(".custom-range").forEach(function (n) { n.hidden = !custom; });
    form.querySelectorAll(".custom-range input").forEach(function (n) { n.disabled = !custom; });
  }
  if (form) {
    customShown();
    form.querySelectorAll("select").forEach(function (s) {
      s.addEventListener("change", function () {
        customShown();
        if (s.id !== "f-period" || s.value !== "custom") form.requestSubmit();
      });
    });
  }

  // --- volume and net sentiment -------------------------------------------------------------------
  function drawBySentiment() {
    var v = data.volume;
    var col = colours();
    C.timeSeries(slot("chart-volume"), {
      title: title("chart-volume"),
      series: LABELS.map(function (k) {
        return { name: NAMES[k], color: col[k], area: true, points: v.map(function (b) { return [b.bucket, b[k]]; }) };
      }),
      axes: [t("Messages")],
      csv: { url: "/api/dashboard?" + query + "&format=csv&table=volume" },
      drill: function (si, i) { return drill(v[i].drill_by_label[LABELS[si]]); },
    });
    C.timeSeries(slot("chart-net"), {
      title: title("chart-net"),
      series: [{ name: t("Net sentiment"), color: C.palette().accent,
        points: v.map(function (b) { return [b.bucket, b.net_sentiment]; }) }],
      axes: [t("Net sentiment")],
      csv: { url: "/api/dashboard?" + query + "&format=csv&table=volume" },
      drill: function (si, i) { return drill(v[i].drill); },
    });
  }

  function drawSplit(s) {
    var key = s.by;
    var rows = [["bucket", key, "messages", "net_sentiment"]];
    s.series.forEach(function (x) {
      s.buckets.forEach(function (b, i) { rows.push([b, x.key, x.volume[i], x.net[i]]); });
    });
    var pointDrill = function (si, i) {
      return drill(Object.assign({}, s.series[si].drill, { from: s.buckets[i], to: s.bucket_ends[i] }));
    };
    var name = function (x) { return x.key || t("Unknown"); };
    C.timeSeries(slot("chart-volume"), {
      title: title("chart-volume"),
      series: s.series.map(function (x) {
        return { name: name(x), points: s.buckets.map(function (b, i) { return [b, x.volume[i]]; }) };
      }),
      axes: [t("Messages")],
      csv: { url: "/api/dashboard/series?" + query + "&by=" + key + "&format=csv" },
      drill: pointDrill,
    });
    C.timeSeries(slot("chart-net"), {
      title: title("chart-net"),
      series: s.series.map(function (x) {
        return { name: name(x), points: s.buckets.map(function (b, i) { return [b, x.net[i]]; }) };
      }),
      axes: [t("Net sentiment")],
      csv: { filename: "murmur-net-by-" + key + ".csv", rows: rows },
      drill: pointDrill,
    });
  }

  function drawByStream() {
    fetchJson("/api/listening/summary?" + qs({ since: data.filters.from, until: data.filters.to }))
      .then(function (sum) {
        // the listening summary's series: one row per stream and UTC day ({stream_id, bucket, mentions, negative})
        var names = {};
        (sum.streams || []).forEach(function (st) { names[st.id] = st.name; });
        var byStream = {};
        (sum.series || []).forEach(function (r) {
          if (!r || names[r.stream_id] === undefined) return;
          (byStream[r.stream_id] = byStream[r.stream_id] || []).push([r.bucket, r.mentions]);
        });
        var series = Object.keys(byStream).map(function (id) {
          return { id: Number(id), name: names[id], points: byStream[id] };
        });
        if (!series.length) throw new Error("no stream series");
        var rows = [["stream", "time", "mentions"]];
        series.forEach(function (x) { x.points.forEach(function (p) { rows.push([x.name, p[0], p[1]]); }); });
        C.timeSeries(slot("chart-volume"), {
          title: title("chart-volume"),
          series: series.map(function (x) { return { name: x.name, points: x.points }; }),
          axes: [t("Mentions")],
          csv: { filename: "murmur-mentions-by-stream.csv", rows: rows },
          drill: function (si) { return "/listening?" + qs({ stream: series[si].id }); },
        });
        slot("chart-net").replaceChildren(el("p", { class: "empty", text: t("Net sentiment per stream is shown in share of voice.") }));
      })
      .catch(function () {
        var msg = el("p", { class: "empty" }, t("No listening streams yet."), " ",
          el("a", { href: "/listening", text: t("Open listening") }));
        slot("chart-volume").replaceChildren(msg);
        slot("chart-net").replaceChildren();
      });
  }

  function drawVolume() {
    var by = document.getElementById("split-by").value;
    if (by === "sentiment") return drawBySentiment();
    if (by === "stream") return drawByStream();
    fetchJson("/api/dashboard/series?" + query + "&by=" + by).then(drawSplit).catch(function () {});
  }

  // --- share of voice (the listening branch's contract; an empty state until it answers) ---------
  function drawShareOfVoice() {
    var empty = slot("sov-empty");
    fetchJson("/api/listening/summary?" + qs({ since: data.filters.from, until: data.filters.to }))
      .then(function (sum) {
        var streams = (sum.streams || []).filter(function (x) { return x.mentions > 0; });
        if (!streams.length) throw new Error("empty");
        var rows = [["stream", "tag", "mentions", "positive", "neutral", "negative"]].concat(streams.map(function (x) {
          return [x.name, x.tag, x.mentions, x.positive, x.neutral, x.negative];
        }));
        C.pie(slot("chart-sov"), {
          title: title("chart-sov"), donut: true,
          items: streams.map(function (x) { return { name: x.name, value: x.mentions }; }),
          csv: { filename: "murmur-share-of-voice.csv", rows: rows },
          drill: function (i) { return "/listening?" + qs({ stream: streams[i].id }); },
        });
        empty.hidden = true;
      })
      .catch(function () {
        slot("chart-sov").replaceChildren();
        empty.hidden = false;
      });
  }

  // --- sentiment by topic (conversation labels) ---------------------------------------------------
  function drawTopics() {
    fetchJson("/api/dashboard/series?" + query + "&by=label").then(function (s) {
      var empty = slot("topics-empty");
      if (!s.series.length) { slot("chart-topics").replaceChildren(); empty.hidden = false; return; }
      empty.hidden = true;
      var col = colours();
      var rows = [["label", "positive", "neutral", "negative", "net_sentiment"]].concat(s.series.map(function (x) {
        return [x.key, x.positive, x.neutral, x.negative, x.net_sentiment];
      }));
      C.bars(slot("chart-topics"), {
        title: title("chart-topics"), horizontal: true, stacked: true,
        categories: s.series.map(function (x) { return x.key; }),
        series: LABELS.map(function (k) {
          return { name: NAMES[k], color: col[k], values: s.series.map(function (x) { return x[k]; }) };
        }),
        csv: { filename: "murmur-sentiment-by-topic.csv", rows: rows },
        drill: function (si, i) { return drill(Object.assign({}, s.series[i].drill, { sentiment: LABELS[si] })); },
      });
    }).catch(function () {});
  }

  // --- service levels and surveys ------------------------------------------------------------------
  function drawSla() {
    var sl = data.service_levels;
    var kinds = ["first_response", "resolution"];
    var p = C.palette();
    var parts = [["met", t("Met"), p.pos], ["breached", t("Breached"), p.neg], ["pending", t("Pending"), p.warn]];
    var rows = [["kind", "met", "breached", "pending", "no_sla", "median_seconds"]].concat(kinds.map(function (k) {
      return [k, sl[k].met, sl[k].breached, sl[k].pending, sl[k].no_sla, sl[k].median_seconds];
    }));
    C.bars(slot("chart-sla"), {
      title: title("chart-sla"), horizontal: true, stacked: true,
      categories: [t("First response"), t("Resolution")],
      series: parts.map(function (x) {
        return { name: x[1], color: x[2], values: kinds.map(function (k) { return sl[k][x[0]]; }) };
      }),
      csv: { filename: "murmur-service-levels.csv", rows: rows },
      drill: function (si, i) {
        var d = sl[kinds[i]].drill[parts[si][0]];
        return d ? drill(d) : null;
      },
    });
  }

  function drawSurveys() {
    var s = data.surveys.over_time;
    var p = C.palette();
    var starts = s.map(function (b) { return b.bucket; });
    C.timeSeries(slot("chart-surveys"), {
      title: title("chart-surveys"),
      series: [
        { name: "CSAT", color: p.accent, points: s.map(function (b) { return [b.bucket, b.csat.score]; }) },
        { name: "NPS", color: p.warn, axis: 1, dashed: true, points: s.map(function (b) { return [b.bucket, b.nps.score]; }) },
      ],
      axes: ["CSAT %", "NPS"],
      csv: { url: "/api/dashboard?" + query + "&format=csv&table=surveys_over_time" },
      drill: function (si, i) {
        return drill(Object.assign(base(), { from: starts[i], to: bucketEnd(i, starts), survey: si ? "nps" : "csat" }));
      },
    });
  }

  function drawAll() {
    data = JSON.parse(document.getElementById("dash-data").textContent);
    drawVolume();
    drawShareOfVoice();
    drawTopics();
    drawSla();
    drawSurveys();
  }

  document.getElementById("split-by").addEventListener("change", drawVolume);
  drawAll();

  // --- live: alerts at once, figures refreshed at most every five seconds -------------------------
  if (typeof io === "undefined") return;
  var REFRESH_MS = 5000;
  var timer = null;
  var last = 0;

  function refresh() {
    timer = null;
    last = Date.now();
    fetch("/dashboard/figures?" + query, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        var by = document.getElementById("split-by").value;
        // Server-rendered and escaped by Jinja; parsed inert, then moved in.
        var doc = new DOMParser().parseFromString("<main>" + html + "</main>", "text/html");
        figures.replaceChildren.apply(figures, Array.prototype.slice.call(doc.body.firstChild.childNodes));
        document.getElementById("split-by").value = by;
        document.getElementById("split-by").addEventListener("change", drawVolume);
        drawAll();
      })
      .catch(function () {});
  }

  function schedule() {
    if (timer) return;
    timer = setTimeout(refresh, Math.max(0, REFRESH_MS - (Date.now() - last)));
  }

  function showAlert(a) {
    var box = el("div", { class: "spike", "data-alert-id": String(a.id) });
    var text = (a.template ? alertSentence(a) : a.sentence) || t("Spike on {channel}: {n} negative messages", { channel: a.channel, n: a.count });
    box.appendChild(el("a", { class: "spike-link", href: "/dashboard/messages?alert=" + encodeURIComponent(a.id), text: text }));
    if (!a.sentence && a.baseline != null) {
      box.appendChild(el("small", { text: " " + t("About {usual} were expected.", { usual: a.baseline }) }));
    }
    alerts.prepend(box);
  }

  var socket = io({ transports: ["websocket"] });
  socket.on("connect", function () { live.textContent = t("Live"); live.className = "live online"; });
  socket.on("disconnect", function () { live.textContent = t("Offline"); live.className = "live"; });
  socket.on("alert.spike", function (a) { showAlert(a); schedule(); });
  socket.on("message.created", schedule);
})();
