"""`GET /lists/{list_id}/contacts/{contact_id}/activities`: a contact's timeline, newest first.

It holds everything the sandbox recorded for the contact: `subscription`, `edit_subscription`,
`unsubscribe`, `resubscription`, the campaigns' `email_send`, `email_open`, `email_click` (with the url)
and `email_soft_bounce`, and `attach_tag`/`detach_tag`. Paged with `offset`/`limit` (the answer is
`{"items": [...]}`, with no total, as the spec's `ActivityCollection`); `date_min`/`date_max` bound the
dates (inclusive) and `action_name` keeps one action. The spec documents no 404 here: an unknown list
or contact answers 422 on `list_id` or `contact_id`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.routing import Route

from egoi_mcp.sandbox import render
from egoi_mcp.sandbox.endpoints._common import list_or_422, sandbox_of
from egoi_mcp.sandbox.params import choice, paging, window
from egoi_mcp.sandbox.problems import invalid
from egoi_mcp.sandbox.responses import JSONResponse

ACTION_NAMES = (
    "email_open", "email_click", "forward", "conversion", "email_send", "sms_send", "voice_send", "mms_send",
    "sms_report", "voice_report", "invitation_send", "invitation_open", "mms_open", "unsubscribe",
    "email_soft_bounce", "email_hard_bounce", "subscription", "resubscription", "unsubscribe_reason",
    "facebook_like", "social_share", "unsubscribe_manual", "double_optin", "double_optin_resend",
    "email_spam_complaint", "email_field_disable", "cellphone_field_disable", "phone_field_disable",
    "unsubscribe_api", "email_field_enable", "cellphone_field_enable", "phone_field_enable",
    "edit_subscription", "double_optedit", "automation_event", "push_send", "push_open", "push_click",
    "push_received", "push_error", "push_canceled", "reply_to_email", "web_push_send", "web_push_delivered",
    "web_push_open", "web_push_bounce", "web_push_click", "web_push_subscription", "web_push_unsubscription",
    "add_push_contact", "remove_push_contact", "forget_subscription", "change_consent", "push_unsubscription",
    "voice_menu_event", "voice_redirect", "automation_action", "automation_trigger", "push_delivered",
    "attach_tag", "detach_tag", "smart_sms_send", "smart_sms_open", "smart_sms_click", "smart_sms_report",
)  # fmt: skip


async def get_activities(request: Request) -> JSONResponse:
    record = list_or_422(request)
    offset, limit = paging(request)
    action = choice(request, "action_name", ACTION_NAMES)
    since, until = _date(request, "date_min"), _date(request, "date_max")
    sandbox = sandbox_of(request)
    contact_id = request.path_params["contact_id"].lower()
    if sandbox.find_contact(record.list_id, contact_id) is None:
        raise invalid({"contact_id": f"Contact not found in list {record.list_id}"}, detail="Contact not found")
    found = [
        activity
        for activity in sandbox.activities
        if activity.contact_id == contact_id
        and activity.list_id == record.list_id
        and action in (None, activity.action)
        and (since is None or activity.date >= since)
        and (until is None or activity.date <= until)
    ]
    found.sort(key=lambda a: (a.date, a.seq), reverse=True)
    return JSONResponse({"items": [render.activity(a) for a in window(found, offset, limit)]})


def _date(request: Request, name: str) -> datetime | None:
    """A date-time bound, `YYYY-MM-DD HH:MM:SS` (UTC) or RFC 3339; a bare date is the whole day."""
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid({name: "Must be a date-time, YYYY-MM-DD HH:MM:SS"}) from None
    if len(raw) == len("YYYY-MM-DD") and name == "date_max":
        when += timedelta(days=1, seconds=-1)
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


routes = [Route("/lists/{list_id}/contacts/{contact_id}/activities", get_activities, methods=["GET"])]
