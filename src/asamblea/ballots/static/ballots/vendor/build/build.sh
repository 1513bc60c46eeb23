#!/bin/sh
# Rebuilds ../noble-ristretto-2.4.0.min.js from the pinned packages of package-lock.json.
# Needs Node.js 20.19+ and npm; nothing else in Asamblea does (see ../README.md).
# Works in a temporary folder, so no node_modules lands among the static files.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/entry.js" "$here/shims.js" "$work/"
cd "$work"
npm ci --ignore-scripts --no-audit --no-fund
npx --no-install esbuild entry.js --bundle --minify --format=iife --target=chrome67 \
  --inject:shims.js --outfile="$here/../noble-ristretto-2.4.0.min.js"
sha256sum "$here/../noble-ristretto-2.4.0.min.js"
