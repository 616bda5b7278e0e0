// Draws the statistics charts from the JSON block #stats-data; the tables under each chart carry the same numbers.
(() => {
  const source = document.getElementById("stats-data");
  if (!source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#64748b"];
  const axes = (stacked) => ({
    x: { stacked, title: { display: true, text: data.labels.week } },
    y: { stacked, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: data.labels.cases } },
  });
  const common = { responsive: true, maintainAspectRatio: false, animation: reduceMotion ? false : undefined };

  const byType = document.getElementById("chart-by-type");
  if (byType) {
    new window.Chart(byType, {
      type: "bar",
      data: {
        labels: data.weeks,
        datasets: data.by_type.map((series, index) => ({
          label: series.label,
          data: series.data,
          backgroundColor: series.color || palette[index % palette.length],
        })),
      },
      options: { ...common, scales: axes(true) },
    });
  }

  const byChannel = document.getElementById("chart-by-channel");
  if (byChannel) {
    new window.Chart(byChannel, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: data.by_channel.map((series, index) => ({
          label: series.label,
          data: series.data,
          borderColor: palette[index % palette.length],
          backgroundColor: palette[index % palette.length],
          tension: 0.2,
        })),
      },
      options: { ...common, scales: axes(false) },
    });
  }
})();
