/* Service worker: the app shell (and the message catalogue) offline, and Web Push notifications. */
const CACHE = "firegrid-app-v2";
const SHELL = ["/app/", "/app/app.js", "/app/queue.js", "/app/app.css", "/app/manifest.webmanifest", "/app/icon.svg",
  "/static/common.js", "/static/basemap.js", "/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
  "/i18n/messages.json"];   // the labels, so the app reads right offline

self.addEventListener("install", (e) => e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting())));
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || !SHELL.includes(url.pathname)) return;   // API calls always go to the network
  e.respondWith(fetch(e.request).then((r) => { const copy = r.clone(); caches.open(CACHE).then((c) => c.put(e.request, copy)); return r; })
    .catch(() => caches.match(e.request)));
});
self.addEventListener("push", (e) => {
  const data = e.data ? e.data.json() : {};
  e.waitUntil(self.registration.showNotification(data.title || "firegrid", {
    body: data.body || "", tag: data.task_id ? "task-" + data.task_id : undefined,
    data: { url: data.task_id ? "/app/#/task/" + data.task_id : "/app/" }, requireInteraction: true,
  }));
});
self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  e.waitUntil(self.clients.openWindow(e.notification.data.url));
});
