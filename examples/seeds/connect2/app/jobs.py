"""The job entry point, one per task: `python -m app.jobs <name>` runs that job once and exits non-zero on failure."""

import sys

from . import db, migrate


def prune_visits():
    with db.connect() as conn:
        deleted = conn.execute("DELETE FROM visits WHERE at < now() - interval '90 days'").rowcount
    print(f"pruned {deleted} visits")
    return 0


JOBS = {"migrate": migrate.main, "prune-visits": prune_visits}

if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in JOBS:
        print(f"unknown job {name!r}; jobs: {', '.join(JOBS)}", file=sys.stderr)
        sys.exit(2)
    sys.exit(JOBS[name]())
