#!/usr/bin/env bash
# The Python the Python seeds and tests run with: a venv in .venv/ (gitignored) holding the packages they import.
# Idempotent and quick when already done; safe to run from several processes at once (one installs, the rest wait).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
PACKAGES=(fastapi uvicorn 'psycopg[binary]' boto3 redis flask)
CHECK='import fastapi, uvicorn, psycopg, boto3, redis, flask'

exec 9>"/tmp/berth-python-venv.$(id -u).lock"
flock 9
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "$CHECK" 2>/dev/null; then exit 0; fi
python3 -m venv "$VENV"
# No retries: a pip index that cannot be reached should fail in seconds, not minutes.
"$VENV/bin/pip" install --quiet --disable-pip-version-check --retries 0 --timeout 10 "${PACKAGES[@]}"
"$VENV/bin/python" -c "$CHECK"
