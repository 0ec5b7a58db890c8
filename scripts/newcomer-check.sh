#!/usr/bin/env bash
# Proves the README's promise as a newcomer meets it: the commit cloned into a fresh folder only
# root can enter, nothing configured (no DATABASE_URL, no REDIS_URL), `npm install && npm start`
# answers for the demo tenant and the console, the install leaves the lockfile as committed, and
# one quick test file passes through the README's test command on the embedded PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
commit=$(git rev-parse HEAD)
port="${NEWCOMER_PORT:-8080}"

top=$(mktemp -d /tmp/proxpanel-newcomer.XXXXXX) # mode 0700: the postgres user cannot enter it
clone="$top/proxpanel"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  # A private clone's database lives outside it (see packages/db/src/embedded-place.ts).
  if [ -L "$clone/.data/pg" ]; then rm -rf "$(readlink -f "$clone/.data/pg")"; fi
  rm -rf "$top"
}
trap cleanup EXIT
fail() {
  echo "newcomer check FAILED: $*" >&2
  [ -f "$top/start.log" ] && tail -n 30 "$top/start.log" >&2
  exit 1
}

git clone -q "$repo" "$clone"
git -C "$clone" checkout -q "$commit"
cd "$clone"
unset DATABASE_URL REDIS_URL CI

npm install --no-audit --no-fund >"$top/install.log" 2>&1 || { tail -n 20 "$top/install.log" >&2; fail "npm install"; }
[ -z "$(git status --porcelain)" ] || fail "npm install changed the checkout: $(git status --porcelain | head -n 5 | tr '\n' ' ')"

# Its own process group, so the check can stop npm, tsx, node and the embedded server together.
PORT="$port" setsid npm start >"$top/start.log" 2>&1 &
pid=$!
up=""
for _ in $(seq 1 240); do
  kill -0 "$pid" 2>/dev/null || fail "npm start exited"
  if curl -fsS -o /dev/null "http://demo.localhost:$port/api/branding" 2>/dev/null; then up=1; break; fi
  sleep 1
done
[ -n "$up" ] || fail "the demo tenant did not answer within 240 s"
curl -fsS "http://demo.localhost:$port/api/branding" | grep -q '"slug":"demo"' || fail "demo tenant branding"
curl -fsS "http://localhost:$port/" | grep -qi '<html' || fail "the console (apex) page"
curl -fsS -X POST "http://localhost:$port/api/saas/auth/login" -H 'content-type: application/json' \
  -d '{"email":"admin@proxpanel.local","password":"superadmin-password-1"}' | grep -q '"token"' || fail "super-admin sign-in"
data=$(readlink -f .data/pg)
kill -TERM -- "-$pid"
wait "$pid" || true
pid=""
for _ in $(seq 1 30); do pgrep -f "postgres -D $data( |$)" >/dev/null || break; sleep 1; done
if pgrep -f "postgres -D $data( |$)" >/dev/null; then fail "npm start left its PostgreSQL running 30 s after SIGTERM"; fi
echo "newcomer check: npm install && npm start answered (demo tenant, console) from a private folder"

if ! npm test -- packages/config >"$top/test.log" 2>&1; then
  tail -n 40 "$top/test.log" >&2
  rm -f "$top/start.log"
  fail "npm test -- packages/config without DATABASE_URL"
fi
echo "newcomer check: npm test -- packages/config passed on the embedded PostgreSQL"
