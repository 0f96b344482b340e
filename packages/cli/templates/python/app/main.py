"""{{name}}'s API. It reads the Berth contract alone: psycopg.connect() finds the database in libpq's PG* variables,
uvicorn gets the port as `--port ${PORT}`, boto3 finds the region (and, under berth dev, the local peers) itself."""

from fastapi import FastAPI

from . import db

app = FastAPI()


@app.get("/health")
def health():
    """The load balancer's check (and berth dev's): the process answers. Nothing else, so a slow database never
    takes every task out of service."""
    return {"ok": True}


@app.get("/ready")
def ready():
    with db.connect() as conn:
        conn.execute("SELECT 1")
    return {"ok": True}


@app.post("/visits")
def visit():
    with db.connect() as conn:
        conn.execute("INSERT INTO visits DEFAULT VALUES")
        count = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    return {"visits": count}
