#!/usr/bin/env bash
# Create .venv/ and install the pinned dependencies (Rasa 3.6.21 on CPython 3.11), the web
# packages (rasa-webchat for /widget, playwright-core for the browser test) from web/package-lock.json
# into web/node_modules/, and Debian's chromium for the browser test if it is missing.
# Idempotent: when nothing it installs from has changed, it does nothing.
#
# Recipe (see requirements/*.txt): torch 2.13.0 CPU first; every other package from the pinned
# lock with --no-deps; then rasa 3.6.21 and rasa-sdk 3.6.2 with --no-deps --ignore-requires-python
# (they declare Python <3.11 but run on 3.11); then this project in editable mode.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$candidate; break
    fi
  done
fi
[ -n "$PY" ] || { echo "setup: CPython 3.11 is required (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq || return 1; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Web packages: npm ci from the committed lock file (no install scripts, nothing downloaded at run time).
setup_web() {
  local want_web
  want_web=$(cat web/package.json web/package-lock.json | sha256sum | cut -c1-16)
  if [ -f web/node_modules/.setup-stamp ] && [ "$(cat web/node_modules/.setup-stamp)" = "$want_web" ]; then
    echo "setup: web/node_modules is up to date"
    return
  fi
  if ! command -v npm >/dev/null; then
    echo "setup: npm is missing; installing Debian's nodejs and npm"
    apt_install nodejs npm || { echo "setup: npm is required (apt-get install nodejs npm)" >&2; exit 1; }
  fi
  echo "setup: web packages (rasa-webchat, playwright-core) into web/node_modules"
  (cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2> >(grep -v "Unknown user config" >&2))
  echo "$want_web" > web/node_modules/.setup-stamp
}

# Debian's chromium for the browser test (playwright-core drives it; no browser download).
setup_browser() {
  if [ -x /usr/bin/chromium ]; then
    echo "setup: chromium is installed"
    return
  fi
  echo "setup: installing Debian's chromium (for the browser test)"
  if ! apt_install chromium fonts-dejavu-core; then
    if [ "${CI:-}" = "true" ]; then
      echo "setup: could not install chromium, which CI needs for the browser test" >&2
      exit 1
    fi
    echo "setup: could not install chromium (no root or no apt-get): the browser test will be skipped" >&2
  fi
}

setup_web
setup_browser

stamp_inputs=(requirements/lock.txt scripts/setup.sh pyproject.toml)
want=$(cat "${stamp_inputs[@]}" | sha256sum | cut -c1-16)
if [ -f "$VENV/.setup-stamp" ] && [ "$(cat "$VENV/.setup-stamp")" = "$want" ]; then
  echo "setup: .venv is up to date"
  exit 0
fi

start=$(date +%s)
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
run_pip() { "$VENV/bin/python" -m pip --disable-pip-version-check -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

echo "setup: [1/4] torch 2.13.0 (CPU build)"
run_pip install "torch==2.13.0"
echo "setup: [2/4] pinned dependencies from requirements/lock.txt"
run_pip install --no-deps -r requirements/lock.txt
echo "setup: [3/4] rasa 3.6.21 and rasa-sdk 3.6.2 (declared for Python <3.11)"
run_pip install --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
echo "setup: [4/4] this project (editable)"
run_pip install --no-deps -e .

# `pip check` may only report the two deliberate overrides (see requirements/constraints.txt).
unexpected=$("$VENV/bin/python" -m pip check 2>&1 | grep -v -E "^rasa 3\.6\.21 has requirement (matplotlib|setuptools)" | grep -v "^No broken requirements" || true)
if [ -n "$unexpected" ]; then
  echo "setup: pip check reports unexpected problems:" >&2
  echo "$unexpected" >&2
  exit 1
fi
echo "$want" > "$VENV/.setup-stamp"
echo "setup: done in $(( $(date +%s) - start )) s"
