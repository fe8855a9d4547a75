"""E-goi's objects as its OpenAPI file's examples give them, for the client's tests (their fixtures: conftest.py),
and the check that every request was authenticated."""

from __future__ import annotations

import json
import ssl
from typing import Any

import httpx
import respx

BASE = "https://api.egoiapp.com"
API_KEY = "test-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CONTACT = "8f3a27ef26"
OTHER = "0a1b2c3d4e"
TLS = ssl.create_default_context()  # one for the module: building it per client costs more than a test


def transport() -> httpx.AsyncHTTPTransport:
    """A real httpx transport (respx intercepts below it), sharing the module's TLS context."""
    return httpx.AsyncHTTPTransport(verify=TLS)


NOT_FOUND = {
    "type": "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html",
    "title": "NotFound",
    "status": 404,
    "detail": "The requested resource does not exist",
}


def egoi_contact(contact_id: str = CONTACT, email: str = "john@example.com", **base: Any) -> dict[str, Any]:
    """A `ComplexContact` as `GET /lists/{id}/contacts/{contact_id}` returns it."""
    return {
        "base": {
            "contact_id": contact_id,
            "status": "active",
            "consent": "",
            "subscription_method": "api",
            "subscription_date": "2024-05-06 10:20:30",
            "first_name": "John",
            "last_name": "Doe",
            "birth_date": "1975-01-10",
            "language": "en",
            "email": email,
            "email_status": "active",
            "cellphone": "351-912345678",
            "cellphone_status": "active",
            "phone": "",
            "phone_status": "inactive",
            **base,
        },
        "extra": [{"field_id": 1, "format": "text", "value": "Lisbon"}],
        "tags": [1, 2],
        "email_stats": {"sent": 3, "opens": 1},
    }


def egoi_list(list_id: int = 3, internal: str = "Newsletter", public: str = "Weekly") -> dict[str, Any]:
    return {
        "list_id": list_id,
        "internal_name": internal,
        "public_name": public,
        "status": "active",
        "group_id": 1,
        "created": "2024-05-06 10:20:30",
        "updated": "2024-05-07 08:00:00",
    }


def egoi_tag(tag_id: int, name: str, color: str = "#FFFFFF") -> dict[str, Any]:
    return {"tag_id": tag_id, "name": name, "color": color}


def egoi_campaign(campaign_hash: str = "abc123", created: str = "2024-05-06T10:20:30Z") -> dict[str, Any]:
    return {
        "id": 7,
        "campaign_hash": campaign_hash,
        "status": "draft",
        "thumbnail": "//bo29.e-goi.com/recursos/resource_folder/listas/name_image.jpg",
        "channel": "email",
        "internal_name": "Spring sale",
        "list_id": 3,
        "title": "20% off everything",
        "created_by": 1,
        "group_id": 1,
        "created": created,
        "updated": created,
        "start_date": None,
        "end_date": None,
        "schedule_date": {"enabled": False, "date": None},
        "processed_messages": 0,
        "automation_id": 0,
    }


def collection(items: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    return {"total_items": len(items) if total is None else total, "items": items}


def body_of(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


def assert_auth(api: respx.MockRouter) -> None:
    """Every request carried the key in E-goi's `Apikey` header, and asked for JSON."""
    assert api.calls
    for call in api.calls:
        assert call.request.headers["Apikey"] == API_KEY
        assert call.request.headers["Accept"] == "application/json"
        assert call.request.url.host == "api.egoiapp.com"
        assert call.request.url.scheme == "https"
