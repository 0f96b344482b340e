"""`python -m app [--dev] [--port PORT] [JOB]`: serves the API (gunicorn; `--dev`: Flask's own server), or runs JOB
once and exits with its code. Berth runs migrations as this command with `migrate` appended."""

import argparse
import os
import sys

from . import migrate

JOBS = {"migrate": migrate.main}

parser = argparse.ArgumentParser(prog="python -m app")
parser.add_argument("--dev", action="store_true", help="Flask's development server instead of gunicorn")
parser.add_argument("--port", type=int, required=True)
parser.add_argument("job", nargs="?", choices=sorted(JOBS))
args = parser.parse_args()
if args.job:
    sys.exit(JOBS[args.job]())
# HOST is the contract's: 0.0.0.0 in the task (the load balancer reaches it), 127.0.0.1 under berth dev.
host = os.environ.get("HOST", "0.0.0.0")
if args.dev:
    from .main import app

    app.run(host=host, port=args.port)
else:
    os.execvp("gunicorn", ["gunicorn", "--bind", f"{host}:{args.port}", "--workers", "2", "app.main:app"])
