/* The township page's map data: the choropleth (outlines once per level, numbers per filter) and
   the hit layer of the current view (bins or points, reloaded when the view moves). Every answer
   has an ETag and "private, no-cache": the browser revalidates (304) instead of downloading again.
   Uses the page's t(), COLORS, drill() and state.map (map.js). */
"use strict";
const MapData = { hitsUrl: null, hitsAbort: null, pointLimit: null, timer: null, onMove: null };
window.MapData = MapData;

async function loadCells(level, q) {
  const cq = new URLSearchParams(q); cq.set("level", level);
  const [shapes, counts] = await Promise.all([
    FG.api("/stats/cells/shapes.geojson?level=" + level), FG.api("/stats/cells/counts.json?" + cq)]);
  for (const f of shapes.features) {
    Object.assign(f.properties, { pushed: 0, confirmed: 0, per_100km2: 0 }, counts.cells[f.id] || {});
  }
  return shapes;
}

function viewQuery(q) {
  const b = state.map.getBounds(), clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(5);
  const hq = new URLSearchParams(q);
  hq.set("bbox", [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(","));
  hq.set("zoom", Math.max(0, Math.round(state.map.getZoom())));
  if (document.getElementById("filters").suppressed.checked) hq.set("suppressed", "true");
  if (MapData.pointLimit !== null) hq.set("points", MapData.pointLimit);
  return hq;
}

async function loadHits(q, force) {
  const url = "/stats/hitmap?" + viewQuery(q);
  if (url === MapData.hitsUrl && !force) return;
  if (MapData.hitsAbort) MapData.hitsAbort.abort();
  MapData.hitsAbort = new AbortController();
  MapData.hitsUrl = url;
  let layer;
  try { layer = await FG.api(url, { signal: MapData.hitsAbort.signal }); }
  catch (e) { if (e.name === "AbortError") return; throw e; }
  state.data.hits = layer;
  drawHits(layer, document.getElementById("filters").heat.checked);
}

function followView(q) {  // the hit layer follows pans and zooms (with the current filters)
  if (MapData.onMove) state.map.off("moveend", MapData.onMove);
  MapData.onMove = () => {
    clearTimeout(MapData.timer);
    MapData.timer = setTimeout(() => loadHits(q).catch(() => {}), 150);
  };
  state.map.on("moveend", MapData.onMove);
}

function drawCells(cells, measure) {
  if (state.layers.cells) state.map.removeLayer(state.layers.cells);
  const max = Math.max(0, ...cells.features.map((c) => c.properties[measure] || 0));
  state.layers.cells = L.geoJSON(cells, {
    style: (c) => ({ color: "#7f8c8d", weight: 1, fillOpacity: 0.7, fillColor: colourScale(c.properties[measure], max) }),
    onEachFeature: (c, layer) => layer.bindTooltip(`${FG.esc(c.properties.name)}: ${t("pushed")} ${c.properties.pushed}, ${t("confirmed")} ${c.properties.confirmed}`),
  }).addTo(state.map);
  state.layers.cells.bringToBack();
}

function pointMarker(p) {
  const s = p.properties.status;
  const m = L.circleMarker([p.geometry.coordinates[1], p.geometry.coordinates[0]], {
    radius: s === "suppressed" ? 4 : 6, color: "#fff", weight: 1, fillColor: COLORS[s] || "#333", fillOpacity: 0.95,
    className: "point point-" + s,
  });
  m.on("click", () => drill(p));
  return m;
}

function binMarker(b, maxN) {  // a bin: sized by its count, coloured by its commonest status
  const [top] = Object.entries(b.status).sort((x, y) => y[1] - x[1]);
  const m = L.circleMarker([b.lat, b.lon], {
    radius: 5 + 13 * Math.sqrt(b.n / maxN), color: b.status.overdue ? COLORS.overdue : "#fff", weight: b.status.overdue ? 3 : 1,
    fillColor: COLORS[top[0]] || "#333", fillOpacity: 0.85, className: "bin bin-" + top[0],
  });
  m.bindTooltip(`${b.n}: ` + Object.entries(b.status).map(([k, n]) => `${t(k)} ${n}`).join(", "));
  m.on("click", () => state.map.setView([b.lat, b.lon], Math.min(18, state.map.getZoom() + 2)));
  return m;
}

function drawHits(layer, heatOn) {
  for (const name of ["heat", "points"]) if (state.layers[name]) state.map.removeLayer(state.layers[name]);
  const points = layer.mode === "points" ? layer.points.features.filter((p) => p.geometry) : [];
  const bins = layer.mode === "bins" ? layer.bins : [];
  const maxN = Math.max(1, ...bins.map((b) => b.n));
  const heat = points.filter((p) => p.properties.status !== "suppressed")
    .map((p) => [p.geometry.coordinates[1], p.geometry.coordinates[0], 1])
    .concat(bins.map((b) => [b.lat, b.lon, b.n - (b.status.suppressed || 0)]).filter((h) => h[2] > 0));
  if (heatOn && L.heatLayer) {
    state.layers.heat = L.heatLayer(heat, { radius: 22, blur: 18, maxZoom: 12, max: layer.mode === "bins" ? maxN : 1 }).addTo(state.map);
  }
  state.layers.points = L.layerGroup(points.map(pointMarker).concat(bins.map((b) => binMarker(b, maxN)))).addTo(state.map);
  state.pointCount = layer.total; state.statusCounts = layer.status;
  const legend = document.getElementById("legend");  // colours through the CSSOM: the CSP allows no style attributes
  legend.innerHTML = Object.entries(layer.status).map(([k, n]) => `<div><i data-status="${k}"></i>${t(k)} ${n}</div>`).join("");
  legend.querySelectorAll("i[data-status]").forEach((i) => { i.style.background = COLORS[i.dataset.status] || "#333"; });
  document.getElementById("summary").innerHTML = `<span>${t("points")}: <b id="point-count">${layer.total}</b></span>` +
    Object.entries(layer.status).map(([k, n]) => `<span>${t(k)} ${n}</span>`).join("");
}
