"""Property-based fuzzing of the whole REST API (/api/v1) with schemathesis, in-process (WSGI).

Every operation of /api/v1/openapi.json gets a bounded number of generated requests, sent as
an administrator through the Django WSGI application; each answer must not be a server error
and must match the schema (status code documented, body shaped as documented, JSON when JSON
is promised). Run with `make fuzz`; CI runs it as its own leg (`.ci/run fuzz`). Marked
`fuzz`: the everyday suite leaves it out (pyproject addopts `-m "not fuzz"`)."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peyvand.accounts.models import ApiToken
from peyvand.api import api

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

# Small by default so CI stays within minutes; FUZZ_EXAMPLES=100 for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Valid and invalid requests ("all"); invalid ones must be answered 4xx, never 500.
MODE = os.environ.get("FUZZ_MODE", "all")

schema = schemathesis.openapi.from_dict(
    api.get_openapi_schema(path_prefix="/api/v1/"),
    config=schemathesis.Config.from_dict(
        {"generation": {"mode": MODE, "max-examples": MAX_EXAMPLES}}
    ),
)
schema.app = get_wsgi_application()  # in-process: Django's WSGI handler, no server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_headers(admin_user, settings):
    """An administrator's token and a few records, so that ids 1, 2... often exist."""
    settings.API_RATE_LIMIT = 10**9  # thousands of requests with one token, by design
    from peyvand.contacts.tests.factories import CompanyFactory, ContactFactory

    CompanyFactory.create_batch(2)
    ContactFactory.create_batch(3)
    _, raw = ApiToken.issue(admin_user, "fuzz")
    return {"Authorization": f"Bearer {raw}"}


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: a CI failure reproduces locally
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_operation(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)
