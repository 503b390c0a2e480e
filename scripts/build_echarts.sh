#!/usr/bin/env bash
# Rebuild web/static/vendor/echarts.min.js: a custom build of Apache ECharts with only the charts and
# components web/static/js/charts.js uses (line, bar, pie, heatmap, funnel; grid, tooltip, legend,
# visual map, ARIA; canvas), bundled and minified by esbuild from the npm package. The full
# dist/echarts.min.js is 1.1 MB; this is about a third of it. Needs node and npm (the npm registry).
#   bash scripts/build_echarts.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/echarts/package.json" "$here/echarts/entry.js" "$work/"
(cd "$work" && npm install --no-audit --no-fund --silent)
esbuild="$work/node_modules/.bin/esbuild"
[ -x "$work/node_modules/@esbuild/linux-x64/bin/esbuild" ] && esbuild="$work/node_modules/@esbuild/linux-x64/bin/esbuild"
out="$root/web/static/vendor/echarts.min.js"
"$esbuild" "$work/entry.js" --bundle --minify --format=iife --target=es2018 \
  --define:process.env.NODE_ENV=\"production\" --legal-comments=none \
  --banner:js="/*! Apache ECharts 6.1.0 (custom build: scripts/build_echarts.sh) | Apache-2.0, see echarts.LICENSE and echarts.NOTICE */" \
  --outfile="$out"
cp "$work/node_modules/echarts/LICENSE" "$root/web/static/vendor/echarts.LICENSE"
cp "$work/node_modules/echarts/NOTICE" "$root/web/static/vendor/echarts.NOTICE"
ls -l "$out"
gzip -9c "$out" | wc -c | awk '{printf "gzip -9: %d bytes\n", $1}'
