"""A database that cannot answer gives 503 + Retry-After (translated page, API JSON shape), not
500, and the next request works again (peyvand.core.errors)."""

from __future__ import annotations

import os

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from peyvand.core import errors

pytestmark = pytest.mark.urls("peyvand.core.tests.outage_urls")


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["operational", "interface"])
def test_view_database_error_is_503_page(client, kind):
    response = client.get(f"/outage/{kind}/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert 'dir="rtl"' in body
    assert "ثانیه" in body  # the Persian message ("... a few seconds")


@pytest.mark.django_db
def test_503_page_follows_the_language_cookie(client):
    client.cookies["django_language"] = "en"
    response = client.get("/outage/operational/")
    assert response.status_code == 503
    body = response.content.decode()
    assert 'dir="ltr"' in body and "Briefly unavailable" in body


@pytest.mark.django_db
def test_other_exceptions_stay_500(client):
    with pytest.raises(ValueError):
        client.get("/outage/bug/")


@pytest.mark.django_db
def test_api_database_error_is_503_json(admin_api, monkeypatch, settings):
    settings.DATABASE_RETRY_AFTER_SECONDS = 7

    def broken(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    from peyvand.contacts import selectors

    monkeypatch.setattr(selectors, "contact_list", broken)
    response = admin_api.get("/api/v1/contacts")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert set(response.json()) == {"detail"}
    assert response.json()["detail"]


@pytest.mark.django_db
def test_error_outside_a_view_goes_through_handler500():
    """A middleware's session lookup fails before any view runs: Django calls handler500 inside
    its except block; that still answers 503."""
    request = RequestFactory().get("/contacts/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = errors.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]
    try:
        raise ValueError("bug")
    except ValueError:
        assert errors.server_error(request).status_code == 500


@pytest.mark.django_db
def test_middleware_failure_is_503_through_the_whole_stack(admin_user, monkeypatch):
    from django.contrib.sessions.backends.db import SessionStore

    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def unreachable(self, *args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(SessionStore, "load", unreachable)
    response = client.get("/api/v1/contacts")
    assert response.status_code == 503
    assert "detail" in response.json()
    response = client.get("/contacts/")
    assert response.status_code == 503
    monkeypatch.undo()
    assert client.get("/contacts/").status_code == 200


# --- Real PostgreSQL: the connection is cut by the server --------------------------------------

needs_pg = pytest.mark.skipif(
    connection.vendor != "postgresql" and "postgres" not in os.environ.get("DATABASE_URL", ""),
    reason="needs PostgreSQL (DATABASE_URL=postgres://...)",
)


def _terminate(pid: int) -> None:
    """Cut one backend from a separate connection, as a server restart or an administrator's
    pg_terminate_backend would. Never stops the server (other sessions share it)."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@needs_pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_backend_terminated_mid_request_then_recovers(admin_user, monkeypatch):
    from peyvand.contacts.tests.factories import ContactFactory

    ContactFactory.create_batch(3)
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    assert client.get("/contacts/").status_code == 200

    from peyvand.contacts import selectors

    real = selectors.contact_list

    def cut_then_query(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _terminate(cursor.fetchone()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "contact_list", cut_then_query)
    response = client.get("/api/v1/contacts", headers={"Accept": "application/json"})
    assert response.status_code == 503, response.content
    assert response["Retry-After"]
    monkeypatch.undo()

    # The broken connection was closed at the end of that request: the next one reconnects.
    response = client.get("/api/v1/contacts")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 3


@needs_pg
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_all_backends_terminated_between_requests(admin_user):
    """Every other backend of the database is cut (what a restart does to idle persistent
    connections): the health check on the next request notices and reconnects."""
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    assert client.get("/contacts/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = cursor.fetchone()[0]
    _terminate(own)
    statuses = [client.get("/contacts/").status_code for _ in range(3)]
    assert set(statuses) <= {200, 503}
    assert statuses[-1] == 200
