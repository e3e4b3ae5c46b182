/* The township review page: hit map (heat, points by status, choropleth), ranking, drill-down. */
"use strict";
// status codes take their label from the catalogue's status / map_status groups, everything else from ui.*
const t = (k) => (FG.has("status", k) || FG.has("map_status", k) ? FG.status(k) : FG.t("ui." + k));
const COLORS = { confirmed: "#c0392b", overdue: "#e67e22", rejected: "#95a5a6", handled: "#27ae60", closed: "#7f8c8d",
  new: "#2980b9", dispatched: "#2980b9", acknowledged: "#8e44ad", on_site: "#8e44ad", suppressed: "#bdc3c7", no_task: "#34495e" };
const state = { map: null, layers: {}, data: {} };
window.firegridState = state;

function translate() {
  document.title = "firegrid · " + t("map_title");
  document.getElementById("title").textContent = "firegrid · " + t("map_title");
  document.getElementById("lang").textContent = t("language");
  document.getElementById("logout").textContent = t("logout");
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = FG.t(el.dataset.t); });
  rankingHead();
}

function setRange(kind) {   // bulletin day, week and season in the server's zone, not the browser's
  const f = document.getElementById("filters");
  const now = new Date(), w = FG.zoneWall(now);
  let since, until;
  if (kind === "bulletin") {
    until = FG.fromZoneWall(w.year, w.month, w.day, 17, 0);
    if (until < now) until = new Date(until.getTime() + 86400000);
    since = new Date(until.getTime() - 86400000);
  } else if (kind === "week") { until = now; since = new Date(now.getTime() - 7 * 86400000); }
  else if (kind === "season") { until = now; since = FG.fromZoneWall(w.year, Math.floor((w.month - 1) / 3) * 3 + 1, 1); }
  else { f.since.value = ""; f.until.value = ""; return; }
  f.since.value = FG.toZoneInput(since); f.until.value = FG.toZoneInput(until);
}
function query() {
  const f = document.getElementById("filters");
  const q = new URLSearchParams();
  if (f.since.value) q.set("since", FG.fromZoneInput(f.since.value).toISOString());
  if (f.until.value) q.set("until", FG.fromZoneInput(f.until.value).toISOString());
  if (f.hazard.value) q.set("hazard", f.hazard.value);
  return q;
}

function ensureMap() {
  if (state.map) return;
  state.map = L.map("map", { attributionControl: false }).setView([38.5, 112.6], 8);
  FG.basemap(state.map);
  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = () => { const d = L.DomUtil.create("div", "legend"); d.id = "legend"; return d; };
  legend.addTo(state.map);
}

function colourScale(value, max) {
  if (!value) return "#ffffff";
  const share = Math.min(1, value / (max || 1));
  const g = Math.round(235 - 180 * share), b = Math.round(220 - 200 * share);
  return `rgb(255,${g},${b})`;
}

async function load() {
  const f = document.getElementById("filters");
  const q = query(), seq = (state.loads = (state.loads || 0) + 1);
  ensureMap();
  const [cells, ranking] = await Promise.all([loadCells(f.level.value, q), FG.api("/stats/ranking?" + q)]);
  if (seq !== state.loads) return;  // a newer load (filters changed meanwhile) draws instead
  state.data = { cells, ranking };
  drawCells(cells, f.measure.value);
  if (!state.fitted && cells.features.length) {  // once: later loads keep the reviewer's view
    state.map.fitBounds(state.layers.cells.getBounds(), { animate: false });
    state.fitted = true;
  }
  await loadHits(q, true);  // the hit layer of this view (layers.js), then of every view moved to
  if (seq !== state.loads) return;
  followView(q);
  table(ranking);
  const xl = new URLSearchParams(q);
  document.getElementById("export").onclick = (e) => { e.preventDefault(); download("/export/incidents.xlsx?" + xl, "incidents.xlsx"); };
  document.getElementById("bulletin").onclick = async (e) => { e.preventDefault();
    const html = await (await FG.api("/bulletins/daily")).text(); const w = window.open(); w.document.write(html); w.document.close(); };
  window.mapReady = true;
}

async function download(url, name) {
  const blob = await (await FG.api(url)).blob();
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name; a.click();
}

function suppressedBecause(reason) {   // the stored reason (an operator's audit text) as people read it
  const heat = /^inside heat source #(\d+)/.exec(reason || "");
  if (heat) return t("in_heat_source").replace("{id}", heat[1]);
  if (/^seasonal bare cropland/.test(reason || "")) return t("off_season_cropland");
  if (/^spurious/.test(reason || "")) return t("spurious_hit");
  return reason || "";
}

async function drill(point) {
  const p = point.properties;
  const box = document.getElementById("detail");
  if (!p.task) { box.innerHTML = `<p>${t(p.status)} ${FG.esc(suppressedBecause(p.reason))}</p>`; return; }
  const task = await FG.api(`/tasks/${p.task}`);
  const name = (u) => (u === "firegrid" ? t("system") : (task.names || {})[u] || u);
  box.innerHTML = `<h3>${t("task")} #${task.id} · ${FG.status(task.status)}</h3>
    <p>${FG.esc(task.place)} · ${FG.fmtTime(task.incident.first_seen)} · ${FG.esc(task.assignees.map(name).join("、"))}</p>
    <ol>${task.events.map((e) => `<li>${FG.fmtTime(e.at)} ${FG.esc(name(e.actor))} ${FG.label("action", e.action)} ${FG.esc(FG.reasonText(e.reason))}</li>`).join("")}</ol>
    <a href="/app/#/task/${task.id}" target="_blank">${t("open_in_app")}</a>`;
}

function start() {
  translate();
  const logged = !!FG.token();
  document.getElementById("login-form").hidden = logged;
  document.getElementById("page").hidden = !logged;
  document.getElementById("logout").hidden = !logged;
  document.getElementById("who").textContent = logged ? FG.user() || "" : "";
  if (!logged) return;
  load().catch((e) => { if (e.status === 401) start(); else document.getElementById("summary").textContent = e.message; });
}

document.getElementById("login-form").onsubmit = async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try { await FG.login(f.get("username"), f.get("password")); start(); }
  catch (err) { document.getElementById("login-error").textContent = err.message; }
};
document.getElementById("filters").onchange = () => { window.mapReady = false; load(); };
document.querySelectorAll("[data-range]").forEach((b) => { b.onclick = () => { setRange(b.dataset.range); window.mapReady = false; load(); }; });
document.getElementById("lang").onclick = () => { FG.setLang(FG.state.lang === "zh" ? "en" : "zh"); start(); };
document.getElementById("logout").onclick = () => { FG.logout(); start(); };
FG.ready.then(start);  // no time filter at first: everything in the caller's area
