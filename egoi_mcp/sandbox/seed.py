"""Demo data for the sandbox: a small, believable and fully deterministic account.

Three lists (Newsletter, Customers, Events), each with extra fields, and two senders (`seed_authoring.py`),
with 30 contacts between them (some people are in two lists,
with a different contact id in each), five tags, one saved segment per list and five e-mail campaigns,
two of them sent. Every address is at example.com or example.org; nobody can be mailed.

It comes with a history, as activities: each contact's subscription (and tags, and unsubscription), and
the two sent campaigns' sends, bounces, opens and clicks (`engagement.py`, spread over the days after the
send), with the contacts' e-mail stats and the campaigns' `processed_messages` to match. No webhook
existed then, so none of it was posted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, datetime, timedelta

from egoi_mcp.sandbox.engagement import outcome
from egoi_mcp.sandbox.models import Campaign, Contact, MailingList, SavedSegment, SegmentRule, Tag
from egoi_mcp.sandbox.seed_authoring import seed_authoring
from egoi_mcp.sandbox.state import Sandbox

_LISTS = [
    ("Newsletter", "Acme Weekly", datetime(2024, 9, 2, 9, 0, tzinfo=UTC)),
    ("Customers", "Acme Customers", datetime(2024, 10, 14, 10, 30, tzinfo=UTC)),
    ("Events", "Acme Events & Meetups", datetime(2025, 1, 20, 15, 0, tzinfo=UTC)),
]

_TAGS = [
    ("vip", "#E5B80B"),
    ("new-signup", "#00AEDA"),
    ("lisbon", "#2E86DE"),
    ("beta-tester", "#8E44AD"),
    ("churn-risk", "#E74C3C"),
]

# list number, first name, last name, e-mail, cellphone, language, status, tag names
_CONTACTS = [
    (1, "Ana", "Silva", "ana.silva@example.com", "351-912345678", "pt", "active", ["vip", "lisbon"]),
    (1, "João", "Pereira", "joao.pereira@example.com", "351-913456789", "pt", "active", ["lisbon"]),
    (1, "Maria", "Santos", "maria.santos@example.org", "", "pt", "active", []),
    (1, "Emma", "Johnson", "emma.johnson@example.com", "", "en", "active", ["new-signup"]),
    (1, "Liam", "Smith", "liam.smith@example.org", "", "en", "active", ["beta-tester"]),
    (1, "Olivia", "Brown", "olivia.brown@example.com", "", "en", "removed", []),
    (1, "Noah", "Wilson", "noah.wilson@example.com", "", "en", "active", ["new-signup"]),
    (1, "Chloé", "Dubois", "chloe.dubois@example.org", "", "fr", "active", []),
    (1, "Hannah", "Müller", "hannah.mueller@example.com", "", "de", "active", ["beta-tester"]),
    (1, "Lucía", "García", "lucia.garcia@example.com", "", "es", "inactive", []),
    (1, "Sofia", "Rodrigues", "sofia.rodrigues@example.com", "351-914567890", "pt", "active", ["vip"]),
    (1, "Tiago", "Oliveira", "tiago.oliveira@example.org", "", "pt", "unconfirmed", ["new-signup"]),
    (2, "Ana", "Silva", "ana.silva@example.com", "351-912345678", "pt", "active", ["vip"]),
    (2, "Miguel", "Almeida", "miguel.almeida@example.com", "351-915678901", "pt", "active", ["vip", "lisbon"]),
    (2, "Beatriz", "Carvalho", "beatriz.carvalho@example.org", "", "pt", "active", ["churn-risk"]),
    (2, "Rui", "Gomes", "rui.gomes@example.com", "", "pt", "active", []),
    (2, "Carla", "Martins", "carla.martins@example.com", "351-916789012", "pt", "active", ["lisbon"]),
    (2, "Emma", "Johnson", "emma.johnson@example.com", "", "en", "active", []),
    (2, "Jonas", "Schmidt", "jonas.schmidt@example.org", "", "de", "active", ["churn-risk"]),
    (2, "Pablo", "Fernández", "pablo.fernandez@example.com", "", "es", "active", []),
    (2, "Lucas", "Martin", "lucas.martin@example.org", "", "fr", "removed", []),
    (2, "Diogo", "Sousa", "diogo.sousa@example.com", "", "pt", "inactive", ["churn-risk"]),
    (2, "Inês", "Ferreira", "ines.ferreira@example.com", "351-917890123", "pt", "active", ["vip"]),
    (3, "João", "Pereira", "joao.pereira@example.com", "351-913456789", "pt", "active", ["lisbon"]),
    (3, "Inês", "Ferreira", "ines.ferreira@example.com", "", "pt", "active", ["lisbon"]),
    (3, "Pedro", "Costa", "pedro.costa@example.org", "351-918901234", "pt", "active", ["lisbon", "beta-tester"]),
    (3, "Liam", "Smith", "liam.smith@example.org", "", "en", "active", []),
    (3, "Marta", "Ribeiro", "marta.ribeiro@example.com", "351-919012345", "pt", "active", ["lisbon"]),
    (3, "Sam", "Taylor", "sam.taylor@example.com", "", "en", "active", []),
    (3, "Hugo", "Lopes", "hugo.lopes@example.org", "", "pt", "active", []),
]

# list number, name, (field, operator, value)
_SAVED_SEGMENTS = [
    (1, "Portuguese speakers", ("language", "equal_to", "pt")),
    (2, "Cellphone on file", ("cellphone", "not_equal_to", "")),
    (3, "Joined in January 2025", ("subscription_date", "date_range", "2025-01-01,2025-01-31")),
]

# list number, internal name, subject, sent on (None: draft)
_CAMPAIGNS = [
    (1, "Welcome series #1", "Welcome to Acme Weekly!", datetime(2024, 11, 5, 8, 0, tzinfo=UTC)),
    (1, "Newsletter - March 2025", "March at Acme: spring product news", datetime(2025, 3, 4, 8, 0, tzinfo=UTC)),
    (1, "Newsletter - April 2025", "April at Acme: what's new", None),
    (2, "Spring sale - customers", "20% off for our customers, this week only", None),
    (3, "Lisbon meetup invitation", "Join us at the Lisbon meetup on 12 June", None),
]


def seed(sandbox: Sandbox) -> None:
    lists = [_add_list(sandbox, *row) for row in _LISTS]
    tags = {name: _add_tag(sandbox, name, color, lists[0].created) for name, color in _TAGS}
    joined_so_far: Counter[int] = Counter()
    for position, (number, first, last, email, cellphone, language, status, tag_names) in enumerate(_CONTACTS):
        mailing_list = lists[number - 1]
        joined = mailing_list.created + timedelta(days=5 * joined_so_far[number], hours=position % 7)
        joined_so_far[number] += 1
        contact = Contact(
            contact_id=sandbox.new_contact_id(),
            list_id=mailing_list.list_id,
            subscription_date=joined,
            change_date=joined,
            email=email,
            first_name=first,
            last_name=last,
            cellphone=cellphone,
            language=language,
            status=status,
            subscription_method="form" if position % 3 else "imported",
            tags={tags[name].tag_id for name in tag_names},
        )
        sandbox.contacts[contact.contact_id] = contact
        sandbox.record("subscription", contact, joined)
        for tag_id in sorted(contact.tags):
            sandbox.record("attach_tag", contact, joined + timedelta(minutes=1), tag_id=tag_id)
        if status == "removed":
            contact.unsubscription_method = "unsubscribe_link"
            contact.unsubscription_reason = "not_interested"
            contact.unsubscription_date = contact.change_date = joined + timedelta(days=40)
            sandbox.record("unsubscribe", contact, contact.unsubscription_date)
    for number, name, (field, operator, value) in _SAVED_SEGMENTS:
        mailing_list = lists[number - 1]
        segment_id = f"seg_{sandbox.next_id('segment')}"
        when = mailing_list.created + timedelta(days=1)
        rule = SegmentRule(field, operator, value)
        sandbox.segments[segment_id] = SavedSegment(segment_id, mailing_list.list_id, name, [rule], when, when)
    seed_authoring(sandbox)
    for number, internal_name, subject, sent_on in _CAMPAIGNS:
        campaign = _add_campaign(sandbox, lists[number - 1], internal_name, subject, sent_on)
        if sent_on is not None:
            _history(sandbox, campaign, sent_on)


def _add_list(sandbox: Sandbox, internal_name: str, public_name: str, created: datetime) -> MailingList:
    record = MailingList(sandbox.next_id("list"), internal_name, public_name, created=created, updated=created)
    sandbox.lists[record.list_id] = record
    return record


def _add_tag(sandbox: Sandbox, name: str, color: str, created: datetime) -> Tag:
    tag = Tag(sandbox.next_id("tag"), name, color, created=created)
    sandbox.tags[tag.tag_id] = tag
    return tag


def _add_campaign(
    sandbox: Sandbox,
    mailing_list: MailingList,
    internal_name: str,
    subject: str,
    sent_on: datetime | None,
) -> Campaign:
    number = sandbox.next_id("campaign")
    campaign_hash = hashlib.sha256(f"egoi-sandbox-campaign-{number}".encode()).hexdigest()[:16]
    created = (sent_on or datetime(2025, 4, 22, 14, 0, tzinfo=UTC)) - timedelta(days=2)
    campaign = sandbox.campaigns[campaign_hash] = Campaign(
        id=number,
        campaign_hash=campaign_hash,
        list_id=mailing_list.list_id,
        internal_name=internal_name,
        title=subject,
        created=created,
        updated=sent_on or created,
        status="sent" if sent_on else "draft",
        start_date=sent_on,
        end_date=sent_on + timedelta(minutes=12) if sent_on else None,
    )
    return campaign


def _history(sandbox: Sandbox, campaign: Campaign, sent_on: datetime) -> None:
    """What happened when a seeded campaign was sent, to the contacts subscribed and active then."""
    recipients = [
        contact
        for contact in sandbox.contacts_of(campaign.list_id)
        if contact.subscription_date < sent_on
        and contact.status in ("active", "removed")
        and (contact.unsubscription_date is None or contact.unsubscription_date > sent_on)
    ]
    for position, contact in enumerate(recipients):
        sent = sent_on + timedelta(minutes=position)
        result = outcome(campaign.campaign_hash, contact.contact_id)
        stats = contact.email_stats
        stats.sent += 1
        stats.last_send_date = max(sent, stats.last_send_date or sent)
        sandbox.record("email_send", contact, sent, campaign_hash=campaign.campaign_hash)
        if result.bounced:
            stats.soft_bounces += 1
            sandbox.record(
                "email_soft_bounce", contact, sent + timedelta(minutes=1), campaign_hash=campaign.campaign_hash
            )
        opened = sent + result.open_after
        for nth in range(result.opens):
            when = opened + timedelta(days=nth)
            stats.opens += 1
            stats.last_open_date = max(when, stats.last_open_date or when)
            sandbox.record("email_open", contact, when, campaign_hash=campaign.campaign_hash)
        if result.click is not None:
            when = opened + timedelta(minutes=3)
            stats.clicks += 1
            stats.last_click_date = max(when, stats.last_click_date or when)
            sandbox.record("email_click", contact, when, campaign_hash=campaign.campaign_hash, url=result.click)
    campaign.processed_messages = len(recipients)
