"""Reading Bot API call bodies (multipart form, urlencoded form, JSON, query string) into Params."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import BodyPartReader, MultipartReader, web

from .errors import bad_request
from .params import Params, UploadedFile


async def read_multipart(reader: MultipartReader) -> Params:
    """Collect form fields as strings and file parts as UploadedFile."""
    values: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        if part.filename is not None:
            files[part.name] = UploadedFile(bytes(data), part.filename, part.headers.get("Content-Type"))
        else:
            values[part.name] = bytes(data).decode(part.get_charset(default="utf-8"))
    return Params(values, files)


def params_from_json(body: bytes) -> Params:
    """Params from a JSON object body."""
    try:
        data = json.loads(body) if body.strip() else {}
    except json.JSONDecodeError as exc:
        raise bad_request("can't parse JSON body") from exc
    if not isinstance(data, dict):
        raise bad_request("JSON body must be an object")
    return Params(data)


async def read_request(request: web.Request) -> Params:
    """Params of an incoming Bot API request, whatever encoding the client used."""
    query: dict[str, Any] = dict(request.query)
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        params = await read_multipart(await request.multipart())
    elif content_type == "application/x-www-form-urlencoded":
        params = Params(dict(await request.post()))
    elif request.can_read_body:
        params = params_from_json(await request.read())
    else:
        params = Params({})
    params.values = {**query, **params.values}
    return params
