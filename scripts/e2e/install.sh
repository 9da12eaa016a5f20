#!/usr/bin/env bash
# Installs what `npm run test:e2e` needs, once, into a cache outside the repository:
#   - Debian packages: Chromium (driven by playwright-core), the headers code-server's native modules
#     build against, ripgrep (code-server's search), a CJK font (zh-cn screenshots);
#   - code-server 4.100.3 (= VS Code 1.100, the last line that runs on Node 20) from the npm registry,
#     without its postinstall steps that download things this network cannot reach (see docs/architecture.md).
# Idempotent: each step leaves a marker and is skipped the next time. Prints the code-server path last.
# Env: GRPC_LB_E2E_CACHE (default ~/.cache/grpc-lb-lab), CODE_SERVER_VERSION (default 4.100.3).
set -euo pipefail

version="${CODE_SERVER_VERSION:-4.100.3}"
cache="${GRPC_LB_E2E_CACHE:-${HOME}/.cache/grpc-lb-lab}"
prefix="${cache}/code-server-${version}"
cs="${prefix}/node_modules/code-server"
vsc="${cs}/lib/vscode"
started=$(date +%s)

log() { printf 'e2e install: %s\n' "$*" >&2; }
done_marker() { [ -f "${prefix}/.done-$1" ]; }
mark() { touch "${prefix}/.done-$1"; }

# 1. Debian packages (only the missing ones; needs root, as in CI).
apt_pkgs=(libkrb5-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium fonts-wqy-microhei)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} — run as root: apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "${prefix}"

# 2. code-server itself, without install scripts (they would download node and ripgrep builds).
if ! done_marker npm; then
  log "npm install code-server@${version} into ${prefix}"
  [ -f "${prefix}/package.json" ] || printf '{ "name": "grpc-lb-lab-e2e-cache", "private": true }\n' >"${prefix}/package.json"
  (cd "${prefix}" && npm install --no-audit --no-fund --no-save --ignore-scripts "code-server@${version}" >&2)
  mark npm
fi

# 3. VS Code's own dependencies, ripgrep from Debian instead of a download, native rebuild, symlinks.
if ! done_marker vscode; then
  log "npm install in lib/vscode"
  (cd "${vsc}" && npm install --no-audit --no-fund --omit=dev --ignore-scripts >&2)
  mkdir -p "${vsc}/node_modules/@vscode/ripgrep/bin"
  cp -f "$(command -v rg)" "${vsc}/node_modules/@vscode/ripgrep/bin/rg"
  log "npm rebuild in lib/vscode (native modules)"
  (cd "${vsc}" && npm_config_yes=true npm rebuild >&2)
  ln -sfn node_modules "${vsc}/node_modules.asar"
  ln -sfn code-linux.sh "${vsc}/bin/remote-cli/code-server"
  ln -sfn browser-linux.sh "${vsc}/bin/helpers/browser.sh"
  mark vscode
fi

# 4. Built-in extensions' dependencies and argon2 (code-server's password hashing, loaded at start).
if ! done_marker extensions; then
  log "npm install in lib/vscode/extensions"
  (cd "${vsc}/extensions" && npm install --no-audit --no-fund --omit=dev >&2)
  log "npm rebuild argon2"
  (cd "${prefix}" && npm rebuild argon2 >&2)
  mark extensions
fi

# A smoke check that argon2 and the rest load (XDG_CONFIG_HOME: it writes a default config there).
XDG_CONFIG_HOME="${prefix}/.config" node "${cs}/out/node/entry.js" --version >/dev/null
log "ready in $(( $(date +%s) - started )) s"
echo "${cs}/out/node/entry.js"
