"""The OpenAPI document describes what the API really accepts and answers.

django-ninja names each component after its class: two `MergeIn` classes in two apps would
silently share one entry, and one of the two routes would be documented with the other's
fields (the contacts merge once advertised the tickets' `duplicate_ids`)."""

import json
from collections import defaultdict

import ninja
from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema

from peyvand.api import api


def _schema_classes() -> list[type]:
    found, stack = [], [ninja.Schema]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("peyvand."):
                found.append(sub)
    return found


def _shape(model: type) -> str:
    shapes = [
        model.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
        )
        for mode in ("validation", "serialization")
    ]
    return json.dumps(shapes, sort_keys=True)


def test_no_two_different_api_schemas_share_a_component_name():
    api.get_openapi_schema()  # every router is mounted, so every schema class is imported
    by_name: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for model in _schema_classes():
        by_name[model.__name__][_shape(model)].append(f"{model.__module__}.{model.__qualname__}")
    clashes = {name: list(shapes.values()) for name, shapes in by_name.items() if len(shapes) > 1}
    assert clashes == {}


def test_the_merge_routes_document_their_own_bodies():
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    components = api.get_openapi_schema(path_prefix="/api/v1/")["components"]["schemas"]

    def body(path: str) -> dict:
        ref = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[-1]]["properties"]

    assert "duplicate_id" in body("/api/v1/contacts/{id}/merge")
    assert "duplicate_ids" in body("/api/v1/service/tickets/{ticket_id}/merge")


def test_every_operation_documents_its_error_answers_and_path_ids_are_not_negative():
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "4XX" in operation["responses"], (method, path)
            for parameter in operation.get("parameters", ()):
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    assert parameter["schema"]["minimum"] >= 0, (method, path)


def test_error_answers_have_the_documented_shape(admin_api):
    response = admin_api.post("/api/v1/contacts", {"first_name": 5})
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str)
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in body["errors"].values()
    )
    missing = admin_api.get("/api/v1/contacts/999999")
    assert missing.status_code == 404
    assert set(missing.json()) == {"detail"}


def test_numbers_past_what_the_database_holds_are_refused_not_a_server_error(admin_api):
    huge = 2**80  # found by the fuzzing: SQLite raised OverflowError, PostgreSQL DataError
    response = admin_api.get("/api/v1/commerce/products", {"category_id": huge})
    # PostgreSQL compares the number and finds nothing; SQLite cannot bind it: refused.
    assert response.status_code in (200, 422)
    assert response.status_code == 200 or response.json()["detail"]
    plan = {"name": "x", "rate": "5", "effective_from": "2026-01-01", "user_ids": [huge]}
    response = admin_api.post("/api/v1/commissions/plans", plan)
    assert response.status_code == 422


def test_an_unknown_api_address_answers_json_404(admin_api, admin_client):
    response = admin_api.get("/api/v1/tasks/abc")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    page = admin_client.get("/contacts/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
