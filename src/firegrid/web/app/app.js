/* The inspector app: my tasks (overdue first), task detail with map, the on-site steps and
   the verdict with photos; submissions queue offline; Web Push when the browser allows it. */
"use strict";
const T = {
  title: { zh: "网格员任务", en: "Inspector tasks" },
  login: { zh: "登录", en: "Log in" },
  logout: { zh: "退出", en: "Log out" },
  username: { zh: "账号", en: "User name" },
  password: { zh: "密码", en: "Password" },
  mine: { zh: "我的任务", en: "My tasks" },
  none: { zh: "暂无任务", en: "No tasks" },
  due: { zh: "截止", en: "due" },
  overdue: { zh: "已逾期", en: "overdue" },
  back: { zh: "返回", en: "Back" },
  navigate: { zh: "导航", en: "Navigate" },
  acknowledge: { zh: "签收", en: "Acknowledge" },
  on_site: { zh: "已到场", en: "I am on site" },
  photo: { zh: "拍照取证", en: "Take photo" },
  confirm: { zh: "查实(确有火点/扬尘)", en: "Confirm" },
  reject: { zh: "查否", en: "Reject" },
  reason: { zh: "查否原因", en: "Reason" },
  reason_text: { zh: "说明", en: "Details" },
  handled: { zh: "处置完毕", en: "Handled" },
  submit: { zh: "提交", en: "Submit" },
  queued: { zh: "待上传", en: "waiting to upload" },
  offline: { zh: "离线", en: "offline" },
  refused: { zh: "提交被拒绝", en: "refused" },
  photos: { zh: "现场照片", en: "Photos" },
  history: { zh: "处理记录", en: "History" },
  timeline: { zh: "证据时间线", en: "Evidence timeline" },
  satellite_product: { zh: "卫星火点", en: "satellite point" }, satellite_scene: { zh: "卫星影像", en: "satellite scene" },
  camera: { zh: "摄像头", en: "camera" }, drone: { zh: "无人机", en: "drone" }, manual: { zh: "现场", en: "on site" },
  registry: { zh: "登记核查", en: "registry" }, confidence: { zh: "置信度", en: "confidence" },
  need_photo: { zh: "请先拍照取证", en: "Take a photo first" },
  no_fire_found: { zh: "未发现火点", en: "no fire found" },
  industrial_heat_source: { zh: "工业热源", en: "industrial heat source" },
  already_extinguished: { zh: "已熄灭", en: "already extinguished" },
  outside_my_area: { zh: "不在本网格", en: "outside my area" },
  duplicate: { zh: "重复任务", en: "duplicate" },
  other: { zh: "其他", en: "other" },
  new: { zh: "新任务", en: "new" }, dispatched: { zh: "已派发", en: "dispatched" },
  acknowledged: { zh: "已签收", en: "acknowledged" }, on_site_s: { zh: "已到场", en: "on site" },
  confirmed: { zh: "查实", en: "confirmed" }, rejected: { zh: "查否", en: "rejected" },
  handled_s: { zh: "已处置", en: "handled" }, closed: { zh: "已销号", en: "closed" },
  fire: { zh: "火点", en: "fire" }, dust: { zh: "扬尘", en: "dust" }, site_compliance: { zh: "工地监控", en: "site" },
};
const t = (k) => FG.t(T, k);
const view = document.getElementById("view");
const STATUS_KEY = { on_site: "on_site_s", handled: "handled_s" };
let position = null, pending = 0;

function statusLabel(s) { return t(STATUS_KEY[s] || s); }

function watchPosition() {
  if (!("geolocation" in navigator)) return;
  navigator.geolocation.watchPosition(
    (p) => { position = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy_m: p.coords.accuracy }; },
    () => {}, { enableHighAccuracy: true, maximumAge: 15000 });
}
function here() { return position ? { lon: position.lon, lat: position.lat } : {}; }

function renderHeader() {
  document.getElementById("title").textContent = "firegrid · " + t("title") + (FG.user() ? " · " + FG.user() : "");
  document.getElementById("lang").textContent = FG.state.lang === "zh" ? "EN" : "中文";
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
    <input name="username" autocomplete="username" placeholder="${t("username")}" required>
    <input name="password" type="password" autocomplete="current-password" placeholder="${t("password")}" required>
    <button class="primary" type="submit">${t("login")}</button><p class="error" id="login-error"></p></form>`;
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

async function listView() {
  const tasks = await FG.api("/tasks/mine");
  if (!tasks.length) { view.innerHTML = `<h2>${t("mine")}</h2><p class="empty">${t("none")}</p>`; return; }
  view.innerHTML = `<h2>${t("mine")} (${tasks.length})</h2>` + tasks.map((k) => `
    <a class="card task-card hazard-${k.hazard} ${k.overdue ? "overdue" : ""}" href="#/task/${k.id}" data-task="${k.id}">
      <h3>${t(k.hazard)} #${k.incident_id} · ${FG.esc(k.place)}</h3>
      <div class="meta"><span class="status ${k.overdue ? "overdue" : ""}">${k.overdue ? t("overdue") : statusLabel(k.status)}</span>
      ${t("due")} ${FG.fmtTime(k.next_deadline)} · ${k.lat.toFixed(5)}N ${k.lon.toFixed(5)}E</div></a>`).join("");
}

function navLink(lat, lon) {
  const android = /android/i.test(navigator.userAgent);
  return android ? `geo:${lat},${lon}?q=${lat},${lon}` : `https://uri.amap.com/marker?position=${lon},${lat}&coordinate=wgs84`;
}

async function photoURL(url) {
  const r = await FG.api(url);
  return URL.createObjectURL(await r.blob());
}

async function taskView(id) {
  const task = await FG.api(`/tasks/${id}`);
  const inc = task.incident;
  const reasons = ["no_fire_found", "industrial_heat_source", "already_extinguished", "outside_my_area", "duplicate", "other"];
  view.innerHTML = `
    <a href="#/">‹ ${t("back")}</a>
    <h2>${t(inc.hazard)} #${inc.id} <span class="status" id="task-status">${statusLabel(task.status)}</span></h2>
    <div class="meta">${FG.esc(task.place)} · ${inc.lat.toFixed(5)}N ${inc.lon.toFixed(5)}E · ${t("due")} ${FG.fmtTime(task.verify_by)}</div>
    <div id="map"></div>
    <a class="secondary" id="nav" href="${navLink(inc.lat, inc.lon)}">${t("navigate")}</a>
    <div class="actions" id="actions"></div>
    <h3>${t("photos")}</h3><div class="photos" id="photos"></div>
    <h3>${t("timeline")} ${inc.confidence != null ? `· ${t("confidence")} ${Math.round(inc.confidence * 100)}%` : ""}</h3>
    <ol class="events" id="timeline">${(task.timeline || []).map((d) =>
      `<li>${FG.fmtTime(d.observed_at)} ${t(d.source_kind)} ${FG.esc(d.sensor)} ${FG.esc(d.platform)} · ${d.lat.toFixed(5)}N ${d.lon.toFixed(5)}E${d.footprint_m ? " ±" + Math.round(d.footprint_m / 2) + " m" : ""}</li>`).join("")}</ol>
    <h3>${t("history")}</h3><ol class="events">${task.events.map((e) =>
      `<li>${FG.fmtTime(e.at)} ${FG.esc(e.actor)}: ${FG.esc(e.action)} → ${statusLabel(e.to_status)} ${FG.esc(e.reason || "")}</li>`).join("")}</ol>`;
  drawMap(task);
  const actions = document.getElementById("actions");
  const post = (path, json) => Outbox.add({ url: `/tasks/${id}/${path}`, json: Object.assign(here(), json || {}) });
  const button = (label, cls, fn) => { const b = document.createElement("button"); b.className = cls; b.textContent = label; b.onclick = fn; actions.appendChild(b); return b; };
  const open = ["new", "dispatched", "acknowledged", "on_site"].includes(task.status);
  if (["new", "dispatched"].includes(task.status)) button(t("acknowledge"), "primary", () => post("acknowledge").then(() => taskView(id)));
  if (task.status === "acknowledged") button(t("on_site"), "primary", () => post("on-site").then(() => taskView(id)));
  if (open || task.status === "confirmed") {
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
    label.className = "secondary"; label.textContent = t("photo"); label.appendChild(input);
    actions.appendChild(label);
  }
  if (task.status === "on_site") {
    button(t("confirm"), "primary", () => verdict(id, { verdict: "confirmed" }, task));
    const form = document.createElement("form");
    form.id = "reject-form";
    form.innerHTML = `<select name="reason_code">${reasons.map((r) => `<option value="${r}">${t(r)}</option>`).join("")}</select>
      <textarea name="reason_text" placeholder="${t("reason_text")}"></textarea><button class="secondary" type="submit">${t("reject")}</button>`;
    form.onsubmit = (e) => { e.preventDefault(); const f = new FormData(form);
      verdict(id, { verdict: "rejected", reason_code: f.get("reason_code"), reason_text: f.get("reason_text") || null }, task); };
    actions.appendChild(form);
  }
  if (task.status === "confirmed") button(t("handled"), "primary", () => post("handled", { note: null }).then(() => taskView(id)));
  const photos = document.getElementById("photos");
  for (const ev of task.evidence) {
    const img = document.createElement("img");
    img.alt = "evidence"; img.title = (ev.flags || []).join(", ");
    photoURL(ev.url).then((u) => { img.src = u; }).catch(() => {});
    photos.appendChild(img);
    if (ev.flags && ev.flags.length) { const f = document.createElement("div"); f.className = "flags"; f.textContent = ev.flags.join(", "); photos.appendChild(f); }
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
async function drawMap(task) {
  if (typeof L === "undefined") return;
  if (map) { map.remove(); map = null; }
  const inc = task.incident;
  map = L.map("map", { attributionControl: false }).setView([inc.lat, inc.lon], 15);
  try {
    const cell = await FG.api(`/grid/cells/${task.cell_code}`);
    const layer = L.geoJSON(cell, { style: { color: "#2c3e50", weight: 2, fillOpacity: 0.05 } }).addTo(map);
    map.fitBounds(layer.getBounds().extend([inc.lat, inc.lon]), { maxZoom: 16 });
  } catch (e) { /* the point alone */ }
  L.circleMarker([inc.lat, inc.lon], { radius: 9, color: "#fff", weight: 2, fillColor: "#c0392b", fillOpacity: 1 }).addTo(map);
  if (position) L.circleMarker([position.lat, position.lon], { radius: 7, color: "#fff", weight: 2, fillColor: "#2980b9", fillOpacity: 1 }).addTo(map);
}

async function subscribePush() {
  try {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return;
    const reg = await navigator.serviceWorker.register("sw.js", { scope: "/app/" });
    if (Notification.permission === "denied") return;
    const { key } = await FG.api("/push/key");
    const pad = "=".repeat((4 - (key.length % 4)) % 4);
    const raw = Uint8Array.from(atob((key + pad).replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: raw });
    await FG.api("/push/subscriptions", { method: "POST", json: sub.toJSON() });
  } catch (e) { console.info("web push unavailable:", e.message); }
}

async function route() {
  renderHeader();
  if (!FG.token()) return loginView();
  const m = location.hash.match(/^#\/task\/(\d+)/);
  try { await (m ? taskView(+m[1]) : listView()); }
  catch (e) { if (e.status === 401) return loginView(); view.innerHTML = `<p class="error">${FG.esc(e.message)}</p>`; }
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
route();
