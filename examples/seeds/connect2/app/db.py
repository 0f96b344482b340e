"""The database, read from the contract alone: libpq's PG* variables, and on a password rotation the secret itself.

psycopg.connect() with no arguments reads PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD. ECS injects PGPASSWORD
when the task starts, so after a rotation it is stale: on an authentication failure this re-reads the secret named by
DATABASE_SECRET_ARN (boto3 finds Secrets Manager through AWS_ENDPOINT_URL_SECRETS_MANAGER locally) and retries once.
Without DATABASE_SECRET_ARN the only safe answer is to exit and let ECS start a task with the new password.
"""

import json
import os
import sys

import psycopg

_password = None


def _fresh_password():
    import boto3

    arn = os.environ.get("DATABASE_SECRET_ARN")
    if not arn:
        return None
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])
    return secret["password"]


def connect():
    """A connection that survives a rotation: re-read the secret once on an authentication failure."""
    global _password
    try:
        return psycopg.connect(**({"password": _password} if _password else {}))
    except psycopg.OperationalError as err:
        # SQLSTATE 28P01 invalid_password (28000 for some auth methods): the credentials, not the server.
        if getattr(err, "sqlstate", None) not in ("28P01", "28000") and "password authentication failed" not in str(err):
            raise
        fresh = _fresh_password()
        if fresh is None or fresh == _password:
            print("database password rejected and no newer secret: exiting so ECS replaces the task", file=sys.stderr)
            sys.exit(3)
        _password = fresh
        return psycopg.connect(password=_password)
