"""The async E-goi client: `EGoiClient`, its operations grouped by resource over one transport (see `_client`).

`request_budget` bounds the E-goi requests of one call (a tool call); `SendPlan` is what `campaigns.plan_send`
works out for `campaigns.send`; `Listing` is a whole-collection result that says whether it is complete.
`TagName` marks a tag argument as a name, never an id (a tag may be named "2026").
"""

from egoi_mcp.client._account import Account
from egoi_mcp.client._call_budget import (
    DEFAULT_CALL_BOUND,
    Listing,
    RequestBudget,
    default_call_bound,
    request_budget,
)
from egoi_mcp.client._campaigns import SendPlan
from egoi_mcp.client._channels import Channel, route
from egoi_mcp.client._client import DEFAULT_BASE_URL, EGoiClient
from egoi_mcp.client._contacts import ContactStatus, DeleteMode
from egoi_mcp.client._content import CampaignDetail, ContentSummary
from egoi_mcp.client._field_values import FieldValue
from egoi_mcp.client._fields import ListField
from egoi_mcp.client._senders import Sender
from egoi_mcp.client._tag_cache import TagName
from egoi_mcp.client._validate import egoi_phone

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CALL_BOUND",
    "Account",
    "CampaignDetail",
    "Channel",
    "ContactStatus",
    "ContentSummary",
    "DeleteMode",
    "EGoiClient",
    "FieldValue",
    "ListField",
    "Listing",
    "RequestBudget",
    "SendPlan",
    "Sender",
    "TagName",
    "default_call_bound",
    "egoi_phone",
    "request_budget",
    "route",
]
