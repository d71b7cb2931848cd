"""Property-based tests of the intake server against its own OpenAPI document
(schemathesis, time-boxed): every operation, with credentials, answers what it documents —
no 5xx, documented status codes and content types, bodies that match their schemas."""

from __future__ import annotations

import time
import warnings

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.server_fixtures import make_server
from tests.workflow_fixtures import open_world

EXAMPLES = 4  # per operation
BUDGET_S = 150.0  # the time box per backend (a loaded machine): later operations are left out
SKIP = {("DELETE", "/field/v1/session")}  # signing out would end every later example's session
#: operations whose schema cannot state every rule, so schema-valid data may be refused:
#: "a real photo" (random bytes get 415/422), Open311's "start before end, at most 90 days",
#: "a new password not the old one, not only spaces"
MEDIA = {("POST", "/field/v1/reports"), ("POST", "/field/v1/tasks/{case_id}/answer"),
         ("POST", "/field/v1/password"),
         ("POST", "/open311/v2/requests.{fmt}"), ("POST", "/hotline12345/v1/orders"),
         ("GET", "/open311/v2/requests.{fmt}"),
         ("GET", "/open311/v2/servicerequestupdates.{fmt}")}


def test_every_operation_keeps_its_contract(make_db):
    srv = make_server(open_world(make_db("workflow_world")))
    headers = {**srv.sign_in(), "X-Api-Key": srv.keys["rx12345"]}
    schema = schemathesis.openapi.from_asgi("/openapi.json", srv.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    checked, started = [], time.monotonic()
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        if time.monotonic() - started > BUDGET_S:
            warnings.warn(f"schemathesis time box: {len(checked)} of {len(operations)} "
                          "operations checked", stacklevel=1)
            break

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            key = (case.method.upper(), case.operation.path)
            excluded = [positive_data_acceptance] if key in MEDIA else []
            case.call_and_validate(headers={**(case.headers or {}), **headers},
                                   excluded_checks=excluded)

        run()
        checked.append(f"{operation.method.upper()} {operation.path}")
    assert len(checked) >= 5


def test_every_429_and_503_documents_retry_after(make_db):
    """A client reading the OpenAPI document learns that a rate limit and a database
    outage say when to ask again (``Retry-After``, seconds)."""
    srv = make_server(open_world(make_db("workflow_world")))
    document = srv.client.get("/openapi.json").json()
    refusals = [(path, method, status, answer)
                for path, operations in document["paths"].items()
                for method, operation in operations.items()
                for status, answer in operation.get("responses", {}).items()
                if status in ("429", "503")]
    assert len(refusals) >= 20
    for path, method, status, answer in refusals:
        header = answer.get("headers", {}).get("Retry-After")
        assert header and header["schema"] == {"type": "integer"}, (path, method, status)
