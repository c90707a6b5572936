"""A FastAPI app served by uvicorn: ``python fastapi_app.py``.

- ``/openapi.json``: FastAPI's OpenAPI 3.1 document of everything below.
- ``POST /people`` (``createPerson``): a pydantic ``Person`` body with
  snake_case fields (``first_name`` required, ``nick_name``, ``age`` >= 0);
  FastAPI answers 422 with its list of errors, and ignores unknown fields.
  ``GET /people/{person_id}`` reads one back.
- ``POST /files`` (``uploadFile``): an ``UploadFile`` ``file`` and a required
  ``Form(...)`` field ``description``.
- ``POST /forms`` (``sendForm``): urlencoded ``Form`` fields ``first_name``,
  ``nick_name``.
- ``POST /token``: OAuth2 password grant (alice / wonderland) answering
  ``{"access_token", "token_type": "bearer"}``; ``GET /me`` (``readMe``) wants
  ``Authorization: Bearer <that token>`` (``OAuth2PasswordBearer``), else 401.
- ``/echo/{anything}``, any verb: 200 with the method, path, headers and body it got.
- ``GET /_stored``: what the app stored, for the tests: ``people``, ``files``
  (name, size, sha256, content type, description), ``forms``, and ``requests``
  (method, path, query, headers and raw body of the last ``RECENT``
  requests, except those to ``/_stored`` itself).
"""
from __future__ import annotations

import hashlib
import secrets
import socket
from typing import Annotated, Optional

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

USERS = {"alice": "wonderland"}
RECENT = 200   # requests remembered

app = FastAPI(title="People", version="1.0.0")
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
STORED: dict = {"people": [], "files": [], "forms": [], "requests": []}
TOKENS: dict = {}


class Person(BaseModel):
    first_name: str
    nick_name: Optional[str] = None
    age: int = Field(default=0, ge=0)


@app.middleware("http")
async def record(request: Request, call_next):
    if request.url.path != "/_stored":
        body = await request.body()   # starlette caches it: the endpoint still reads it
        STORED["requests"].append({"method": request.method, "path": request.url.path,
                                   "query": str(request.url.query), "headers": dict(request.headers),
                                   "body": body.decode("utf-8", "replace")})
        del STORED["requests"][:-RECENT]
    return await call_next(request)


@app.post("/people", operation_id="createPerson", status_code=201)
def create_person(person: Person) -> dict:
    stored = {"id": len(STORED["people"]) + 1, **person.model_dump()}
    STORED["people"].append(stored)
    return stored


@app.get("/people/{person_id}", operation_id="readPerson")
def read_person(person_id: int) -> dict:
    for person in STORED["people"]:
        if person["id"] == person_id:
            return person
    raise HTTPException(404, f"no person {person_id}")


@app.post("/files", operation_id="uploadFile", status_code=201)
async def upload(file: Annotated[UploadFile, File()], description: Annotated[str, Form()]) -> dict:
    content = await file.read()
    stored = {"filename": file.filename, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
              "content_type": file.content_type, "description": description}
    STORED["files"].append(stored)
    return stored


@app.post("/forms", operation_id="sendForm", status_code=201)
def send_form(first_name: Annotated[str, Form()], nick_name: Annotated[Optional[str], Form()] = None) -> dict:
    stored = {"first_name": first_name, "nick_name": nick_name}
    STORED["forms"].append(stored)
    return stored


@app.post("/token")
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict:
    if USERS.get(form.username) != form.password:
        raise HTTPException(400, "Incorrect username or password")
    access = secrets.token_urlsafe(16)
    TOKENS[access] = form.username
    return {"access_token": access, "token_type": "bearer"}


@app.get("/me", operation_id="readMe")
def me(access: Annotated[str, Depends(oauth2)]) -> dict:
    if access not in TOKENS:
        raise HTTPException(401, "Invalid token", headers={"WWW-Authenticate": "Bearer"})
    return {"username": TOKENS[access]}


@app.api_route("/echo/{anything:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def echo(request: Request, anything: str) -> dict:
    return {"method": request.method, "path": request.url.path, "headers": dict(request.headers),
            "body": (await request.body()).decode("utf-8", "replace")}


@app.get("/_stored", include_in_schema=False)
def stored() -> dict:
    return STORED


if __name__ == "__main__":
    import uvicorn

    from announce import announce

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    announce(sock.getsockname()[1])
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])
