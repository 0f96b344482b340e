"""The database from the contract: libpq's PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD (and PGSSLMODE=require on
AWS), so psycopg.connect() needs no arguments.

After a password rotation the PGPASSWORD a task started with is stale: on an authentication failure this re-reads the
secret named by DATABASE_SECRET_ARN and retries once; without a newer password it exits, and ECS starts a task with
the new one. `berth dev rotate` rehearses a rotation locally.
"""

import json
import os
import sys

import boto3
import psycopg

_password = None


def connect():
    global _password
    try:
        return psycopg.connect(**({"password": _password} if _password else {}))
    except psycopg.OperationalError as err:
        if getattr(err, "sqlstate", None) not in ("28P01", "28000") and "password authentication failed" not in str(err):
            raise
        arn = os.environ.get("DATABASE_SECRET_ARN")
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"] if arn else "{}"
        fresh = json.loads(secret).get("password")
        if fresh is None or fresh == _password:
            print("database password rejected and no newer secret: exiting so ECS replaces the task", file=sys.stderr)
            os._exit(3)
        _password = fresh
        return psycopg.connect(password=_password)
