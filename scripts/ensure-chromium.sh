#!/usr/bin/env bash
# The gallery's browser test drives Debian's Chromium through playwright-core, which never downloads a
# browser of its own. Install it when missing, so `pnpm test` works on a machine with only Node and npm.
set -euo pipefail
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  apt_get=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt_get=(sudo apt-get)
else
  echo "Chromium is missing: install Debian's 'chromium' package (or set CHROMIUM_PATH) to run the browser test." >&2
  exit 1
fi
echo "Installing Debian's chromium for the gallery's browser test..."
"${apt_get[@]}" update -qq
DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -qq chromium >/dev/null
