# Sourced by scripts/s3.sh and scripts/toxiproxy.sh: builds a Go program at a pinned version
# with `go install <package>@<version>` from the Go module proxy (its checksums are verified
# against the Go checksum database, so a pinned version is the same bytes on every machine).
# -modcacherw keeps the module cache deletable with a plain rm -rf (Go makes it read-only).
#
# Everything lives under .cache/go/: mod (module cache), build (compile cache) and
# bin/<name>-<version>/<binary>. The version is part of the directory, and a build is moved
# into place only once complete, so "the directory has the binary" means "installed, right
# version"; a second run costs one stat. Changing a pinned version installs beside the old one.
#
# Callers set ROOT and define say() and die() first.

GO_CACHE=$ROOT/.cache/go

go_binary_path() { # <name> <package> <version>
  echo "$GO_CACHE/bin/$1-$3/${2##*/}"
}

go_install_pinned() { # <name> <package> <version> [quiet]
  mkdir -p "$GO_CACHE"
  # Parallel test files may all call start at once; one builds, the others wait here.
  go_install_locked "$@" 7>"$GO_CACHE/install-$1.lock"
}

go_install_locked() {
  flock 7
  local name=$1 package=$2 version=$3 quiet=${4:-}
  local bin dir
  bin=$(go_binary_path "$name" "$package" "$version")
  dir=$(dirname "$bin")
  if [[ -x $bin ]]; then
    [[ $quiet == quiet ]] || say "$name $version already installed (${bin#"$ROOT"/})"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go not found: building $package@$version needs the Go toolchain (1.25+)"
  say "building $package@$version with go install (first use only; a few minutes on 2 cores)"
  local started=$SECONDS tmp=$dir.partial
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # The build log is shown only if it fails: a successful module download list is noise.
  # -trimpath: no paths of this checkout inside the binary. -ldflags=-s -w: no symbol table
  # or DWARF, which makes linking (the serial, slowest step of a cold build) faster and the
  # binary a third smaller; nobody debugs these test servers with a debugger.
  if ! GOBIN=$tmp GOMODCACHE=$GO_CACHE/mod GOCACHE=$GO_CACHE/build GOFLAGS="-buildvcs=false -modcacherw" \
    go install -trimpath -ldflags='-s -w' "$package@$version" >"$GO_CACHE/install-$name.log" 2>&1; then
    grep -v '^go: downloading' "$GO_CACHE/install-$name.log" | tail -n 30 >&2
    die "go install $package@$version failed (full log: ${GO_CACHE#"$ROOT"/}/install-$name.log)"
  fi
  [[ -x $tmp/${package##*/} ]] || die "go install $package@$version produced no ${package##*/} binary"
  # The binary records the module version it was built from: check it is the pinned one.
  go version -m "$tmp/${package##*/}" | grep -qE "^[[:space:]]+mod[[:space:]]+[^[:space:]]+[[:space:]]+$version[[:space:]]" \
    || die "${package##*/} built by go install does not report module version $version"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  say "built $name $version ($(du -sh "$bin" | cut -f1)) in $((SECONDS - started)) s"
}
