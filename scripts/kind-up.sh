#!/usr/bin/env bash
# Brings up a kind cluster running the scenario's Sock Shop, its Prometheus (the relabelling
# that yields job="sock-shop/catalogue"), metrics-server and a Locust load, then port-forwards
# Prometheus to this machine, so that `odyssey learn --env live` has a world to learn in.
#
# Needs: docker (20.10 or later, running; or podman with KIND_EXPERIMENTAL_PROVIDER=podman),
# kind 0.23 or later, kubectl 1.31 to 1.33 (within one minor version of the node image below),
# curl, and network access to Docker Hub and GitHub for the images and metrics-server; with
# --chaos also helm 3.7 or later and access to charts.chaos-mesh.org and ghcr.io.
#
# Usage: scripts/kind-up.sh [--workload light|moderate|heavy|increase] [--name NAME]
#                           [--port PORT] [--scenario DIR] [--state DIR] [--chaos]
# Defaults: the scenario's workload (moderate), cluster sock-shop (context kind-sock-shop, as
# scenarios/sock-shop/scenario.toml names it), port 9090, scenarios/sock-shop, .kind/NAME.
# --chaos installs Chaos Mesh, which evaluation on the cluster (odyssey learn --reset-cluster)
# needs for the tasks that inject CPU stress or pod failure.
# Stop it with scripts/kind-down.sh (same --name and --state).
set -euo pipefail

workload=moderate
name=sock-shop
port=9090
root="$(cd "$(dirname "$0")/.." && pwd)"
scenario="$root/scenarios/sock-shop"
state=""
node_image="kindest/node:v1.32.2"
metrics_server="https://github.com/kubernetes-sigs/metrics-server/releases/download/v0.7.2/components.yaml"
locust_image="locustio/locust:2.31.8"
chaos=false
chaos_mesh_version="2.7.2"

while [ $# -gt 0 ]; do
    case "$1" in
        --workload) workload="$2"; shift 2 ;;
        --name) name="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --scenario) scenario="$2"; shift 2 ;;
        --state) state="$2"; shift 2 ;;
        --chaos) chaos=true; shift ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "kind-up: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
state="${state:-$root/.kind/$name}"

tools="docker kind kubectl curl"
if [ "$chaos" = true ]; then
    tools="$tools helm"
fi
for tool in $tools; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "kind-up: $tool is not on PATH; it is needed (see the top of this script)" >&2
        exit 1
    fi
done
if [ "${KIND_EXPERIMENTAL_PROVIDER:-docker}" = docker ] && ! docker info >/dev/null 2>&1; then
    echo "kind-up: docker is installed but its daemon does not answer (is it running?)" >&2
    exit 1
fi

# The workload's Locust users and spawn rate, from the scenario's capacity file.
capacity="$scenario/capacity/catalogue.yaml"
users="$(awk -v w="$workload:" '$1 == w {f = 1; next} f && $1 == "users:" {print $2; exit}' "$capacity")"
spawn="$(awk -v w="$workload:" '$1 == w {f = 1; next} f && $1 == "spawn_rate:" {print $2; exit}' "$capacity")"
if [ -z "$users" ] || [ -z "$spawn" ]; then
    echo "kind-up: workload $workload is not in $capacity" >&2
    exit 1
fi

mkdir -p "$state"
kubeconfig="$state/kubeconfig"
context="kind-$name"

echo "== cluster $name ($node_image)"
if kind get clusters 2>/dev/null | grep -qx "$name"; then
    echo "   exists; reusing it"
else
    kind create cluster --name "$name" --image "$node_image" --wait 180s
fi
kind get kubeconfig --name "$name" > "$kubeconfig"
k() { kubectl --kubeconfig "$kubeconfig" --context "$context" "$@"; }

echo "== metrics-server (for kubectl top and CPU autoscaling)"
k apply -f "$metrics_server"
# kind's kubelets serve self-signed certificates.
k -n kube-system patch deployment metrics-server --type=json \
    -p '[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--kubelet-insecure-tls"}]' \
    >/dev/null 2>&1 || true

echo "== Sock Shop and Prometheus from $scenario"
k apply -f "$scenario/manifests/"
k apply -f "$scenario/monitoring/grafana-prometheus.yaml"

echo "== Locust: $workload ($users users, spawn rate $spawn)"
k create namespace loadtest --dry-run=client -o yaml | k apply -f -
k -n loadtest create configmap locustfile --from-file="$root/scripts/locust/locustfile.py" \
    --dry-run=client -o yaml | k apply -f -
cat <<YAML | k apply -f -
apiVersion: apps/v1
kind: Deployment
metadata:
  name: locust
  namespace: loadtest
  labels: {name: locust}
spec:
  replicas: 1
  selector:
    matchLabels: {name: locust}
  template:
    metadata:
      labels: {name: locust}
    spec:
      containers:
      - name: locust
        image: $locust_image
        # Evaluation on the cluster sets a task's workload by replacing arguments 4 and 6
        # (users, spawn rate): src/eval_tasks/cluster.rs. Keep them there.
        args: ["-f", "/mnt/locust/locustfile.py", "--headless", "-u", "$users", "-r", "$spawn",
               "--host", "http://front-end.sock-shop.svc.cluster.local"]
        volumeMounts:
        - {name: locustfile, mountPath: /mnt/locust}
      volumes:
      - name: locustfile
        configMap: {name: locustfile}
YAML

if [ "$chaos" = true ]; then
    echo "== Chaos Mesh $chaos_mesh_version (containerd, as kind's nodes run it)"
    helm repo add chaos-mesh https://charts.chaos-mesh.org >/dev/null 2>&1 || true
    helm repo update chaos-mesh >/dev/null
    helm upgrade --install chaos-mesh chaos-mesh/chaos-mesh \
        --kubeconfig "$kubeconfig" --kube-context "$context" \
        --namespace chaos-mesh --create-namespace --version "$chaos_mesh_version" \
        --set chaosDaemon.runtime=containerd \
        --set chaosDaemon.socketPath=/run/containerd/containerd.sock \
        --set dashboard.create=false \
        --wait --timeout 10m
fi

echo "== waiting until everything is ready (up to 10 minutes)"
k -n kube-system rollout status deployment/metrics-server --timeout=600s
k -n sock-shop wait --for=condition=available deployment --all --timeout=600s
k -n monitoring wait --for=condition=available deployment --all --timeout=600s
k -n loadtest rollout status deployment/locust --timeout=600s

echo "== port-forwarding Prometheus to 127.0.0.1:$port"
if [ -f "$state/port-forward.pid" ] && kill -0 "$(cat "$state/port-forward.pid")" 2>/dev/null; then
    kill "$(cat "$state/port-forward.pid")"
fi
nohup kubectl --kubeconfig "$kubeconfig" --context "$context" -n monitoring \
    port-forward svc/prometheus "$port:9090" > "$state/port-forward.log" 2>&1 &
echo $! > "$state/port-forward.pid"
for _ in $(seq 1 60); do
    if curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
        break
    fi
    sleep 1
done
if ! curl -sf "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then
    echo "kind-up: Prometheus does not answer on 127.0.0.1:$port; see $state/port-forward.log" >&2
    exit 1
fi
# The relabelling must give job="sock-shop/<service>"; Prometheus scrapes every 15 s.
for _ in $(seq 1 20); do
    if curl -sG "http://127.0.0.1:$port/api/v1/query" \
        --data-urlencode 'query=up{job="sock-shop/catalogue"}' | grep -q '"value"'; then
        break
    fi
    sleep 3
done

cat <<DONE
== ready
kubeconfig:  $kubeconfig (context $context)
prometheus:  http://127.0.0.1:$port (port-forward pid $(cat "$state/port-forward.pid"))
learn:       odyssey learn --env live --kubeconfig $kubeconfig --context $context \\
                 --prometheus-url http://127.0.0.1:$port --no-evaluate --dry-run
             (drop --dry-run to let action tasks change the cluster; replace --no-evaluate
             by --reset-cluster to evaluate on it, after kind-up.sh --chaos)
stop:        scripts/kind-down.sh --name $name
DONE
