"""``/field/app``: the reference field web client (resources/field_app), a small
offline-capable page for a supervisor's phone browser.

Served with a strict Content-Security-Policy (only this server's scripts, no inline
script) and ``no-cache`` on the service worker and the page, so a new version reaches
the phones at their next start.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from seatdesk.models.db import ROOT

APP_DIR = ROOT / "resources" / "field_app"
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
       "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


class _AppFiles(StaticFiles):
    async def get_response(self, path, scope):
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        if path in ("", ".", "index.html", "sw.js"):
            response.headers["Cache-Control"] = "no-cache"
        return response


class FieldApp:
    def __init__(self, directory: Path = APP_DIR):
        self.directory = directory

    def mount(self, app: FastAPI) -> None:
        @app.get("/field/app", include_in_schema=False)
        def field_app_root() -> RedirectResponse:
            return RedirectResponse("/field/app/")

        app.mount("/field/app", _AppFiles(directory=self.directory, html=True), name="field-app")
