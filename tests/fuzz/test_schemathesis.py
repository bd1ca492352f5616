"""Schemathesis against the app's own OpenAPI schema, in process (no server, no network).

Every operation in /openapi.json is exercised with what schemathesis derives from its
schema: valid requests, boundary values (its coverage phase) and invalid ones (wrong
types, missing fields, unexpected methods). Each answer must hold:

- ``not_a_server_error``: no 5xx;
- ``response_schema_conformance``: the body matches the documented schema, where the
  operation documents one for that status (its 200s; its 422s once they document the
  app's error format);
- the app's own properties (tests/fuzz/checks.py): every 4xx is
  ``{"detail": {"message": ...}}``, every JSON answer parses with a strict parser (no
  NaN or Infinity), and each answer stays within the CPU budget.

Nothing is excluded. The two event streams (``/api/graph/trace/stream`` and
``/api/optimize/stream``, GET and POST) are not JSON but ``text/event-stream``, so
their answers are read as events (each event's data strict JSON; a 422 is one
``error`` event) instead of against a JSON schema.

Pages (``/``, ``/graph``…), ``/docs`` and ``/static`` are not in the schema; the page
and security-header tests cover them.
"""

from __future__ import annotations

import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.main import create_app
from tests.fuzz import strategies as fz
from tests.fuzz.checks import check_json_answer, check_stream_answer, cpu_budget

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())

STREAMS = {"/api/graph/trace/stream", "/api/optimize/stream"}


@schema.parametrize()
@fz.fuzz_settings(40)
def test_every_operation_answers_within_the_contract(case):
    streaming = case.path in STREAMS
    with cpu_budget(f"{case.method} {case.formatted_path}"):
        response = case.call()
    if streaming:
        case.validate_response(response, checks=[not_a_server_error])
        check_stream_answer(response, case.operation.label)
    else:
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        check_json_answer(response, case.operation.label)
