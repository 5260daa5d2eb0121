#!/usr/bin/env bash
# Schemathesis (MIT), a property-based tester for OpenAPI documents: it generates requests from
# sluice's /openapi.json and checks the answers against the document
# (test/integration/api-schemathesis.test.ts). Installed from PyPI into a virtualenv at a pinned
# version; its dependencies are pinned too (scripts/schemathesis-constraints.txt), so every
# machine runs the same code. Only the install needs the network.
#
#   scripts/schemathesis.sh install        create the venv and pip install (once; later runs do nothing)
#   scripts/schemathesis.sh run [--config-file <toml>] <args…>
#                                          install if needed, then `schemathesis run <args…>`
#   scripts/schemathesis.sh version        print the installed version
#
# Files: .cache/schemathesis/venv-<version>/ (the version is part of the directory, and a venv
# is moved into place only once complete, so "the directory exists" means "installed").
# Needs python3 with the venv module (Debian: python3-venv; .ci/run installs it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=4.32.5
CACHE=$ROOT/.cache/schemathesis
VENV=$CACHE/venv-$VERSION
CONSTRAINTS=$ROOT/scripts/schemathesis-constraints.txt

say() { echo "schemathesis: $*"; }
die() {
  echo "schemathesis: $*" >&2
  exit 1
}

install_locked() {
  flock 7
  local quiet=${1:-}
  if [[ -f $VENV/.installed ]]; then
    [[ $quiet == quiet ]] || say "$VERSION already installed (${VENV#"$ROOT"/})"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || die "python3 not found: schemathesis runs on Python 3.9+"
  python3 -c 'import venv, ensurepip' 2>/dev/null || die "python3 has no venv module: install python3-venv (Debian/Ubuntu)"
  say "installing schemathesis $VERSION from PyPI (first use only)"
  local started=$SECONDS
  # pip writes the venv's absolute path into its scripts, so it is built in place; .installed
  # is written last and is what "installed" means. The log is shown only if the install fails.
  rm -rf "$VENV"
  if ! { python3 -m venv "$VENV" &&
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -c "$CONSTRAINTS" "schemathesis==$VERSION"; } \
    >"$CACHE/install.log" 2>&1; then
    tail -n 30 "$CACHE/install.log" >&2
    rm -rf "$VENV"
    die "pip install schemathesis==$VERSION failed (full log: ${CACHE#"$ROOT"/}/install.log)"
  fi
  "$VENV/bin/schemathesis" --version | grep -qF "$VERSION" || die "the installed schemathesis does not report version $VERSION"
  touch "$VENV/.installed"
  say "installed schemathesis $VERSION in $((SECONDS - started)) s"
}

cmd_install() {
  mkdir -p "$CACHE"
  # Parallel test files may call install at once; one installs, the others wait here.
  install_locked "${1:-}" 7>"$CACHE/install.lock"
}

case "${1:-}" in
  install) cmd_install ;;
  run)
    shift
    cmd_install quiet
    # --config-file is an option of `schemathesis` itself, not of `run`: move it in front.
    global=()
    if [[ ${1:-} == --config-file ]]; then
      global=("$1" "$2")
      shift 2
    fi
    exec "$VENV/bin/schemathesis" "${global[@]}" run "$@"
    ;;
  version)
    cmd_install quiet
    "$VENV/bin/schemathesis" --version
    ;;
  *) die "usage: scripts/schemathesis.sh install|run <schemathesis run arguments>|version" ;;
esac
