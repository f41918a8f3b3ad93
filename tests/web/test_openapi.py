"""Property tests of the HTTP API from its own OpenAPI document (schemathesis): whatever the
generated parameters and bodies, no 5xx and every response matches the documented schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from inboxtrace.web import WebConfig, create_app
from tests.web.conftest import fill

_WORK = Path(__file__).resolve().parents[2] / "test-artifacts" / "openapi"


def _app() -> object:
    if _WORK.exists():
        shutil.rmtree(_WORK)
    _WORK.mkdir(parents=True)
    db = fill(_WORK / "api.db")
    # sender checks ask a resolver on a closed loopback port: fast, offline answers
    cfg = WebConfig(db=str(db), nameservers=("127.0.0.1:9",), dns_timeout=0.2, max_upload=64 * 1024)
    return create_app(cfg)


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())


def not_a_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> bool:
    assert response.status_code < 500, (
        f"{case.method} {case.path}: {response.status_code} {response.text[:300]}"
    )
    return True


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.timeout(600)
def test_api_never_fails_and_matches_its_schema(case: schemathesis.Case) -> None:
    if case.method.upper() in {"POST", "PUT", "PATCH", "DELETE"}:
        case.headers = {**(case.headers or {}), "x-csrf-token": "t", "cookie": "itx_csrf=t"}
    response = case.call()
    not_a_server_error(None, response, case)
    case.validate_response(response, checks=(response_schema_conformance, content_type_conformance))
