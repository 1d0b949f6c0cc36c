"""The schemathesis fuzzer over /api/openapi.json, as an applicant and as an admin, on each
database: no generated request, however odd, may get a 5xx. Bounded (FUZZ_EXAMPLES requests
per operation, derandomized so a failure reproduces); set TALENTFLOW_FUZZ_EXAMPLES for more."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from flows import submit_selection

FUZZ_EXAMPLES = int(os.environ.get("TALENTFLOW_FUZZ_EXAMPLES", "12"))
# Logging out everywhere would only revoke the fuzzer's own token for the operations after it.
SKIPPED = {("POST", "/api/auth/logout")}


@pytest.mark.parametrize("user", ["applicant", "admin"])
def test_no_generated_request_gets_a_server_error(app, api, user):
    submit_selection(api)  # a case, tasks and history for small generated ids to find
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = {"Authorization": f"Bearer {api.token(user)}"}
    failures, operations, answered = [], 0, set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def probe(case):
            response = case.call(headers=headers)
            answered.add(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code,
                                 response.text[:300]))

        probe()
    assert operations >= 15 and 200 in answered  # the document was read; the token worked
    assert not failures, failures[:5]
