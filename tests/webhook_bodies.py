"""Webhook deliveries the receiver's and the parser's tests share: the receiver's secret and path, and the two
shapes E-goi's deliveries are known to take (the sandbox's, and the seed data's), both dated T0."""

from datetime import UTC, datetime

SECRET = "webhook-test-secret-0123456789abcdef"
URL = f"/webhooks/egoi/{SECRET}"
FORM = "application/x-www-form-urlencoded"
T0 = datetime(2026, 11, 25, 10, tzinfo=UTC)

SANDBOX_BODY = {
    "action": "subscription",
    "list_id": 1,
    "contact_id": "8f3a27ef26",
    "email": "a@b.c",
    "campaign_hash": None,
    "event_date": "2026-11-25 10:00:00",
    "delivery_id": "5b0a7c1e-delivery",
    "contact": {"base": {"contact_id": "8f3a27ef26", "email": "a@b.c", "first_name": "Ana"}},
}
SEED_BODY = {
    "event": "New Subscriber",
    "data": {
        "contact": {"id": "0a1b2c3d4e", "email": "john@example.com", "first_name": "John"},
        "campaign": {"id": 42},
        "timestamp": "2026-11-25T10:00:00Z",
    },
}
