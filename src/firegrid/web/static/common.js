/* firegrid pages: token, API calls, language. Loaded by the inspector app and the review page. */
"use strict";
const FG = (() => {
  const TOKEN = "firegrid.token", USER = "firegrid.user", LANG = "firegrid.lang";
  const state = { lang: localStorage.getItem(LANG) || "zh" };

  function token() { return localStorage.getItem(TOKEN); }
  function user() { return localStorage.getItem(USER); }
  function logout() { localStorage.removeItem(TOKEN); localStorage.removeItem(USER); }

  async function login(username, password) {
    const body = new URLSearchParams({ username, password });
    const r = await fetch("/auth/token", { method: "POST", body });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.statusText);
    const data = await r.json();
    localStorage.setItem(TOKEN, data.access_token);
    localStorage.setItem(USER, username);
    return data;
  }

  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (token()) headers.Authorization = "Bearer " + token();
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(options.json);
    }
    const r = await fetch(path, Object.assign({}, options, { headers }));
    if (r.status === 401) { logout(); throw Object.assign(new Error("unauthorised"), { status: 401 }); }
    if (!r.ok) {
      const detail = (await r.json().catch(() => ({}))).detail;
      throw Object.assign(new Error(typeof detail === "string" ? detail : r.statusText), { status: r.status });
    }
    const type = r.headers.get("content-type") || "";
    return type.includes("json") ? r.json() : r;
  }

  function t(dict, key) {
    const entry = dict[key];
    if (!entry) return key;
    return entry[state.lang] || entry.zh || key;
  }

  function setLang(lang) { state.lang = lang; localStorage.setItem(LANG, lang); }

  function fmtTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  }

  function esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }

  return { state, token, user, login, logout, api, t, setLang, fmtTime, esc };
})();
