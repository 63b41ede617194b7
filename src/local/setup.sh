#!/usr/bin/env bash
# Prepares a fresh Debian machine (as root) for the e2e environment: the Debian packages the
# harness runs, then the control-plane binaries built from Go modules. Idempotent and quiet when
# everything is already there. Network: Debian's package mirror and the Go module proxy only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
packages=(docker.io docker-registry busybox-static apache2-utils openssl ca-certificates podman iproute2)
t0=$SECONDS
log() { printf '[setup] %s\n' "$*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { log "run as root (or install sudo)"; exit 1; }
  sudo_cmd=(sudo)
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  log "packages installed in $((SECONDS - t0)) s"
else
  log "Debian packages already installed"
fi

# The binaries are built, not downloaded; that needs a Go toolchain recent enough for Kubernetes.
# CI's environment may lack the login PATH that has Go on it.
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null; then
  log "go not found on PATH: install Go >= 1.25 (e.g. /usr/local/go/bin) and rerun"
  exit 1
fi

t1=$SECONDS
bash "$here/build-binaries.sh" all
log "binaries ready in $((SECONDS - t1)) s"
log "done in $((SECONDS - t0)) s"
