#!/usr/bin/env bash
# Fetches pinned front-end files (htmx, Swagger UI) from npm into build/vendor and copies them into the
# package's static folder. Pages work without JavaScript, so a missing npm is only a note.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/vendor"
target="$root/src/minsheng/web/static/vendor"
lock="$root/scripts/vendor/package-lock.json"

if ! command -v npm >/dev/null 2>&1; then
  echo "note: npm not found; skipping htmx (pages work without JavaScript)."
  exit 0
fi

# Nothing to do when the copied file is newer than the lock file that pinned it.
if [[ -f "$target/htmx.min.js" && "$target/htmx.min.js" -nt "$lock" && -f "$target/swagger-ui/swagger-ui-bundle.js" ]]; then
  echo "vendor: htmx.min.js is up to date."
  exit 0
fi

mkdir -p "$build" "$target"
cp "$root/scripts/vendor/package.json" "$lock" "$build/"
# npm ci installs exactly the lock file, checking each package's integrity hash.
if ! (cd "$build" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
  echo "note: npm could not fetch htmx; continuing without it (pages work without JavaScript)." >&2
  exit 0
fi
cp "$build/node_modules/htmx.org/dist/htmx.min.js" "$target/htmx.min.js"
# The API docs page (/api/v1/docs) uses these when present, so it works on an intranet.
mkdir -p "$target/swagger-ui"
cp "$build/node_modules/swagger-ui-dist/"{swagger-ui-bundle.js,swagger-ui.css} "$target/swagger-ui/"
echo "vendor: htmx $(node -p "require('$build/node_modules/htmx.org/package.json').version" 2>/dev/null || echo '?') -> ${target#"$root"/}/htmx.min.js"
