/* The configured basemap (GET /basemap.json): none by default; Tianditu, an XYZ/WMTS template or local
   MBTiles/PMTiles tiles otherwise. Tiles sit below the grid polygons and points. */
"use strict";
FG.basemap = (() => {
  let config = null;
  async function load() {
    if (!config) config = FG.api("/basemap.json").catch(() => ({ kind: "none", layers: [] }));
    return config;
  }
  return async function addTo(map) {
    const cfg = await load();
    const credits = [];
    for (const layer of cfg.layers) {
      L.tileLayer(layer.url, { subdomains: layer.subdomains || "abc", minZoom: layer.minZoom, maxZoom: layer.maxZoom })
        .addTo(map);
      if (layer.attribution) credits.push(layer.attribution);
    }
    if (credits.length) L.control.attribution({ prefix: false }).addAttribution(credits.map(FG.esc).join(" · ")).addTo(map);
    return cfg.layers.length;
  };
})();
