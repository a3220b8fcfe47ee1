#!/usr/bin/env bash
# Runs the portal on this machine: http://127.0.0.1:5080, a SQLite file under .local/,
# and a bootstrap admin whose credentials are printed below. Ctrl-C stops everything.
#   PORTAL_PORT=5080  PORTAL_ADMIN_EMAIL=admin@localhost  PORTAL_ADMIN_PASSWORD=...  deploy/local/up.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE="$ROOT/.local"
mkdir -p "$STATE"

PORT=${PORTAL_PORT:-5080}
ADMIN_EMAIL=${PORTAL_ADMIN_EMAIL:-admin@localhost}
# A generated password is kept in .local so the same one works on the next start.
if [ -z "${PORTAL_ADMIN_PASSWORD:-}" ]; then
  [ -f "$STATE/admin-password" ] || echo "Portal-$(head -c 9 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')1a" > "$STATE/admin-password"
  PORTAL_ADMIN_PASSWORD=$(cat "$STATE/admin-password")
fi

echo "building the portal..."
dotnet build src/Portal/Portal.csproj -c Debug -nologo -clp:ErrorsOnly -v q

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# The build output is run in Development so its static assets are served from the project.
(
  cd src/Portal
  ASPNETCORE_ENVIRONMENT=Development \
  ConnectionStrings__Portal="Data Source=$STATE/portal.db" \
  Auth__BootstrapAdmin__Email="$ADMIN_EMAIL" \
  Auth__BootstrapAdmin__Password="$PORTAL_ADMIN_PASSWORD" \
  exec dotnet bin/Debug/net10.0/Portal.dll --urls "http://127.0.0.1:$PORT"
) &
pids+=($!)

for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done

cat <<INFO

  Inference Portal   http://127.0.0.1:$PORT
  sign in as         $ADMIN_EMAIL / $PORTAL_ADMIN_PASSWORD
  database           $STATE/portal.db
  health             http://127.0.0.1:$PORT/healthz  /readyz  /metrics

Ctrl-C stops it.
INFO
wait
