#!/usr/bin/env bash
# Install Leaflet, leaflet.heat and Swagger UI from the npm registry (versions locked in
# web/package-lock.json) and copy their dist files into the package, so no page (not even /docs) ever
# loads a script from outside the server. Install scripts are not run (swagger-ui-dist's analytics
# dependency would phone home).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=src/firegrid/web/static/vendor
STAMP="$OUT/.package-lock.json"
if [ -f "$STAMP" ] && cmp -s "$STAMP" web/package-lock.json; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "vendor: npm not found; install Node.js (apt-get install nodejs npm)" >&2
    exit 1
fi
(cd web && SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
rm -rf "$OUT"
mkdir -p "$OUT/leaflet" "$OUT/leaflet.heat" "$OUT/swagger-ui"
cp web/node_modules/leaflet/dist/leaflet.js web/node_modules/leaflet/dist/leaflet.css "$OUT/leaflet/"
cp -r web/node_modules/leaflet/dist/images "$OUT/leaflet/"
cp web/node_modules/leaflet/LICENSE "$OUT/leaflet/LICENSE"
cp web/node_modules/leaflet.heat/dist/leaflet-heat.js "$OUT/leaflet.heat/"
cp web/node_modules/leaflet.heat/LICENSE "$OUT/leaflet.heat/LICENSE" 2>/dev/null || true
SWAGGER=web/node_modules/swagger-ui-dist
cp "$SWAGGER/swagger-ui-bundle.js" "$SWAGGER/swagger-ui.css" "$SWAGGER/oauth2-redirect.html" \
   "$SWAGGER/oauth2-redirect.js" "$SWAGGER/LICENSE" "$OUT/swagger-ui/"
cp web/package-lock.json "$STAMP"
version() { node -p "require('./web/node_modules/$1/package.json').version"; }
echo "vendor: leaflet $(version leaflet), leaflet.heat $(version leaflet.heat), swagger-ui $(version swagger-ui-dist) -> $OUT"
