/* The township review page: hit map (heat, points by status, choropleth), ranking, drill-down. */
"use strict";
const T = {
  title: { zh: "乡镇火点与扬尘热力图", en: "Township hit map" },
  login: { zh: "登录", en: "Log in" }, logout: { zh: "退出", en: "Log out" },
  from: { zh: "自", en: "from" }, to: { zh: "至", en: "to" },
  bulletin: { zh: "日报时段(17:00)", en: "bulletin day (17:00)" }, week: { zh: "近7天", en: "7 days" },
  season: { zh: "本季", en: "season" }, all: { zh: "全部类型", en: "all hazards" },
  everything: { zh: "全部时间", en: "all time" },
  fire: { zh: "火点", en: "fire" }, dust: { zh: "扬尘", en: "dust" }, site_compliance: { zh: "工地监控", en: "sites" },
  township: { zh: "乡镇", en: "townships" }, village: { zh: "村", en: "villages" },
  raw: { zh: "查实数", en: "confirmed" }, per_area: { zh: "每百平方公里", en: "per 100 km²" },
  suppressed: { zh: "显示已屏蔽点", en: "show suppressed" }, heat: { zh: "热力", en: "heat" },
  ranking: { zh: "乡镇排名", en: "Township ranking" }, points: { zh: "点位", en: "points" },
  bulletin_link: { zh: "日报", en: "daily bulletin" }, export: { zh: "导出 Excel", en: "export XLSX" },
  rank: { zh: "名次", en: "#" }, name: { zh: "乡镇", en: "township" }, pushed: { zh: "推送", en: "pushed" },
  confirmed: { zh: "查实", en: "confirmed" }, rate: { zh: "查实率", en: "rate" },
  straw: { zh: "秸秆焚烧", en: "straw burning" },
  median: { zh: "核查用时(分)", en: "verify (min)" }, overdue: { zh: "逾期", en: "overdue" },
  first_fire: { zh: "首个火点", en: "first fire" }, task: { zh: "任务", en: "task" },
  rejected: { zh: "查否", en: "rejected" }, new: { zh: "待派发", en: "new" }, dispatched: { zh: "已派发", en: "dispatched" },
  acknowledged: { zh: "已签收", en: "acknowledged" }, on_site: { zh: "已到场", en: "on site" },
  handled: { zh: "已处置", en: "handled" }, closed: { zh: "已销号", en: "closed" }, no_task: { zh: "无任务", en: "no task" },
};
const t = (k) => FG.t(T, k);
const COLORS = { confirmed: "#c0392b", overdue: "#e67e22", rejected: "#95a5a6", handled: "#27ae60", closed: "#7f8c8d",
  new: "#2980b9", dispatched: "#2980b9", acknowledged: "#8e44ad", on_site: "#8e44ad", suppressed: "#bdc3c7", no_task: "#34495e" };
const state = { map: null, layers: {}, data: {} };
window.firegridState = state;

function translate() {
  document.getElementById("title").textContent = "firegrid · " + t("title");
  document.getElementById("lang").textContent = FG.state.lang === "zh" ? "EN" : "中文";
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("login-button").textContent = t("login");
  document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll("[data-range]").forEach((el) => { el.textContent = t(el.dataset.range); });
  document.querySelector("#ranking thead").innerHTML = "<tr>" + ["rank", "name", "pushed", "confirmed", "straw", "rate", "median", "overdue", "first_fire"]
    .map((k) => `<th>${t(k)}</th>`).join("") + "</tr>";
}

function localInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}
function setRange(kind) {
  const f = document.getElementById("filters");
  const now = new Date();
  let since, until;
  if (kind === "bulletin") {
    until = new Date(now); until.setHours(17, 0, 0, 0); if (until < now) until.setDate(until.getDate() + 1);
    since = new Date(until); since.setDate(since.getDate() - 1);
  } else if (kind === "week") { until = now; since = new Date(now.getTime() - 7 * 86400000); }
  else if (kind === "season") { until = now; since = new Date(now.getFullYear(), Math.floor(now.getMonth() / 3) * 3, 1); }
  else { f.since.value = ""; f.until.value = ""; return; }
  f.since.value = localInput(since); f.until.value = localInput(until);
}
function query() {
  const f = document.getElementById("filters");
  const q = new URLSearchParams();
  if (f.since.value) q.set("since", new Date(f.since.value).toISOString());
  if (f.until.value) q.set("until", new Date(f.until.value).toISOString());
  if (f.hazard.value) q.set("hazard", f.hazard.value);
  return q;
}

function ensureMap() {
  if (state.map) return;
  state.map = L.map("map", { attributionControl: false }).setView([38.5, 112.6], 8);
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
  const q = query();
  const pts = new URLSearchParams(q); if (f.suppressed.checked) pts.set("suppressed", "true");
  const cq = new URLSearchParams(q); cq.set("level", f.level.value);
  const [hits, cells, ranking] = await Promise.all([
    FG.api("/stats/hits.geojson?" + pts), FG.api("/stats/cells.geojson?" + cq), FG.api("/stats/ranking?" + q)]);
  state.data = { hits, cells, ranking };
  draw(f.measure.value, f.heat.checked);
  table(ranking);
  const xl = new URLSearchParams(q);
  document.getElementById("export").onclick = (e) => { e.preventDefault(); download("/export/incidents.xlsx?" + xl, "incidents.xlsx"); };
  document.getElementById("bulletin").onclick = async (e) => { e.preventDefault();
    const html = await (await FG.api("/bulletins/daily")).text(); const w = window.open(); w.document.write(html); };
  window.mapReady = true;
}

async function download(url, name) {
  const blob = await (await FG.api(url)).blob();
  const a = document.createElement("a"); a.href = URL.createObjectURL(blob); a.download = name; a.click();
}

function draw(measure, heatOn) {
  ensureMap();
  const { hits, cells } = state.data;
  for (const layer of Object.values(state.layers)) state.map.removeLayer(layer);
  const max = Math.max(0, ...cells.features.map((c) => c.properties[measure] || 0));
  state.layers.cells = L.geoJSON(cells, {
    style: (c) => ({ color: "#7f8c8d", weight: 1, fillOpacity: 0.7, fillColor: colourScale(c.properties[measure], max) }),
    onEachFeature: (c, layer) => layer.bindTooltip(`${FG.esc(c.properties.name)}: ${t("pushed")} ${c.properties.pushed}, ${t("confirmed")} ${c.properties.confirmed}`),
  }).addTo(state.map);
  const points = hits.features.filter((p) => p.geometry);
  if (heatOn && L.heatLayer) {
    state.layers.heat = L.heatLayer(points.filter((p) => p.properties.status !== "suppressed")
      .map((p) => [p.geometry.coordinates[1], p.geometry.coordinates[0], 1]), { radius: 22, blur: 18, maxZoom: 12 }).addTo(state.map);
  }
  state.layers.points = L.layerGroup(points.map((p) => {
    const s = p.properties.status;
    const m = L.circleMarker([p.geometry.coordinates[1], p.geometry.coordinates[0]], {
      radius: s === "suppressed" ? 4 : 6, color: "#fff", weight: 1, fillColor: COLORS[s] || "#333", fillOpacity: 0.95,
      className: "point point-" + s,
    });
    m.on("click", () => drill(p));
    return m;
  })).addTo(state.map);
  if (cells.features.length) state.map.fitBounds(state.layers.cells.getBounds());
  const counts = {};
  for (const p of points) counts[p.properties.status] = (counts[p.properties.status] || 0) + 1;
  state.pointCount = points.length; state.statusCounts = counts;
  document.getElementById("legend").innerHTML = Object.entries(counts).map(([k, n]) =>
    `<div><i style="background:${COLORS[k] || "#333"}"></i>${t(k)} ${n}</div>`).join("");
  document.getElementById("summary").innerHTML = `<span>${t("points")}: <b id="point-count">${points.length}</b></span>` +
    Object.entries(counts).map(([k, n]) => `<span>${t(k)} ${n}</span>`).join("");
}

function table(rows) {
  document.querySelector("#ranking tbody").innerHTML = rows.map((r) => `<tr data-code="${r.code}">
    <td>${r.rank}</td><td>${FG.esc(r.name)}</td><td>${r.pushed}</td><td>${r.confirmed}</td><td>${r.straw_burning}</td>
    <td>${r.confirmation_rate == null ? "—" : (r.confirmation_rate * 100).toFixed(0) + "%"}</td>
    <td>${r.median_verify_min ?? "—"}</td><td>${r.overdue}</td><td>${r.first_fire ? FG.fmtTime(r.first_fire) : "—"}</td></tr>`).join("");
}

async function drill(point) {
  const p = point.properties;
  const box = document.getElementById("detail");
  if (!p.task) { box.innerHTML = `<p>${t(p.status)} ${FG.esc(p.reason || "")}</p>`; return; }
  const task = await FG.api(`/tasks/${p.task}`);
  box.innerHTML = `<h3>${t("task")} #${task.id} · ${t(task.status) || task.status}</h3>
    <p>${FG.esc(task.place)} · ${FG.fmtTime(task.incident.first_seen)} · ${FG.esc(task.assignees.join(", "))}</p>
    <ol>${task.events.map((e) => `<li>${FG.fmtTime(e.at)} ${FG.esc(e.actor)} ${FG.esc(e.action)} ${FG.esc(e.reason || "")}</li>`).join("")}</ol>
    <a href="/app/#/task/${task.id}" target="_blank">/app/#/task/${task.id}</a>`;
}

function start() {
  translate();
  const logged = !!FG.token();
  document.getElementById("login-form").hidden = logged;
  document.getElementById("page").hidden = !logged;
  document.getElementById("logout").hidden = !logged;
  document.getElementById("who").textContent = FG.user() || "";
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
start();  // no time filter at first: everything in the caller's area
