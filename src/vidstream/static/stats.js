// The stats pages' charts, drawn with the vendored uPlot from the page's own numbers
// (the JSON block #stats-data, the same figures as the tables beside each chart).
"use strict";

(function () {
  const source = document.getElementById("stats-data");
  if (!source || typeof uPlot === "undefined") return;
  const stats = JSON.parse(source.textContent);
  const ink = getComputedStyle(document.body).color || "#222";
  const accent = "#2458c6";
  const second = "#b3541e";

  function width(box) {
    return Math.max(280, Math.min(box.clientWidth || 640, 960));
  }

  function axis(label, extra) {
    return Object.assign({ label: label, stroke: ink, grid: { stroke: "rgba(128,128,128,0.2)" } }, extra || {});
  }

  function dailyChart(box) {
    const days = stats.daily.map(function (d) { return Date.parse(d.date + "T00:00:00Z") / 1000; });
    const views = stats.daily.map(function (d) { return d.views; });
    const minutes = stats.daily.map(function (d) { return Math.round(d.watch_seconds / 6) / 10; });
    const bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
    return new uPlot({
      width: width(box),
      height: 260,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: true }, views: { range: function (u, min, max) { return [0, Math.max(1, max)]; } },
                minutes: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      series: [
        {},
        { label: "Views", scale: "views", stroke: accent, fill: "rgba(36,88,198,0.35)", paths: bars },
        { label: "Watch time (min)", scale: "minutes", stroke: second, width: 2 },
      ],
      axes: [axis(""), axis("Views", { scale: "views" }), axis("Minutes", { scale: "minutes", side: 1, grid: { show: false } })],
    }, [days, views, minutes], box);
  }

  function retentionChart(box) {
    const parts = stats.retention.map(function (_, i) { return i; });
    const shares = stats.retention.map(function (r) { return Math.round(r * 1000) / 10; });
    return new uPlot({
      width: width(box),
      height: 220,
      scales: { x: { time: false, range: [0, 99] }, y: { range: [0, 100] } },
      series: [
        { label: "Part of the video (%)" },
        { label: "Watched by (%)", stroke: accent, fill: "rgba(36,88,198,0.2)", width: 2 },
      ],
      axes: [axis("Position in the video (%)"), axis("Views watching (%)")],
    }, [parts, shares], box);
  }

  const makers = { daily: dailyChart, retention: retentionChart };
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    const make = makers[box.dataset.chart];
    if (make) make(box);
  });
})();
