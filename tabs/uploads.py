"""Uploads decoded ahead: an image is decoded while the client sends the event that uses it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger("dllab")

UPLOAD_ROUTE = "/gradio_api/upload"


class DecodeUploadsAhead:
    """ASGI middleware: once Gradio has stored an upload, start decoding it if it is an image.

    A page or API client uploads a file first and sends the event that uses it in a second
    request; the decode runs in that gap, and the event finds the image ready (or waits for
    the decode under way instead of starting its own). Only paths from Gradio's own reply to
    a successful upload are read, at most four per upload.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].endswith(UPLOAD_ROUTE):
            await self.app(scope, receive, send)
            return
        reply = {"status": 0, "body": bytearray()}

        async def keep_reply(message):
            if message["type"] == "http.response.start":
                reply["status"] = message["status"]
            elif message["type"] == "http.response.body" and len(reply["body"]) < 64 * 1024:
                reply["body"] += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, keep_reply)     # returns once the files are in place
        folder = getattr(scope.get("app"), "uploaded_file_dir", None)
        if reply["status"] == 200 and folder:
            try:
                _decode_ahead(bytes(reply["body"]), folder)
            except Exception:
                log.exception("could not start decoding an upload ahead")   # the event decodes it


def _decode_ahead(body: bytes, folder: str) -> None:
    from core.images import decode_ahead

    try:
        paths = json.loads(body)
    except ValueError:
        return
    if isinstance(paths, list):
        folder = Path(folder).resolve()
        for path in paths[:4]:
            if isinstance(path, str) and Path(path).resolve().is_relative_to(folder):
                decode_ahead(path)
