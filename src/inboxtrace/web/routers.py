"""The one place where routers from other parts of inboxtrace are mounted on the web app.

Add an entry to :data:`EXTRA_ROUTERS` (``"module:attribute"`` naming a FastAPI ``APIRouter``) to
serve it; e.g. the ESP webhook receivers. Each router brings its own paths and authentication
(webhooks verify their providers' signatures, not inboxtrace tokens); the app's security headers,
metrics and problem+json errors apply to them too.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter

EXTRA_ROUTERS: tuple[str, ...] = ()


def extra_routers() -> list[APIRouter]:
    out = []
    for spec in EXTRA_ROUTERS:
        module, _, attr = spec.partition(":")
        router = getattr(importlib.import_module(module), attr)
        if not isinstance(router, APIRouter):
            raise TypeError(f"{spec} is not an APIRouter")
        out.append(router)
    return out
