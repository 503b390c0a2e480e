/* The customers page's two charts, drawn with Apache ECharts (ARIA on, so a screen reader hears a
 * description of each): the lifecycle funnel (customers who reached each stage in the last 90 days,
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

  function csvHref(rows) {
    const cell = (v) => {
      let s = v === null || v === undefined ? "" : String(v);
      if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // never a formula in a spreadsheet
      return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    const text = rows.map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
    return URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  }

  function percent(x) {
    return x === null || x === undefined ? "—" : Math.round(x * 1000) / 10 + "%";
  }

  function chart(node) {
    const dark = document.documentElement.dataset.theme === "dark";
    // canvas: the vendored ECharts is a custom build with the canvas renderer only (scripts/build_echarts.sh)
    const c = echarts.init(node, dark ? "dark" : null, { renderer: "canvas" });
    window.addEventListener("resize", () => c.resize());
    return c;
  }

  async function drawFunnel() {
    const node = document.getElementById("funnel-chart");
    if (!node) return;
    const to = new Date();
    const from = new Date(to.getTime() - 90 * 86400000);
    const data = await api("/api/analytics/funnel?from=" + from.toISOString() + "&to=" + to.toISOString());
    const steps = data.steps;
    const names = steps.map((s) => STAGE_NAMES[s.stage] || s.stage);
    chart(node).setOption({
      aria: { enabled: true },
      grid: { left: 8, right: 72, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names.slice().reverse() },
      series: [{
        type: "bar",
        name: t("Reached"),
        data: steps.slice().reverse().map((s) => s.reached),
        label: {
          show: true,
          position: "right",
          formatter: (p) => {
            const step = steps[steps.length - 1 - p.dataIndex];
            return step.conversion === null ? String(step.reached)
              : t("{n} ({pct})", { n: step.reached, pct: percent(step.conversion) });
          },
        },
      }],
    });
    const body = document.querySelector("#funnel-table tbody");
    body.replaceChildren(...steps.map((s, i) => el("tr", {},
      el("th", { scope: "row" }, names[i]),
      el("td", { class: "num" }, String(s.reached)),
      el("td", { class: "num" }, String(s.entered)),
      el("td", { class: "num" }, percent(s.conversion)))));
    document.getElementById("funnel-csv").href = csvHref([
      ["stage", "reached", "entered", "conversion"],
      ...steps.map((s) => [s.stage, s.reached, s.entered, s.conversion === null ? "" : s.conversion]),
    ]);
  }

  async function drawRfm() {
    const node = document.getElementById("rfm-chart");
    if (!node) return;
    const data = await api("/api/customers/facets");
    const cells = data.rfm_grid;
    const max = Math.max(1, ...cells.map((c) => c.count));
    const c = chart(node);
    c.setOption({
      aria: { enabled: true },
      tooltip: {
        formatter: (p) => t("Recency {r}, frequency {f}: {n} customers", { r: p.value[1], f: p.value[0], n: p.value[2] }),
      },
      grid: { left: 40, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: ["1", "2", "3", "4", "5"], name: t("Frequency"), nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", data: ["1", "2", "3", "4", "5"], name: t("Recency"), nameLocation: "middle", nameGap: 24 },
      visualMap: { min: 0, max: max, show: false, inRange: { color: ["#e8f0fe", "#1a56c4"] } },
      series: [{
        type: "heatmap",
        name: t("Customers"),
        data: cells.map((x) => [String(x.f), String(x.r), x.count]),
        label: { show: true },
        emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } },
      }],
    });
    c.on("click", (p) => {
      window.location.href = "/customers?rfm_r=" + encodeURIComponent(p.value[1]) + "&rfm_f=" + encodeURIComponent(p.value[0]);
    });
    document.getElementById("rfm-csv").href = csvHref([
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
