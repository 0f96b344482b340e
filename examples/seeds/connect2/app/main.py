"""Connect 2.0's API, reduced to what shows the contract: FastAPI, PostgreSQL through libpq's variables, Redis."""

import os

import redis
from fastapi import FastAPI

from . import db

app = FastAPI()
# CACHE_URL is absent when berth dev finds no Redis: the app then works without a cache.
cache = redis.Redis.from_url(os.environ["CACHE_URL"]) if os.environ.get("CACHE_URL") else None


@app.get("/health")
def health():
    return {"ok": True}


@app.get("/ready")
def ready():
    with db.connect() as conn:
        conn.execute("SELECT 1")
    return {"ok": True}


@app.post("/visits")
def visit():
    with db.connect() as conn:
        count = conn.execute("INSERT INTO visits DEFAULT VALUES RETURNING (SELECT count(*) + 1 FROM visits)").fetchone()[0]
    if cache is not None:
        cache.set("visits:last", count)
    return {"visits": count}
