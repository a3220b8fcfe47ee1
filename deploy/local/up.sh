#!/usr/bin/env bash
# The whole portal on this machine, no cluster or GPU needed:
#   - a simulated GPU cluster (Kubernetes API on 127.0.0.1:16443, 2 nodes x 8 H100, engine pods on loopback IPs)
#   - a real Prometheus (Debian's package, installed when missing) on 127.0.0.1:9090 scraping it and the portal
#   - the portal on http://127.0.0.1:5080 with a SQLite file and a bootstrap admin (printed below)
# State lives in .local/ (delete it to start from scratch). Ctrl-C stops everything.
#   PORTAL_PORT=5080 PORTAL_ADMIN_EMAIL=admin@localhost PORTAL_ADMIN_PASSWORD=... deploy/local/up.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE="$ROOT/.local"
mkdir -p "$STATE"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

PORT=${PORTAL_PORT:-5080}
API_PORT=16443
PROM_PORT=9090
ADMIN_EMAIL=${PORTAL_ADMIN_EMAIL:-admin@localhost}
# A generated password is kept in .local so the same one works on the next start.
if [ -z "${PORTAL_ADMIN_PASSWORD:-}" ]; then
  [ -f "$STATE/admin-password" ] || echo "Portal-$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')1a" > "$STATE/admin-password"
  PORTAL_ADMIN_PASSWORD=$(cat "$STATE/admin-password")
fi

if [ ! -x /usr/bin/prometheus ]; then
  echo "installing Debian's prometheus package (for the dashboard)..."
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
fi

echo "building..."
dotnet build src/Portal/Portal.csproj -c Debug -nologo -clp:ErrorsOnly -v q
dotnet build src/Simulator/Portal.Simulator.csproj -c Debug -nologo -clp:ErrorsOnly -v q

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() { # url what
  for _ in $(seq 1 120); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$2 did not come up; see $STATE/*.log" >&2
  exit 1
}

for port in "$PORT" "$API_PORT" "$PROM_PORT"; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null; then
    echo "port $port is already in use (an earlier up.sh still running?); stop that first" >&2
    exit 1
  fi
done

# 1. The simulated cluster: writes a kubeconfig and Prometheus file-SD targets into .local/.
dotnet src/Simulator/bin/Debug/net10.0/Portal.Simulator.dll \
  --listen "127.0.0.1:$API_PORT" --kubeconfig "$STATE/kubeconfig" --prometheus-sd "$STATE/simulator-targets.json" \
  --nodes 2 --gpus-per-node 8 --gpu-model "NVIDIA H100 80GB HBM3" \
  --prometheus-url "http://127.0.0.1:$PROM_PORT" > "$STATE/simulator.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$API_PORT/version" "the simulator"

# 2. Prometheus, as a plain process with its data under .local/ (never a system service). Its config is
#    deploy/local/prometheus.yml with this run's portal port and absolute paths.
sed -e "s#127.0.0.1:5080#127.0.0.1:$PORT#" -e "s#\.\./\.\./\.local/#$STATE/#" deploy/local/prometheus.yml > "$STATE/prometheus.yml"
/usr/bin/prometheus --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$STATE/prometheus.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$PROM_PORT/-/ready" "Prometheus"

# 3. The portal, pointed at both. The build output runs in Development so its static assets are served from the project.
(
  cd src/Portal
  ASPNETCORE_ENVIRONMENT=Development \
  ConnectionStrings__Portal="Data Source=$STATE/portal.db" \
  Auth__BootstrapAdmin__Email="$ADMIN_EMAIL" \
  Auth__BootstrapAdmin__Password="$PORTAL_ADMIN_PASSWORD" \
  Kubernetes__Kubeconfig="$STATE/kubeconfig" \
  Kubernetes__Namespaces__0=default \
  Kubernetes__Namespaces__1=models \
  Kubernetes__CreateNamespaces=true \
  Prometheus__Url="http://127.0.0.1:$PROM_PORT" \
  Manifests__PrometheusServerAddress="http://127.0.0.1:$PROM_PORT" \
  exec dotnet bin/Debug/net10.0/Portal.dll --urls "http://127.0.0.1:$PORT" > "$STATE/portal.log" 2>&1
) &
pids+=($!)
wait_for "http://127.0.0.1:$PORT/healthz" "the portal"

cat <<INFO

  Inference Portal     http://127.0.0.1:$PORT
  sign in as           $ADMIN_EMAIL / $PORTAL_ADMIN_PASSWORD
  simulated cluster    http://127.0.0.1:$API_PORT   (kubectl --kubeconfig $STATE/kubeconfig get pods -A)
  Prometheus           http://127.0.0.1:$PROM_PORT
  portal health        http://127.0.0.1:$PORT/healthz  /readyz  /metrics
  logs                 $STATE/{portal,simulator,prometheus}.log

Ctrl-C stops everything.
INFO
wait
