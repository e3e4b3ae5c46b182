#!/usr/bin/env bash
# Install Leaflet and leaflet.heat from the npm registry (versions locked in web/package-lock.json)
# and copy their dist files into the package, so no page ever loads a script from outside the server.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=src/firegrid/web/static/vendor
if [ -f "$OUT/leaflet/leaflet.js" ] && [ -f "$OUT/leaflet.heat/leaflet-heat.js" ] && [ "$OUT/leaflet/leaflet.js" -nt web/package-lock.json ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "vendor: npm not found; install Node.js (apt-get install nodejs npm)" >&2
    exit 1
fi
(cd web && npm ci --no-audit --no-fund --loglevel=error)
rm -rf "$OUT"
mkdir -p "$OUT/leaflet" "$OUT/leaflet.heat"
cp web/node_modules/leaflet/dist/leaflet.js web/node_modules/leaflet/dist/leaflet.css "$OUT/leaflet/"
cp -r web/node_modules/leaflet/dist/images "$OUT/leaflet/"
cp web/node_modules/leaflet/LICENSE "$OUT/leaflet/LICENSE"
cp web/node_modules/leaflet.heat/dist/leaflet-heat.js "$OUT/leaflet.heat/"
cp web/node_modules/leaflet.heat/LICENSE "$OUT/leaflet.heat/LICENSE" 2>/dev/null || true
echo "vendor: leaflet $(node -p "require('./web/node_modules/leaflet/package.json').version"), leaflet.heat $(node -p "require('./web/node_modules/leaflet.heat/package.json').version") -> $OUT"
