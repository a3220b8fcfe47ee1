#!/usr/bin/env bash
# The whole portal on this machine, no cluster or GPU needed:
#   - a simulated GPU cluster (Kubernetes API on 127.0.0.1:16443, 2 nodes x 8 H100, engine pods on loopback IPs)
#   - a real Prometheus (Debian's package, installed when missing) on 127.0.0.1:9090 scraping it and the portal
#   - the portal on http://127.0.0.1:5080 with a SQLite file and a bootstrap admin (printed below)
# State lives in .local/ (delete it to start from scratch). Ctrl-C stops everything.
#   PORTAL_PORT=5080 PORTAL_ADMIN_EMAIL=admin@localhost PORTAL_ADMIN_PASSWORD=... deploy/local/up.sh
# Scale-out: deploy/local/up.sh --postgres (or PORTAL_POSTGRES=1) runs a local PostgreSQL (Debian's package, on
# 127.0.0.1:15432, data in .local/postgres) and two portal replicas sharing it, on PORTAL_PORT and PORTAL_PORT+1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE="$ROOT/.local"
mkdir -p "$STATE"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

POSTGRES=${PORTAL_POSTGRES:-0}
for arg in "$@"; do
  case "$arg" in
    --postgres) POSTGRES=1 ;;
    *) echo "unknown option: $arg (use --postgres)" >&2; exit 2 ;;
  esac
done

PORT=${PORTAL_PORT:-5080}
PORT2=$((PORT + 1))
PG_PORT=${PORTAL_PG_PORT:-15432}
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

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# initdb and pg_ctl refuse to run as root: run them as the postgres user then.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$POSTGRES" = 1 ]; then
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "installing Debian's postgresql package (for the scale-out demo)..."
    as_root apt-get update -qq >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

echo "building..."
dotnet build src/Portal/Portal.csproj -c Debug -nologo -clp:ErrorsOnly -v q
dotnet build src/Simulator/Portal.Simulator.csproj -c Debug -nologo -clp:ErrorsOnly -v q

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$POSTGRES" = 1 ] && [ -f "$STATE/postgres/data/postmaster.pid" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$STATE/postgres/data" -m fast stop >/dev/null 2>&1 || true
  fi
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

ports=("$PORT" "$API_PORT" "$PROM_PORT")
[ "$POSTGRES" = 1 ] && ports+=("$PORT2")
for port in "${ports[@]}"; do
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

# 1b. With --postgres: a PostgreSQL cluster of our own under .local/postgres (never the system service), and its database.
if [ "$POSTGRES" = 1 ]; then
  if [ ! -f "$STATE/postgres/data/PG_VERSION" ]; then
    mkdir -p "$STATE/postgres"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$STATE/postgres"
    as_postgres "$PG_BIN/initdb" -D "$STATE/postgres/data" -U postgres --auth=trust -E UTF8 > "$STATE/postgres.log" 2>&1
  fi
  as_postgres "$PG_BIN/pg_ctl" -D "$STATE/postgres/data" -w -l "$STATE/postgres/server.log" \
    -o "-p $PG_PORT -k $STATE/postgres -c listen_addresses=127.0.0.1" start >> "$STATE/postgres.log" 2>&1
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'portal'" | grep -q 1 \
    || "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE portal" >> "$STATE/postgres.log"
fi

# 2. Prometheus, as a plain process with its data under .local/ (never a system service). Its config is
#    deploy/local/prometheus.yml with this run's portal port and absolute paths.
targets="127.0.0.1:$PORT"
[ "$POSTGRES" = 1 ] && targets="127.0.0.1:$PORT\", \"127.0.0.1:$PORT2"
sed -e "s#127.0.0.1:5080#$targets#" -e "s#\.\./\.\./\.local/#$STATE/#" deploy/local/prometheus.yml > "$STATE/prometheus.yml"
/usr/bin/prometheus --config.file="$STATE/prometheus.yml" --storage.tsdb.path="$STATE/prometheus" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$STATE/prometheus.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$PROM_PORT/-/ready" "Prometheus"

# 3. The portal, pointed at both (with --postgres: two replicas on the shared database). The build output runs in
#    Development so its static assets are served from the project.
start_portal() { # port log [extra env...]
  local port=$1 log=$2; shift 2
  (
    cd src/Portal
    exec env ASPNETCORE_ENVIRONMENT=Development \
      Auth__BootstrapAdmin__Email="$ADMIN_EMAIL" \
      Auth__BootstrapAdmin__Password="$PORTAL_ADMIN_PASSWORD" \
      Kubernetes__Kubeconfig="$STATE/kubeconfig" \
      Kubernetes__Namespaces__0=default \
      Kubernetes__Namespaces__1=models \
      Kubernetes__CreateNamespaces=true \
      Prometheus__Url="http://127.0.0.1:$PROM_PORT" \
      Manifests__PrometheusServerAddress="http://127.0.0.1:$PROM_PORT" \
      "$@" \
      dotnet bin/Debug/net10.0/Portal.dll --urls "http://127.0.0.1:$port" > "$log" 2>&1
  ) &
  pids+=($!)
}
if [ "$POSTGRES" = 1 ]; then
  shared=(Database__Provider=PostgreSql Portal__ExpectReplicas=2 "ConnectionStrings__Portal=Host=127.0.0.1;Port=$PG_PORT;Database=portal;Username=postgres")
  start_portal "$PORT" "$STATE/portal.log" "${shared[@]}"
  start_portal "$PORT2" "$STATE/portal-2.log" "${shared[@]}"
  wait_for "http://127.0.0.1:$PORT/healthz" "the portal"
  wait_for "http://127.0.0.1:$PORT2/healthz" "the second portal replica"
else
  start_portal "$PORT" "$STATE/portal.log" "ConnectionStrings__Portal=Data Source=$STATE/portal.db"
  wait_for "http://127.0.0.1:$PORT/healthz" "the portal"
fi

cat <<INFO

  Inference Portal     http://127.0.0.1:$PORT$([ "$POSTGRES" = 1 ] && echo "  and  http://127.0.0.1:$PORT2 (second replica, same PostgreSQL on 127.0.0.1:$PG_PORT)")
  sign in as           $ADMIN_EMAIL / $PORTAL_ADMIN_PASSWORD
  simulated cluster    http://127.0.0.1:$API_PORT   (kubectl --kubeconfig $STATE/kubeconfig get pods -A)
  Prometheus           http://127.0.0.1:$PROM_PORT
  portal health        http://127.0.0.1:$PORT/healthz  /readyz  /metrics
  logs                 $STATE/{portal,simulator,prometheus}.log

Ctrl-C stops everything.
INFO
wait
