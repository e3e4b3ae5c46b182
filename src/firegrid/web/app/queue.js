/* The inspector's submissions, queued in IndexedDB and retried until the server has them.
   Actions are sent in order; a network failure keeps them (and retries with backoff), a
   refusal by the server (4xx) drops the action and reports why. Photos keep their bytes. */
"use strict";
const Outbox = (() => {
  const DB = "firegrid", STORE = "outbox";
  let running = Promise.resolve(), delay = 2000, listeners = [];

  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(mode, fn) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const result = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(result && result.result !== undefined ? result.result : result);
      t.onerror = () => reject(t.error);
    });
  }
  const all = () => tx("readonly", (s) => s.getAll());
  const remove = (id) => tx("readwrite", (s) => s.delete(id));

  async function add(action) {
    await tx("readwrite", (s) => s.add(Object.assign({ at: new Date().toISOString() }, action)));
    notify();
    return flush();   // resolves once the queue was tried (the action may still wait if offline)
  }

  async function send(item) {
    const headers = Object.assign(FG.langHeader(), { Authorization: "Bearer " + FG.token() });
    let body;
    if (item.photo) {
      body = new FormData();
      body.append("photo", item.photo, item.name || "photo.jpg");
      for (const [k, v] of Object.entries(item.fields || {})) if (v !== null && v !== undefined) body.append(k, v);
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.json || {});
    }
    return fetch(item.url, { method: "POST", headers, body });
  }

  function flush() {   // one pass at a time, in order
    running = running.then(pass, pass);
    return running;
  }
  async function pass() {
    if (!FG.token()) return;
    try {
      for (const item of await all()) {
        let r;
        try { r = await send(item); } catch (e) { schedule(); return; }    // offline: keep it
        if (r.status >= 500 || r.status === 429) { schedule(); return; }
        await remove(item.id);
        if (!r.ok) { const body = await r.json().catch(() => ({})); report(item, body.message || body.detail || r.statusText); }
        delay = 2000;
      }
    } finally { notify(); }
  }
  function schedule() { setTimeout(flush, delay); delay = Math.min(delay * 2, 60000); }
  function report(item, detail) { for (const l of listeners) l({ type: "refused", item, detail }); }
  async function notify() { const n = (await all()).length; for (const l of listeners) l({ type: "pending", n }); }
  function on(fn) { listeners.push(fn); }

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  return { add, flush, all, on };
})();
