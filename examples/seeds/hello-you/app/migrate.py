"""The migration job: every migrations/*.sql not yet applied, in name order, each in its own transaction."""

import pathlib

from . import db

FOLDER = pathlib.Path(__file__).resolve().parent.parent / "migrations"


def main():
    with db.connect() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        conn.commit()
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for path in sorted(FOLDER.glob("*.sql")):
            if path.name not in done:
                with conn.transaction():
                    conn.execute(path.read_text())
                    conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (path.name,))
                print(f"applied {path.name}")
    return 0
