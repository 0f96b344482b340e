"""Hello-you's API, reduced to what shows the contract: Flask, writes on the primary, reads on the read replica, the
Flask key from Secrets Manager as an ECS secret (FLASK_SECRET_KEY), and a password rotation survived with boto3."""

import os

from flask import Flask, jsonify, request

from . import db

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/greetings")
def greet():
    body = request.get_json(silent=True)
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
        return jsonify(error="name: expected a JSON body {\"name\": \"…\"} with 1 to 80 characters"), 400
    with db.connect() as conn:
        id = conn.execute("INSERT INTO greetings (name) VALUES (%s) RETURNING id", (name.strip(),)).fetchone()[0]
    return jsonify(id=id, message=f"Hello, {name.strip()}!"), 201


@app.get("/greetings/<int:id>")
def greeting(id):
    with db.connect(read=True) as conn:
        row = conn.execute("SELECT name FROM greetings WHERE id = %s", (id,)).fetchone()
    if row is None:
        return jsonify(error=f"no greeting {id}"), 404
    return {"id": id, "message": f"Hello, {row[0]}!"}
