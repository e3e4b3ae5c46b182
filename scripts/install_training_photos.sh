#!/usr/bin/env bash
# Everyday photos used as training negatives (training/review/everyday-negatives.csv): Debian packages,
# read in place by `firegrid model train`. Training only; the service and the tests do not need them.
set -euo pipefail
packages=(opencv-doc mate-backgrounds plasma-workspace-wallpapers ukui-wallpapers)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
