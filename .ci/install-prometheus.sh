#!/bin/sh
# Installs Debian's prometheus package (server and promtool) for the differential PromQL test.
# Idempotent: does nothing when both binaries are already present.
set -eu

if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    echo "prometheus already installed: $(prometheus --version 2>&1 | head -n 1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# The package's post-install step tries to start a service; without systemd it only warns.
$SUDO apt-get install -y --no-install-recommends prometheus
prometheus --version 2>&1 | head -n 1
