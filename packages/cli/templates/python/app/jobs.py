"""`python -m app.jobs <name>` runs one job once and exits non-zero on failure (EventBridge Scheduler runs it as an
ECS task; berth dev runs it on its schedule and from the console). `migrate` runs before every release."""

import pathlib
import sys

from . import db

MIGRATIONS = pathlib.Path(__file__).resolve().parent.parent / "migrations"


def migrate():
    """Every migrations/*.sql not yet applied, in name order, each in its own transaction."""
    with db.connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.commit()
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(MIGRATIONS.glob("*.sql")):
            if path.name not in done:
                with conn.transaction():
                    conn.execute(path.read_text())
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
                print(f"applied {path.name}")
    return 0


def cleanup():
    with db.connect() as conn:
        deleted = conn.execute("DELETE FROM visits WHERE at < now() - interval '30 days'").rowcount
    print(f"deleted {deleted} visits older than 30 days")
    return 0


JOBS = {"migrate": migrate, "cleanup": cleanup}

if __name__ == "__main__":
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in JOBS:
        print(f"unknown job {name!r}; jobs: {', '.join(JOBS)}", file=sys.stderr)
        sys.exit(2)
    sys.exit(JOBS[name]())
