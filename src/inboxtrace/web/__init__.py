"""``inboxtrace serve``: the web app and HTTP API over the store.

:func:`create_app` builds the FastAPI app from a :class:`WebConfig`; pages live in
:mod:`inboxtrace.web.pages`, the JSON API in :mod:`inboxtrace.web.api`, extra routers (ESP webhooks)
are listed in :mod:`inboxtrace.web.routers`. The web layer only calls library functions.
"""

from inboxtrace.web.app import create_app
from inboxtrace.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
