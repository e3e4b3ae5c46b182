#!/usr/bin/env bash
# Install the services the test suite starts on 127.0.0.1: Redis and PostgreSQL + PostGIS
# (Debian packages), ffmpeg for camera streams, and Debian's Chromium (+ CJK fonts) for the
# Playwright browser tests. Nothing is started here: the tests start and stop their own servers.
set -euo pipefail

have_redis() { command -v redis-server >/dev/null 2>&1; }
have_ffmpeg() { command -v ffmpeg >/dev/null 2>&1; }
have_chromium() { [ -x /usr/bin/chromium ] && ls /usr/share/fonts/opentype/noto/NotoSansCJK* >/dev/null 2>&1; }
have_postgis() { ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }

if have_redis && have_postgis && have_ffmpeg && have_chromium; then
    echo "services: redis-server, PostgreSQL/PostGIS, ffmpeg and chromium already installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "services: apt-get not found; install redis-server, PostgreSQL and PostGIS yourself" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends redis-server postgresql postgresql-postgis ffmpeg \
    chromium fonts-noto-cjk >/dev/null
echo "services: installed redis-server, PostgreSQL + PostGIS, ffmpeg, chromium and CJK fonts"
