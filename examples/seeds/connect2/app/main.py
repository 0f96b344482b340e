"""Connect 2.0's API, reduced to what shows the contract: FastAPI, PostgreSQL through libpq's variables, Redis,
documents in S3 through presigned URLs, mail through SES v2. No endpoint, region, DSN or port in the code: boto3 finds
the region in AWS_DEFAULT_REGION and, under berth dev, the local peers in AWS_ENDPOINT_URL_S3 / _SESV2."""

import os
import uuid

import boto3
import redis
from botocore.config import Config
from fastapi import FastAPI, HTTPException, Response
from pydantic import BaseModel, Field

from . import db

app = FastAPI()
# CACHE_URL is absent when berth dev finds no Redis: the app then works without a cache.
cache = redis.Redis.from_url(os.environ["CACHE_URL"]) if os.environ.get("CACHE_URL") else None
# Presigned URLs signed with SigV4: boto3 still presigns with SigV2 by default, which S3 refuses in most regions
# (https://docs.aws.amazon.com/AmazonS3/latest/API/specify-signature-version.html).
s3 = boto3.client("s3", config=Config(signature_version="s3v4"))
ses = boto3.client("sesv2")
BUCKET = os.environ["BUCKET_DOCUMENTS"]


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


@app.get("/visits")
def visits():
    with db.connect() as conn:
        count = conn.execute("SELECT count(*) FROM visits").fetchone()[0]
    last = cache.get("visits:last") if cache is not None else None
    return {"visits": count, "last": int(last) if last is not None else None}


@app.post("/documents", status_code=201)
def new_document():
    """A key and a presigned PUT for it: the client uploads the bytes to S3 itself, within five minutes."""
    key = f"uploads/{uuid.uuid4()}"
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300)
    return {"id": key.removeprefix("uploads/"), "upload": url}


@app.get("/documents/{id}")
def read_document(id: uuid.UUID):
    try:
        obj = s3.get_object(Bucket=BUCKET, Key=f"uploads/{id}")
    except s3.exceptions.NoSuchKey:
        raise HTTPException(404, f"no document {id}")
    return Response(obj["Body"].read(), media_type=obj.get("ContentType") or "application/octet-stream")


class Welcome(BaseModel):
    to: str = Field(pattern=r"^[^@\s<>]+@[^@\s<>]+$", max_length=254)


def allowed(address):
    """MAIL_ALLOW_LIST (absent in prod: everyone) holds addresses and @domains; anyone else is not mailed."""
    listed = os.environ.get("MAIL_ALLOW_LIST")
    if listed is None:
        return True
    entries = [e.strip().lower() for e in listed.split(",") if e.strip()]
    address = address.lower()
    return any(address == e or (e.startswith("@") and address.endswith(e)) for e in entries)


@app.post("/welcome")
def welcome(body: Welcome):
    if not allowed(body.to):
        return {"sent": False, "reason": "not on MAIL_ALLOW_LIST"}
    sent = ses.send_email(
        FromEmailAddress=os.environ["MAIL_FROM"],
        Destination={"ToAddresses": [body.to]},
        Content={
            "Simple": {
                "Subject": {"Data": "Welcome to Connect"},
                "Body": {"Text": {"Data": "Your Connect account is ready."}},
            }
        },
    )
    return {"sent": True, "messageId": sent["MessageId"]}
