#!/usr/bin/env bash
# Installs what the e2e tests need. Idempotent: every step is skipped when its result is already there.
#   - Debian: chromium (the browser playwright-core drives), ripgrep (seeds @vscode/ripgrep), libkrb5-dev (kerberos
#     native module of code-server).
#   - test/e2e/node_modules: code-server 4.100.3 (newest that runs on Node 20) + playwright-core, from
#     test/e2e/package-lock.json; reinstalled only when the lock changed since the last install.
# Usage: bash test/e2e/setup.sh        (from anywhere; needs root for apt-get, which CI and dev machines are)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)

# 1. System packages, only the missing ones.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "[e2e setup] apt-get install ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 2. Seed @vscode/ripgrep's download cache with Debian's rg: its postinstall would fetch rg from GitHub, which is
#    unreachable here. Path = $(os.tmpdir())/vscode-ripgrep-cache-<@vscode/ripgrep version>/ripgrep-<release>-<target>.tar.gz
#    (@vscode/ripgrep 1.15.11 is what code-server 4.100.3's lock pins; release/target from its lib/download.js).
rg_cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -s "$rg_tar" ]; then
  mkdir -p "$rg_cache"
  tar czf "$rg_tar" -C "$(dirname "$(command -v rg)")" rg
fi

# 3. npm ci in test/e2e when node_modules is missing or the lock changed since the last successful install.
stamp="node_modules/.e2e-lock.sha256"
want="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -x node_modules/.bin/code-server ] || [ ! -d node_modules/playwright-core ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[e2e setup] npm ci in test/e2e (code-server builds native modules: ~40 s)"
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp` which otherwise refuses on a clean cache.
  # npm_config_unsafe_perm: code-server's postinstall.sh exits when run as root without it.
  npm_config_yes=true npm_config_unsafe_perm=true npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
echo "[e2e setup] ready in $(( $(date +%s) - t0 ))s: code-server $(node -p "require('./node_modules/code-server/package.json').version")"
