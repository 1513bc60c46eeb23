#!/bin/sh
# Rebuilds ../noble-ristretto-2.4.0.min.js from the pinned packages of package-lock.json.
# Needs Node.js 20.19+ and npm; nothing else in Asamblea does (see ../README.md).
set -eu
cd "$(dirname "$0")"
npm ci --ignore-scripts --no-audit --no-fund
npx --no-install esbuild entry.js --bundle --minify --format=iife --target=chrome67 \
  --inject:shims.js --outfile=../noble-ristretto-2.4.0.min.js
sha256sum ../noble-ristretto-2.4.0.min.js
