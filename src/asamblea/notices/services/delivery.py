"""Sending notices outside the app: each due delivery through its channel, in the
member's language, retried with a growing wait, never with anyone else's data.

The worker runs `do_deliver_due` (asamblea.notices.tasks.deliver): right after a notice
is made, and at every tick for what is due again (a retry after a failure, or the
daily digest). A failure is logged with the delivery's number and the error's class,
never an address or a message (an SMTP error quotes the address it refused).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asamblea.federation.models import Person
from asamblea.notices import kinds
from asamblea.notices.channels import Channel, Message, channel
from asamblea.notices.models import Delivery, Notice

logger = logging.getLogger("asamblea.notices")

UNSUBSCRIBE_SALT = "asamblea.notices.unsubscribe"
# Every kind at once: the digest's link stops all of the channel's messages.
ALL_KINDS = "*"
# Deliveries one run of the worker sends at most (the next run sends the rest).
RUN_LIMIT = 500


def person_language(person: Person) -> str:
    """The member's language: their own once they can choose it (Person.language, from
    the "mine" branch's federation migration), else their federation's."""
    return getattr(person, "language", "") or person.federation.language


def unsubscribe_token(user_id: int, channel_name: str, kind: str) -> str:
    return signing.dumps([user_id, channel_name, kind], salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str, str] | None:
    try:
        user_id, channel_name, kind = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(channel_name, str):
        return None
    if not isinstance(kind, str):
        return None
    return user_id, channel_name, kind


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _footer(user_id: int, channel_name: str, kind: str) -> tuple[str, str]:
    url = _absolute(
        reverse("notices_unsubscribe", args=[unsubscribe_token(user_id, channel_name, kind)])
    )
    if kind == ALL_KINDS:
        why = _("You receive this daily digest because you asked for it in Asamblea.")
    else:
        why = _("You receive this because you asked to hear by e-mail when: %(kind)s.") % {
            "kind": kinds.KINDS[kind].label if kind in kinds.KINDS else kind
        }
    lines = [
        "-- ",
        why,
        _("To stop these messages, open: %(url)s") % {"url": url},
        _("To choose what you hear and how: %(url)s")
        % {"url": _absolute(reverse("notice_preferences"))},
    ]
    return "\n".join(lines), url


def _one_message(notice: Notice, address: str, channel_name: str) -> Message:
    text = kinds.sentence(notice.kind, notice.params)
    footer, url = _footer(notice.recipient_id, channel_name, notice.kind)
    body = f"{text}\n\n{_absolute(notice.link)}\n\n{footer}\n"
    subject = _("Asamblea: %(what)s") % {"what": text}
    if len(subject) > 150:
        subject = subject[:149] + "…"
    return Message(address=address, subject=subject, body=body, unsubscribe_url=url)


def _digest_message(
    notices: Sequence[Notice], user_id: int, address: str, channel_name: str
) -> Message:
    count = len(notices)
    items = [f"- {kinds.sentence(n.kind, n.params)}\n  {_absolute(n.link)}" for n in notices]
    footer, url = _footer(user_id, channel_name, ALL_KINDS)
    intro = ngettext(
        "One notice for you in Asamblea since the last digest:",
        "%(count)d notices for you in Asamblea since the last digest:",
        count,
    ) % {"count": count}
    body = intro + "\n\n" + "\n\n".join(items) + f"\n\n{footer}\n"
    subject = ngettext(
        "Asamblea: one notice for you", "Asamblea: %(count)d notices for you", count
    ) % {"count": count}
    return Message(address=address, subject=subject, body=body, unsubscribe_url=url)


def _retry_wait(attempts: int) -> timedelta:
    seconds = settings.NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, 24 * 3600))


def _failed(deliveries: Sequence[Delivery], error: Exception, now: datetime) -> None:
    for delivery in deliveries:
        delivery.attempts += 1
        if delivery.attempts >= settings.NOTICE_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
        else:
            delivery.due_at = now + _retry_wait(delivery.attempts)
        delivery.save(update_fields=["attempts", "state", "due_at"])
    first = deliveries[0]
    # The class of the error only: its text may quote the address it refused.
    logger.warning(
        "notice delivery %s (%s, %d in all) failed, attempt %d%s: %s",
        first.pk,
        first.channel,
        len(deliveries),
        first.attempts,
        ", giving up" if first.state == Delivery.State.FAILED else ", will retry",
        type(error).__name__,
    )


def _recipient(user_id: int) -> Person | None:
    return Person.objects.select_related("federation").filter(user_id=user_id).first()


def _no_address(deliveries: Sequence[Delivery]) -> None:
    for delivery in deliveries:
        delivery.state = Delivery.State.FAILED
        delivery.save(update_fields=["state"])
    logger.info(
        "notice delivery %s: no %s address, not sent", deliveries[0].pk, deliveries[0].channel
    )


def _send(
    way: Channel, deliveries: Sequence[Delivery], user_id: int, now: datetime, digest: bool
) -> int:
    """Send the deliveries (one, or one user's digest) as one message; inside a transaction."""
    person = _recipient(user_id)
    address = way.address(person) if person is not None else ""
    if person is None or not address:
        _no_address(deliveries)
        return 0
    with translation.override(person_language(person)):
        notices = [d.notice for d in deliveries]
        if digest:
            message = _digest_message(notices, user_id, address, way.name)
        else:
            message = _one_message(notices[0], address, way.name)
    try:
        way.send(message)
    except Exception as error:
        _failed(deliveries, error, now)
        return 0
    for delivery in deliveries:
        delivery.state = Delivery.State.SENT
        delivery.sent_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["state", "sent_at", "attempts"])
    return 1


def do_deliver_due(now: datetime | None = None) -> int:
    """Send every delivery due at `now` (a digest: all of a member's due ones at once);
    returns the messages sent. Each message in its own transaction, its rows locked."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state=Delivery.State.PENDING, due_at__lte=now)
    sent = 0
    for pk in list(
        due.filter(digest=False).order_by("due_at", "pk").values_list("pk", flat=True)[:RUN_LIMIT]
    ):
        with transaction.atomic():
            delivery = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("notice")
                .filter(pk=pk, state=Delivery.State.PENDING, due_at__lte=now)
                .first()
            )
            way = channel(delivery.channel) if delivery is not None else None
            if delivery is None or way is None:
                continue
            sent += _send(way, [delivery], delivery.notice.recipient_id, now, digest=False)
    groups = list(
        due.filter(digest=True)
        .order_by()
        .values_list("notice__recipient_id", "channel")
        .distinct()[:RUN_LIMIT]
    )
    for user_id, channel_name in groups:
        way = channel(channel_name)
        if way is None:
            continue
        with transaction.atomic():
            deliveries = list(
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("notice")
                .filter(
                    state=Delivery.State.PENDING,
                    due_at__lte=now,
                    digest=True,
                    channel=channel_name,
                    notice__recipient_id=user_id,
                )
                .order_by("notice__created_at", "pk")
            )
            if deliveries:
                sent += _send(way, deliveries, user_id, now, digest=True)
    return sent


def has_due(now: datetime) -> bool:
    return Delivery.objects.filter(state=Delivery.State.PENDING, due_at__lte=now).exists()
