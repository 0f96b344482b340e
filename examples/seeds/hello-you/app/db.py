"""PostgreSQL from the contract alone: libpq's PG* variables (psycopg.connect() with no arguments), reads on
DATABASE_READ_HOST (the read replica; locally the same server), and the rotation recipe: on an authentication
failure re-read the secret named by DATABASE_SECRET_ARN with boto3 and retry once, else exit so ECS replaces the task."""

import json
import os
import sys

import boto3
import psycopg

_password = None


def connect(read=False):
    global _password
    params = {"host": os.environ["DATABASE_READ_HOST"]} if read and os.environ.get("DATABASE_READ_HOST") else {}
    try:
        return psycopg.connect(**params, **({"password": _password} if _password else {}))
    except psycopg.OperationalError as err:
        if getattr(err, "sqlstate", None) not in ("28P01", "28000") and "password authentication failed" not in str(err):
            raise
        arn = os.environ.get("DATABASE_SECRET_ARN")
        fresh = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])["password"] if arn else None
        if fresh is None or fresh == _password:
            print("database password rejected and no newer secret: exiting so ECS replaces the task", file=sys.stderr)
            os._exit(3)
        print("database password rotated: re-read the secret, reconnecting", file=sys.stderr)
        _password = fresh
        return psycopg.connect(**params, password=_password)
