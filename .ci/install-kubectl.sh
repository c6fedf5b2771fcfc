#!/usr/bin/env bash
# Installs the real kubectl that tests/live and the server conformance test drive, unless one
# is already on the machine: kubectl v1.32.5 from dl.k8s.io, checked against its published
# SHA-256, into /usr/local/bin.
set -euo pipefail

if command -v kubectl >/dev/null 2>&1; then
    echo "kubectl present: $(kubectl version --client 2>/dev/null | head -1)"
    exit 0
fi
# Machines of this project's kind carry kubectl as a Debian package; try the package manager
# before the release download.
if apt-get install -y kubectl >/dev/null 2>&1 && command -v kubectl >/dev/null 2>&1; then
    echo "kubectl installed from the package manager: $(kubectl version --client 2>/dev/null | head -1)"
    exit 0
fi
version=v1.32.5
arch="$(uname -m)"
case "$arch" in
    x86_64) arch=amd64 ;;
    aarch64|arm64) arch=arm64 ;;
    *) echo "install-kubectl: no kubectl build for $arch" >&2; exit 1 ;;
esac
base="https://dl.k8s.io/release/$version/bin/linux/$arch"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsSL -o "$tmp/kubectl" "$base/kubectl"
curl -fsSL -o "$tmp/kubectl.sha256" "$base/kubectl.sha256"
echo "$(cat "$tmp/kubectl.sha256")  $tmp/kubectl" | sha256sum --check --quiet
install -m 0755 "$tmp/kubectl" /usr/local/bin/kubectl
kubectl version --client | head -1
