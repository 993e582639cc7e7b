#!/usr/bin/env bash
# Refresh the vendored front-end files in keepwell/static/vendor/ from the npm registry.
#
#   bash scripts/vendor_static.sh
#
# To upgrade a package: change its pinned version below, run this script, read the
# package's changelog, check keepwell/static/vendor/USAGE.md still matches, and commit
# keepwell/static/vendor/ together with this script.
#
# Only the compiled, minified files needed at run time are copied (no source maps, no
# SCSS or source files, no unminified duplicates). keepwell/static/vendor/VERSIONS.md is
# written by this script; keepwell/static/vendor/USAGE.md is hand-written and untouched.
set -euo pipefail

# Pinned versions (exact).
NHSUK_FRONTEND_VERSION="10.6.1" # latest 10.x
HTMX_VERSION="2.0.11"           # latest 2.x (npm package "htmx.org")
LEAFLET_VERSION="1.9.4"         # latest 1.9.x
# Groups map markers that would overlap, so every marker keeps a 24 x 24 px target (WCAG 2.2).
MARKERCLUSTER_VERSION="1.5.3"   # latest 1.x (npm package "leaflet.markercluster")

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/keepwell/static/vendor"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

die() {
  echo "vendor_static: $*" >&2
  exit 1
}

command -v npm >/dev/null || die "npm is needed (apt-get install npm, or Node.js)"
command -v node >/dev/null || die "node is needed"

# fetch NAME VERSION: download NAME@VERSION's tarball from the npm registry (npm checks
# its integrity), unpack it into $TMP/src/NAME and record the tarball's integrity.
fetch() {
  local name="$1" version="$2"
  mkdir -p "$TMP/tgz" "$TMP/src/$name"
  (cd "$TMP/tgz" && npm pack --json --ignore-scripts --pack-destination "$TMP/tgz" "$name@$version" \
    >"$TMP/tgz/$name.json" 2>"$TMP/tgz/$name.err") ||
    { cat "$TMP/tgz/$name.err" >&2; die "npm pack $name@$version failed"; }
  node -e '
    const [info] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    process.stdout.write(info.filename + "\n" + info.integrity + "\n");
  ' "$TMP/tgz/$name.json" >"$TMP/tgz/$name.meta"
  tar -xzf "$TMP/tgz/$(sed -n 1p "$TMP/tgz/$name.meta")" -C "$TMP/src/$name" --strip-components=1
  local got
  got="$(node -p 'require(process.argv[1]).version' "$TMP/src/$name/package.json")"
  [[ "$got" == "$version" ]] || die "$name: wanted $version, got $got"
}

integrity() { sed -n 2p "$TMP/tgz/$1.meta"; }
license_id() { node -p 'require(process.argv[1]).license' "$TMP/src/$1/package.json"; }

# strip_source_map FILE: drop the trailing sourceMappingURL comment, since the .map files
# are not vendored (and Django's ManifestStaticFilesStorage fails on a missing map).
strip_source_map() {
  sed -i -E '/^[[:space:]]*(\/\/# sourceMappingURL=.*|\/\*# sourceMappingURL=.*\*\/)[[:space:]]*$/d' "$1"
  sed -i -E 's@(//# sourceMappingURL=[^[:space:]]*|/\*# sourceMappingURL=[^*]*\*/)$@@' "$1"
  ! grep -q 'sourceMappingURL' "$1" || die "$1: sourceMappingURL left in"
}

# copy_license NAME OUTDIR: the package's own LICENSE file.
copy_license() {
  local src
  src="$(find "$TMP/src/$1" -maxdepth 1 -type f -iname 'licen[cs]e*' | sort | head -n 1)"
  [[ -n "$src" ]] || die "$1: the package has no LICENSE file"
  cp "$src" "$2/LICENSE"
}

echo "Fetching nhsuk-frontend@$NHSUK_FRONTEND_VERSION, htmx.org@$HTMX_VERSION, leaflet@$LEAFLET_VERSION, leaflet.markercluster@$MARKERCLUSTER_VERSION"
fetch nhsuk-frontend "$NHSUK_FRONTEND_VERSION"
fetch htmx.org "$HTMX_VERSION"
fetch leaflet "$LEAFLET_VERSION"
fetch leaflet.markercluster "$MARKERCLUSTER_VERSION"

OUT="$TMP/out"
mkdir -p "$OUT"

# --- nhsuk-frontend ---------------------------------------------------------------
# dist/nhsuk/nhsuk-frontend.min.css   compiled CSS
# dist/nhsuk/nhsuk-frontend.min.js    ES module bundle: load with <script type="module">
#                                     and call initAll() (see USAGE.md)
# dist/nhsuk/assets/                  favicons, app icons, web manifest, icons the CSS uses
# The Frutiger web fonts are not in the package: the CSS loads them from
# https://assets.nhs.uk/fonts/ (Arial is the fallback).
N="$TMP/src/nhsuk-frontend/dist/nhsuk"
O="$OUT/nhsuk-frontend"
mkdir -p "$O"
cp "$N/nhsuk-frontend.min.css" "$N/nhsuk-frontend.min.js" "$O/"
cp -R "$N/assets" "$O/assets"
find "$O/assets" -name '*.map' -delete
strip_source_map "$O/nhsuk-frontend.min.css"
strip_source_map "$O/nhsuk-frontend.min.js"
# The CSS is compiled with the asset path "/assets/" (site root). Here the assets sit
# beside the CSS under STATIC_URL, so make those URLs relative to the CSS file.
sed -i -E 's@url\((["'"'"']?)/assets/@url(\1assets/@g' "$O/nhsuk-frontend.min.css"
if grep -q 'url(["'"'"']\{0,1\}/assets/' "$O/nhsuk-frontend.min.css"; then
  die "nhsuk-frontend.min.css: absolute /assets/ URLs left"
fi
grep -q 'export{[^}]*initAll' "$O/nhsuk-frontend.min.js" ||
  die "nhsuk-frontend.min.js: no initAll export (is it still an ES module?)"
if find "$TMP/src/nhsuk-frontend" -maxdepth 1 -type f -iname 'licen[cs]e*' | grep -q .; then
  copy_license nhsuk-frontend "$O"
else
  # The npm package ships no LICENSE file (package.json: "license": "MIT"; its README:
  # "The codebase is released under the MIT Licence"). This is the LICENSE file of the
  # upstream repository, github.com/nhsuk/nhsuk-frontend.
  [[ "$(license_id nhsuk-frontend)" == "MIT" ]] || die "nhsuk-frontend: licence is no longer MIT, check it"
  cat >"$O/LICENSE" <<'EOF'
MIT License

Copyright (c) 2019 NHS.UK

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
EOF
fi

# --- htmx.org ---------------------------------------------------------------------
H="$TMP/src/htmx.org/dist"
O="$OUT/htmx"
mkdir -p "$O"
cp "$H/htmx.min.js" "$O/"
strip_source_map "$O/htmx.min.js"
copy_license htmx.org "$O"

# --- leaflet ----------------------------------------------------------------------
L="$TMP/src/leaflet/dist"
O="$OUT/leaflet"
mkdir -p "$O"
cp "$L/leaflet.js" "$L/leaflet.css" "$O/"
cp -R "$L/images" "$O/images"
strip_source_map "$O/leaflet.js"
copy_license leaflet "$O"

# --- leaflet.markercluster --------------------------------------------------------
M="$TMP/src/leaflet.markercluster/dist"
O="$OUT/leaflet-markercluster"
mkdir -p "$O"
cp "$M/leaflet.markercluster.js" "$M/MarkerCluster.css" "$M/MarkerCluster.Default.css" "$O/"
strip_source_map "$O/leaflet.markercluster.js"
# Its licence file is named MIT-LICENCE.txt.
cp "$TMP/src/leaflet.markercluster/MIT-LICENCE.txt" "$O/LICENSE"

# --- checks -----------------------------------------------------------------------
# Every local url() in the vendored CSS must resolve to a vendored file.
for css in "$OUT"/*/*.css; do
  dir="$(dirname "$css")"
  while IFS= read -r url; do
    url="${url#url(}"
    url="${url%)}"
    url="${url#[\"\']}"
    url="${url%[\"\']}"
    case "$url" in
    http://* | https://* | data:* | \#*) continue ;;
    esac
    path="${url%%[?#]*}"
    [[ -f "$dir/$path" ]] || die "$(basename "$css"): url($url) does not resolve to a vendored file"
  done < <(grep -o 'url([^)]*)' "$css" | sort -u)
done
if find "$OUT" \( -name '*.map' -o -name '*.scss' -o -name '*.ts' -o -name '*.mjs' \) | grep -q .; then
  die "source maps or sources were copied"
fi

# --- install ----------------------------------------------------------------------
mkdir -p "$DEST"
for pkg in nhsuk-frontend htmx leaflet leaflet-markercluster; do
  rm -rf "${DEST:?}/$pkg"
  cp -R "$OUT/$pkg" "$DEST/$pkg"
done

files_of() { (cd "$DEST/$1" && find . -type f | sed 's@^\./@@' | LC_ALL=C sort | sed "s@^@- \`$1/@; s@\$@\`@"); }

{
  cat <<EOF
# Vendored front-end files

These files are copied from the npm registry by \`scripts/vendor_static.sh\`, which pins
the versions below. Do not edit them by hand: change the pinned version in the script and
run it again (\`bash scripts/vendor_static.sh\`). How to include them in a template:
[USAGE.md](USAGE.md).

Only compiled, minified run-time files are kept: no source maps (their
\`sourceMappingURL\` comments are removed), no SCSS or JavaScript sources, no unminified
copies. In \`nhsuk-frontend.min.css\` the compiled asset URLs \`/assets/...\` are rewritten
to \`assets/...\` (relative to the CSS file), so the icons resolve under \`STATIC_URL\`.

| Package | Version | Licence | npm tarball integrity |
| --- | --- | --- | --- |
| [nhsuk-frontend](https://www.npmjs.com/package/nhsuk-frontend) | $NHSUK_FRONTEND_VERSION | $(license_id nhsuk-frontend) | \`$(integrity nhsuk-frontend)\` |
| [htmx.org](https://www.npmjs.com/package/htmx.org) | $HTMX_VERSION | $(license_id htmx.org) | \`$(integrity htmx.org)\` |
| [leaflet](https://www.npmjs.com/package/leaflet) | $LEAFLET_VERSION | $(license_id leaflet) | \`$(integrity leaflet)\` |
| [leaflet.markercluster](https://www.npmjs.com/package/leaflet.markercluster) | $MARKERCLUSTER_VERSION | $(license_id leaflet.markercluster) | \`$(integrity leaflet.markercluster)\` |

Each package's licence text is in its folder as \`LICENSE\`. The nhsuk-frontend npm
package ships no LICENSE file (its package.json and README say MIT), so its \`LICENSE\` is
the upstream repository's MIT licence text.

The NHS.UK Frutiger web fonts are not part of the npm package: the CSS loads them from
\`https://assets.nhs.uk/fonts/\` (allowed by the site's Content-Security-Policy
\`font-src\`), and falls back to Arial when they cannot be loaded.

## nhsuk-frontend $NHSUK_FRONTEND_VERSION

From \`dist/nhsuk/\`: \`nhsuk-frontend.min.css\`, \`nhsuk-frontend.min.js\` (an ES module),
\`assets/\`.

$(files_of nhsuk-frontend)

## htmx.org $HTMX_VERSION

From \`dist/\`: \`htmx.min.js\`.

$(files_of htmx)

## leaflet $LEAFLET_VERSION

From \`dist/\`: \`leaflet.js\` (minified), \`leaflet.css\`, \`images/\`.

$(files_of leaflet)

## leaflet.markercluster $MARKERCLUSTER_VERSION

From \`dist/\`: \`leaflet.markercluster.js\` (minified), \`MarkerCluster.css\`,
\`MarkerCluster.Default.css\`.

$(files_of leaflet-markercluster)
EOF
} >"$DEST/VERSIONS.md"

total="$(du -sk --apparent-size "$DEST/nhsuk-frontend" "$DEST/htmx" "$DEST/leaflet" "$DEST/leaflet-markercluster" | awk '{s += $1} END {print s}')"
echo "Vendored into ${DEST#"$ROOT"/}: nhsuk-frontend $NHSUK_FRONTEND_VERSION, htmx.org $HTMX_VERSION, leaflet $LEAFLET_VERSION, leaflet.markercluster $MARKERCLUSTER_VERSION (${total} KiB)"
