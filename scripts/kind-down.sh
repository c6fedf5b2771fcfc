#!/usr/bin/env bash
# Removes what scripts/kind-up.sh made: stops its Prometheus port-forward (the one process
# whose id it saved) and deletes the kind cluster and its state directory.
#
# Needs: kind (and docker running, as for kind-up.sh).
# Usage: scripts/kind-down.sh [--name NAME] [--state DIR]   (defaults: sock-shop, .kind/NAME)
set -euo pipefail

name=sock-shop
root="$(cd "$(dirname "$0")/.." && pwd)"
state=""
while [ $# -gt 0 ]; do
    case "$1" in
        --name) name="$2"; shift 2 ;;
        --state) state="$2"; shift 2 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "kind-down: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
state="${state:-$root/.kind/$name}"

if [ -f "$state/port-forward.pid" ]; then
    pid="$(cat "$state/port-forward.pid")"
    if kill -0 "$pid" 2>/dev/null; then
        echo "== stopping the Prometheus port-forward (pid $pid)"
        kill "$pid"
    fi
fi
if ! command -v kind >/dev/null 2>&1; then
    echo "kind-down: kind is not on PATH" >&2
    exit 1
fi
if kind get clusters 2>/dev/null | grep -qx "$name"; then
    echo "== deleting kind cluster $name"
    kind delete cluster --name "$name"
else
    echo "== no kind cluster named $name"
fi
rm -rf "$state"
