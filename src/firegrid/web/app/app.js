/* The inspector app: my tasks (overdue first), task detail with map, the on-site steps and
   the verdict with photos; submissions queue offline; Web Push when the browser allows it.
   Labels: FG.t / FG.label (the server's catalogue); times: FG.fmtTime (the server's zone). */
"use strict";
const t = (k, p) => FG.t("ui." + k, p);
const view = document.getElementById("view");
const REASONS = ["no_fire_found", "industrial_heat_source", "already_extinguished", "outside_my_area", "duplicate", "other"];
let position = null, pending = 0;

function watchPosition() {
  if (!("geolocation" in navigator)) return;
  navigator.geolocation.watchPosition(
    (p) => { position = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy }; },
    () => {}, { enableHighAccuracy: true, maximumAge: 15000 });
}
function here() { return position ? { lon: position.lon, lat: position.lat } : {}; }

function renderHeader() {
  document.title = "firegrid · " + t("app_title");
  document.getElementById("title").textContent = "firegrid · " + t("app_title") + (FG.token() && FG.user() ? " · " + FG.user() : "");
  document.getElementById("lang").textContent = t("language");
  const out = document.getElementById("logout");
  out.hidden = !FG.token();
  out.textContent = t("logout");
  const net = document.getElementById("net");
  net.textContent = (navigator.onLine ? "" : t("offline") + " ") + (pending ? pending + " " + t("queued") : "");
  net.hidden = !net.textContent;
}

function loginView() {
  view.innerHTML = `<form class="login" id="login-form">
    <h2>${t("login")}</h2>
    <label for="login-username">${t("username")}</label>
    <input id="login-username" name="username" autocomplete="username" required>
    <label for="login-password">${t("password")}</label>
    <input id="login-password" name="password" type="password" autocomplete="current-password" required>
    <button class="primary" type="submit">${t("login")}</button><p class="error" id="login-error" role="alert"></p></form>`;
  document.getElementById("login-form").onsubmit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    try {
      await FG.login(f.get("username"), f.get("password"));
      subscribePush();
      location.hash = "#/";
      route();
    } catch (err) { document.getElementById("login-error").textContent = err.message; }
  };
}

function deadline(step, at) { return step ? `${FG.label("deadline", step)} ${FG.fmtTime(at)}` : ""; }

async function listView() {
  const tasks = await FG.api("/tasks/mine");
  if (!tasks.length) { view.innerHTML = `<h2>${t("mine")}</h2><p class="empty">${t("none")}</p>`; return; }
  view.innerHTML = `<h2>${t("mine")} (${tasks.length})</h2>` + tasks.map((k) => `
    <a class="card task-card hazard-${k.hazard} ${k.overdue ? "overdue" : ""}" href="#/task/${k.id}" data-task="${k.id}">
      <h3>${FG.label("hazard", k.hazard)} #${k.incident_id} · ${FG.esc(k.place)}</h3>
      <div class="meta"><span class="status ${k.overdue ? "overdue" : ""}">${k.overdue ? t("overdue") : FG.status(k.status)}</span>
      ${deadline(k.next_step, k.next_deadline)} · ${FG.coords(k.lat, k.lon)}</div></a>`).join("");
}

function navLinks(nav) {
  if (!nav || !nav.amap) return "";
  return `<div class="nav"><a class="secondary" id="nav" href="${FG.esc(nav.amap)}" target="_blank" rel="noopener">${t("navigate")} · ${t("nav_amap")}</a>
    <a href="${FG.esc(nav.baidu)}" target="_blank" rel="noopener">${t("nav_baidu")}</a> · <a href="${FG.esc(nav.geo)}">${t("nav_other")}</a></div>`;
}

function who(task, username) {
  if (username === "firegrid") return t("system");
  return (task.names && task.names[username]) || username;
}

function timelineItem(d, task) {
  const sensor = FG.has("sensor", d.sensor) ? FG.label("sensor", d.sensor) : FG.esc(d.sensor);
  const platform = d.source_kind === "manual" ? FG.esc(who(task, d.platform)) : FG.esc(d.platform);
  const radius = d.footprint_m ? " ±" + FG.metres(d.footprint_m / 2) : "";
  return `<li>${FG.fmtTime(d.observed_at)} ${FG.label("source_kind", d.source_kind)} ${sensor} ${platform} · ${FG.coords(d.lat, d.lon)}${radius}</li>`;
}

function historyItem(e, task) {
  return `<li>${FG.fmtTime(e.at)} ${FG.esc(who(task, e.actor))}: ${FG.label("action", e.action)} → ${FG.status(e.to_status)} ${FG.esc(FG.reasonText(e.reason))}</li>`;
}

async function photoURL(url) {
  const r = await FG.api(url);
  return URL.createObjectURL(await r.blob());
}

async function taskView(id) {
  const task = await FG.api(`/tasks/${id}`);
  dropMap();  // before its element is replaced: a map animating on a detached element throws
  const inc = task.incident;
  view.innerHTML = `
    <a href="#/">‹ ${t("back")}</a>
    <h2>${FG.label("hazard", inc.hazard)} #${inc.id} <span class="status" id="task-status">${FG.status(task.status)}</span></h2>
    <div class="meta">${FG.esc(task.place)} · ${FG.coords(inc.lat, inc.lon)} · ${deadline("verify", task.verify_by)}</div>
    <div id="map"></div>
    ${navLinks(task.navigation)}
    <div class="actions" id="actions"></div>
    <h3>${t("photos")}</h3><div class="photos" id="photos"></div>
    <h3>${t("timeline")} ${inc.confidence != null ? `· ${t("confidence")} ${Math.round(inc.confidence * 100)}%` : ""}</h3>
    <ol class="events" id="timeline">${(task.timeline || []).map((d) => timelineItem(d, task)).join("")}</ol>
    <h3>${t("history")}</h3><ol class="events" id="history">${task.events.map((e) => historyItem(e, task)).join("")}</ol>`;
  drawMap(task);
  addActions(id, task);
  showPhotos(task);
}

function addActions(id, task) {
  const actions = document.getElementById("actions");
  const post = (path, json) => Outbox.add({ url: `/tasks/${id}/${path}`, json: Object.assign(here(), json || {}) });
  const button = (label, cls, fn) => { const b = document.createElement("button"); b.className = cls; b.textContent = label; b.onclick = fn; actions.appendChild(b); return b; };
  const open = ["new", "dispatched", "acknowledged", "on_site"].includes(task.status);
  if (["new", "dispatched"].includes(task.status)) button(t("acknowledge"), "primary", () => post("acknowledge").then(() => taskView(id)));
  if (task.status === "acknowledged") button(t("on_site"), "primary", () => post("on-site").then(() => taskView(id)));
  if (open || task.status === "confirmed") actions.appendChild(photoInput(id));
  if (task.status === "on_site") {
    button(t("confirm"), "primary", () => verdict(id, { verdict: "confirmed" }, task));
    actions.appendChild(rejectForm(id, task));
  }
  if (task.status === "confirmed") button(t("handled"), "primary", () => post("handled", { note: null }).then(() => taskView(id)));
}

function photoInput(id) {
  const input = document.createElement("input");
  Object.assign(input, { type: "file", accept: "image/*", id: "photo-input" });
  input.setAttribute("capture", "environment");
  input.onchange = async () => {
    for (const file of input.files) {
      await Outbox.add({ url: `/tasks/${id}/evidence`, photo: file, name: file.name,
        fields: Object.assign({ taken_at: new Date().toISOString() }, position || {}) });
    }
    taskView(id);
  };
  const label = document.createElement("label");
  label.className = "secondary photo-button"; label.textContent = t("photo"); label.appendChild(input);
  return label;
}

function rejectForm(id, task) {
  const form = document.createElement("form");
  form.id = "reject-form";
  form.innerHTML = `<label for="reason-code">${t("reason")}</label>
    <select id="reason-code" name="reason_code">${REASONS.map((r) => `<option value="${r}">${FG.label("reason", r)}</option>`).join("")}</select>
    <label for="reason-text">${t("reason_text")}</label><textarea id="reason-text" name="reason_text"></textarea>
    <button class="secondary" type="submit">${t("reject")}</button>`;
  form.onsubmit = (e) => { e.preventDefault(); const f = new FormData(form);
    verdict(id, { verdict: "rejected", reason_code: f.get("reason_code"), reason_text: f.get("reason_text") || null }, task); };
  return form;
}

function showPhotos(task) {
  const photos = document.getElementById("photos");
  for (const ev of task.evidence) {
    const img = document.createElement("img");
    const flags = (ev.flags || []).map((f) => FG.label("flag", f)).join("、");
    img.alt = t("photo_alt"); img.title = flags;
    photoURL(ev.url).then((u) => { img.src = u; }).catch(() => {});
    photos.appendChild(img);
    if (flags) { const f = document.createElement("div"); f.className = "flags"; f.textContent = flags; photos.appendChild(f); }
  }
}

async function verdict(id, body, task) {
  const queued = (await Outbox.all()).some((i) => i.photo && i.url === `/tasks/${id}/evidence`);
  if (!task.evidence.length && !queued && !["outside_my_area", "duplicate"].includes(body.reason_code)) {
    alert(t("need_photo")); return;
  }
  await Outbox.add({ url: `/tasks/${id}/verdict`, json: Object.assign(here(), body) });
  taskView(id);
}

let map = null;
function dropMap() { if (map) { map.remove(); map = null; } }
async function drawMap(task) {
  if (typeof L === "undefined") return;
  dropMap();
  const inc = task.incident;
  const here = map = L.map("map", { attributionControl: false, zoomAnimation: false }).setView([inc.lat, inc.lon], 15);
  FG.basemap(here);
  if (position) L.circleMarker([position.lat, position.lon], { radius: 12, color: "#2980b9", weight: 2, fillColor: "#2980b9", fillOpacity: 0.25 }).addTo(here);
  L.circleMarker([inc.lat, inc.lon], { radius: 8, color: "#fff", weight: 2, fillColor: "#c0392b", fillOpacity: 1 }).addTo(here);
  try {
    const cell = await FG.api(`/grid/cells/${task.cell_code}`);
    if (here !== map) return;   // the page moved on while the cell loaded
    const layer = L.geoJSON(cell, { style: { color: "#2c3e50", weight: 2, fillOpacity: 0.05 } }).addTo(here);
    layer.bringToBack();
    here.fitBounds(layer.getBounds().extend([inc.lat, inc.lon]), { maxZoom: 16, animate: false });
  } catch (e) { /* the point alone */ }
}

async function subscribePush() {
  try {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
    const reg = await navigator.serviceWorker.register("sw.js", { scope: "/app/" });
    const allowed = Notification.permission === "granted" || (await Notification.requestPermission()) === "granted";
    if (!allowed) return;   // asked once; the browser remembers a refusal
    const { key } = await FG.api("/push/key");
    const pad = "=".repeat((4 - (key.length % 4)) % 4);
    const raw = Uint8Array.from(atob((key + pad).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: raw });
    await FG.api("/push/subscriptions", { method: "POST", json: sub.toJSON() });
  } catch (e) { console.info("web push unavailable:", e.message); }
}

async function route() {
  window.appReady = false;
  renderHeader();
  if (!FG.token()) { loginView(); window.appReady = true; return; }
  const m = location.hash.match(/^#\/task\/(\d+)/);
  try { await (m ? taskView(+m[1]) : listView()); }
  catch (e) { if (e.status === 401) { renderHeader(); loginView(); } else view.innerHTML = `<p class="error">${FG.esc(e.message)}</p>`; }
  window.appReady = true;
}

Outbox.on((event) => {
  if (event.type === "pending") { pending = event.n; renderHeader(); }
  if (event.type === "refused") alert(t("refused") + ": " + event.detail);
});
document.getElementById("lang").onclick = () => { FG.setLang(FG.state.lang === "zh" ? "en" : "zh"); route(); };
document.getElementById("logout").onclick = () => { FG.logout(); route(); };
window.addEventListener("hashchange", route);
window.addEventListener("online", renderHeader);
window.addEventListener("offline", renderHeader);
if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js", { scope: "/app/" }).catch(() => {});
watchPosition();
FG.ready.then(route);
