/* The customers page's two charts, drawn by the one chart module (charts.js over Apache ECharts,
 * ARIA on, so a screen reader hears a description of each, and redrawn with the theme): the lifecycle funnel (customers who reached each stage in the last 90 days,
 * with the conversion from the stage before) and the RFM grid (customers per recency x frequency
 * score; a cell opens the list of its customers). Each chart has its table and a CSV beside it,
 * built from the same answer, so the picture, the table and the download always agree.
 * Text goes into the page through textContent only. */
(function () {
  "use strict";
  const { api, el } = window.murmur;
  const STAGE_NAMES = {
    awareness: t("Awareness"),
    engagement: t("Engagement"),
    conversion: t("Conversion"),
    retention: t("Retention"),
    loyalty: t("Loyalty"),
  };

  const charts = window.MurmurCharts;  // the one chart module (charts.js): ARIA, theme, fonts, redraws

  function percent(x) {
    return x === null || x === undefined ? "—" : Math.round(x * 1000) / 10 + "%";
  }

  async function drawFunnel() {
    const node = document.getElementById("funnel-chart");
    if (!node) return;
    const to = new Date();
    const from = new Date(to.getTime() - 90 * 86400000);
    const data = await api("/api/analytics/funnel?from=" + from.toISOString() + "&to=" + to.toISOString());
    const steps = data.steps;
    const names = steps.map((s) => STAGE_NAMES[s.stage] || s.stage);
    charts.bars(node, {
      title: document.getElementById("funnel-h").textContent,
      categories: names,
      horizontal: true,
      series: [{
        name: t("Reached"),
        values: steps.map((s) => s.reached),
        label: (i) => steps[i].conversion === null ? String(steps[i].reached)
          : t("{n} ({pct})", { n: steps[i].reached, pct: percent(steps[i].conversion) }),
      }],
    });
    const body = document.querySelector("#funnel-table tbody");
    body.replaceChildren(...steps.map((s, i) => el("tr", {},
      el("th", { scope: "row" }, names[i]),
      el("td", { class: "num" }, String(s.reached)),
      el("td", { class: "num" }, String(s.entered)),
      el("td", { class: "num" }, percent(s.conversion)))));
    document.getElementById("funnel-csv").href = charts.csvUrl([
      ["stage", "reached", "entered", "conversion"],
      ...steps.map((s) => [s.stage, s.reached, s.entered, s.conversion === null ? "" : s.conversion]),
    ]);
  }

  async function drawRfm() {
    const node = document.getElementById("rfm-chart");
    if (!node) return;
    const data = await api("/api/customers/facets");
    const cells = data.rfm_grid;
    const scores = ["1", "2", "3", "4", "5"];
    charts.heatmap(node, {
      title: document.getElementById("rfm-h").textContent,
      x: scores, y: scores, xName: t("Frequency"), yName: t("Recency"),
      cells: cells.map((x) => [x.f - 1, x.r - 1, x.count]),
      describe: (fi, ri, n) => t("Recency {r}, frequency {f}: {n} customers", { r: ri + 1, f: fi + 1, n }),
      drill: (fi, ri) => "/customers?rfm_r=" + encodeURIComponent(ri + 1) + "&rfm_f=" + encodeURIComponent(fi + 1),
    });
    document.getElementById("rfm-csv").href = charts.csvUrl([
      ["recency", "frequency", "customers"], ...cells.map((x) => [x.r, x.f, x.count]),
    ]);
  }

  function failed(id) {
    return (err) => {
      const node = document.getElementById(id);
      if (node) node.replaceChildren(el("p", { class: "error", role: "alert" }, t("The chart could not be loaded: {error}", { error: err.message })));
    };
  }

  drawFunnel().catch(failed("funnel-chart"));
  drawRfm().catch(failed("rfm-chart"));
})();
