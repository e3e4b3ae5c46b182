/* firegrid pages: token, API calls, the message catalogue and the time rule. Loaded by the inspector app
   and the review page. Labels come from GET /i18n/messages.json (one catalogue for the server and both
   pages); times are shown in the zone the server announces, as "12月5日 17:00" (firegrid.localtime). */
"use strict";
const FG = (() => {
  const TOKEN = "firegrid.token", USER = "firegrid.user", NAME = "firegrid.name", LANG = "firegrid.lang";
  const state = { lang: localStorage.getItem(LANG) || "zh", zone: "Asia/Shanghai", messages: {} };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  const ready = fetch("/i18n/messages.json")
    .then((r) => r.json())
    .then((d) => { state.messages = d.messages; state.zone = d.zone; })
    .catch(() => {});   // offline and not cached yet: keys are shown

  function token() { return localStorage.getItem(TOKEN); }
  function user() { return localStorage.getItem(NAME) || localStorage.getItem(USER); }
  function logout() { [TOKEN, USER, NAME].forEach((k) => localStorage.removeItem(k)); }
  function langHeader() { return { "Accept-Language": state.lang === "en" ? "en" : "zh-CN" }; }

  async function failure(r) {
    const body = await r.json().catch(() => ({}));
    const text = body.message || (typeof body.detail === "string" ? body.detail : "") || t("error.error");
    return Object.assign(new Error(text), { status: r.status, code: body.code });
  }

  async function login(username, password) {
    const body = new URLSearchParams({ username, password });
    const r = await fetch("/auth/token", { method: "POST", body, headers: langHeader() });
    if (!r.ok) throw await failure(r);
    const data = await r.json();
    localStorage.setItem(TOKEN, data.access_token);
    localStorage.setItem(USER, username);
    const me = await api("/auth/me").catch(() => null);
    if (me && me.display_name) localStorage.setItem(NAME, me.display_name);
    return data;
  }

  async function api(path, options = {}) {
    const headers = Object.assign(langHeader(), options.headers || {});
    if (token()) headers.Authorization = "Bearer " + token();
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    const r = await fetch(path, Object.assign({}, options, { headers }));
    if (r.status === 401) { logout(); throw Object.assign(new Error(t("error.not_authenticated")), { status: 401 }); }
    if (!r.ok) throw await failure(r);
    const type = r.headers.get("content-type") || "";
    return type.includes("json") ? r.json() : r;
  }

  function t(key, params) {
    const entry = state.messages[key];
    const text = entry ? (entry[state.lang] || entry.zh) : key;
    return params ? text.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m)) : text;
  }
  function has(group, code) { return code != null && (group + "." + code) in state.messages; }
  function label(group, code) {
    if (code == null) return "—";
    return has(group, code) ? t(group + "." + code) : String(code);
  }
  function status(code) { return has("status", code) ? label("status", code) : label("map_status", code); }

  function setLang(lang) { state.lang = lang; localStorage.setItem(LANG, lang); document.documentElement.lang = lang === "en" ? "en" : "zh-CN"; }

  function parts(date) {
    const f = new Intl.DateTimeFormat("en-GB", { timeZone: state.zone, year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
  }
  function fmtTime(iso) {   // "12月5日 17:00" in the server's zone; the year when it is not this year
    if (!iso) return "—";
    const p = parts(new Date(iso)), year = p.year !== parts(new Date()).year;
    if (state.lang === "en") return `${+p.day} ${MONTHS[p.month - 1]}${year ? " " + p.year : ""} ${p.hour}:${p.minute}`;
    return `${year ? p.year + "年" : ""}${+p.month}月${+p.day}日 ${p.hour}:${p.minute}`;
  }
  function offsetMin(date) {   // the zone's UTC offset at that instant, in minutes
    const p = parts(date);
    return (Date.UTC(+p.year, p.month - 1, +p.day, +p.hour % 24, +p.minute) - Math.floor(date.getTime() / 60000) * 60000) / 60000;
  }
  function zoneWall(date) {    // the zone's wall-clock fields of an instant
    const p = parts(date);
    return { year: +p.year, month: +p.month, day: +p.day, hour: +p.hour % 24, minute: +p.minute };
  }
  function fromZoneWall(year, month, day, hour = 0, minute = 0) {   // wall-clock time in the zone -> Date
    const guess = Date.UTC(year, month - 1, day, hour, minute);
    const first = guess - offsetMin(new Date(guess)) * 60000;
    return new Date(guess - offsetMin(new Date(first)) * 60000);
  }
  function toZoneInput(date) {   // a datetime-local value showing the zone's wall-clock time
    const w = zoneWall(date), pad = (n) => String(n).padStart(2, "0");
    return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  }
  function fromZoneInput(value) {   // a datetime-local value read as the zone's wall-clock time
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
    return m ? fromZoneWall(+m[1], +m[2], +m[3], +m[4], +m[5]) : null;
  }
  function coords(lat, lon) { return t("ui.lat_lon", { lat: lat.toFixed(5), lon: lon.toFixed(5) }); }
  function metres(m) { return Math.round(m) + " " + t("ui.metres"); }
  function reasonText(reason) {   // "no_fire_found: text" -> "未发现火点: text"
    if (!reason) return "";
    const m = /^([a-z_]+)(?::\s*([\s\S]*))?$/.exec(reason);
    if (m && has("reason", m[1])) return label("reason", m[1]) + (m[2] ? ": " + m[2] : "");
    return reason;
  }

  function esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  return { state, ready, token, user, login, logout, api, langHeader, t, has, label, status, setLang, fmtTime, coords,
    metres, reasonText, esc, zoneWall, fromZoneWall, toZoneInput, fromZoneInput };
})();
