#!/usr/bin/env bash
# The one test command: installs what the tests need, builds, runs every test
# project and prints the totals over all of them as the last line.
#   tests/run.sh                 every test project
#   tests/run.sh Core.Tests ...  only the named projects (folder names under tests/)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- machine prerequisites (Debian packages), installed only when missing ---
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/prometheus ] || need+=(prometheus)
command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
      || echo "warning: could not install ${need[*]}; tests that need them will fail"
  else
    echo "warning: missing ${need[*]} and not root; tests that need them will fail"
  fi
fi

# --- build once ---
if ! dotnet build Portal.sln -c Debug -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# --- Node packages a test runs (the OpenID provider the single sign-on test signs in against) ---
if [ ! -d tests/Reliability/oidc/node_modules/oidc-provider ]; then
  (cd tests/Reliability/oidc && npm ci --no-audit --no-fund --loglevel=error) || echo "warning: npm ci in tests/Reliability/oidc failed; the single sign-on test will fail"
fi

# --- run each test project's executable, one after another (2 cores) ---
projects=()
if [ $# -gt 0 ]; then
  for p in "$@"; do projects+=("tests/$p"); done
else
  for csproj in tests/*/*.csproj; do
    grep -q '<IsTestProject>true</IsTestProject>' "$csproj" && projects+=("$(dirname "$csproj")")
  done
fi

results="$ROOT/artifacts/test-results"
mkdir -p "$results"
total_passed=0 total_failed=0 status=0
failures=()
for dir in "${projects[@]}"; do
  csproj=$(ls "$dir"/*.csproj)
  name=$(basename "$csproj" .csproj)
  exe="$dir/bin/Debug/net10.0/$name"
  xml="$results/$name.xml"
  rm -f "$xml"
  echo "=== $name"
  start=$(date +%s)
  # A hung test must not eat CI's 30 minutes: a project gets 12 minutes (the longest takes about 5).
  ( cd "$dir/bin/Debug/net10.0" && timeout --kill-after=10 "${TEST_PROJECT_TIMEOUT:-720}" "./$name" -noColor -xml "$xml" )
  rc=$?
  if [ -f "$xml" ]; then
    attrs=$(grep -o '<assembly [^>]*>' "$xml" | head -1)
    passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$attrs")
    failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$attrs")
    errors=$(sed -n 's/.* errors="\([0-9]*\)".*/\1/p' <<<"$attrs")
    failed=$(( ${failed:-0} + ${errors:-0} ))
    passed=${passed:-0}
    if [ "$passed" -eq 0 ] && [ "$failed" -eq 0 ]; then
      echo "$name ran no tests"; failed=1
    fi
    # Name every failed test again at the end, where a CI log's tail shows it, with the first 200 characters of why.
    while IFS= read -r line; do failures+=("$line"); done < <(
      tr '\n' ' ' <"$xml" | sed 's/<test /\n<test /g' | grep '^<test [^>]* result="Fail"' \
        | sed -n 's/^<test [^>]*name="\([^"]*\)" result="Fail".*<message>\([^<]\{0,200\}\).*/  FAILED \1: \2/p' \
        | sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g; s/\\"/"/g')
  else
    [ $rc -eq 124 ] && echo "$name did not finish within ${TEST_PROJECT_TIMEOUT:-720} s and was stopped"
    echo "$name produced no results (exit code $rc)"; passed=0 failed=1
  fi
  [ $rc -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  echo "--- $name: $passed passed, $failed failed in $(( $(date +%s) - start )) s"
  total_passed=$(( total_passed + passed ))
  total_failed=$(( total_failed + failed ))
done

[ "$total_failed" -gt 0 ] && status=1
[ ${#failures[@]} -gt 0 ] && printf '%s\n' "failed tests:" "${failures[@]}"
echo "$total_passed passed, $total_failed failed"
exit $status
