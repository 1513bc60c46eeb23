"""How a member wants to hear of each kind of notice outside the app, and unsubscribing."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from asamblea.errors import InvalidInput, PermissionDenied
from asamblea.federation.membership import User
from asamblea.notices import kinds
from asamblea.notices.channels import channel
from asamblea.notices.models import Delivery, Mode, NoticeChoice

OFF = "off"


def access_choices(user: User) -> dict[tuple[str, str], str]:
    """{(channel, kind): mode} of the user's choices (missing: off)."""
    if not user.is_authenticated:
        return {}
    return {
        (c, k): m
        for c, k, m in NoticeChoice.objects.filter(user=user).values_list("channel", "kind", "mode")
    }


@transaction.atomic
def do_set_notice_choices(user: User, channel_name: str, modes: Mapping[str, str]) -> None:
    """Set the user's mode ("off", "immediate" or "digest") for each kind, on one channel."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to choose how you hear of notices."))
    way = channel(channel_name)
    if way is None or not way.outside:
        raise InvalidInput(_("Unknown way of sending notices."))
    for kind, mode in modes.items():
        if kind not in kinds.KINDS:
            raise InvalidInput(_("Unknown kind of notice."))
        if mode not in (OFF, *Mode.values):
            raise InvalidInput(_("Choose at once, in a daily digest, or not at all."))
    for kind, mode in modes.items():
        if mode == OFF:
            _stop(user.pk, channel_name, kind)
        else:
            NoticeChoice.objects.update_or_create(
                user_id=user.pk, channel=channel_name, kind=kind, defaults={"mode": mode}
            )


def _stop(user_id: int, channel_name: str, kind: str) -> int:
    choices = NoticeChoice.objects.filter(user_id=user_id, channel=channel_name)
    waiting = Delivery.objects.filter(
        notice__recipient_id=user_id, channel=channel_name, state=Delivery.State.PENDING
    )
    if kind != "*":
        choices = choices.filter(kind=kind)
        waiting = waiting.filter(notice__kind=kind)
    waiting.update(state=Delivery.State.CANCELLED)
    return choices.delete()[0]


@transaction.atomic
def do_unsubscribe(user_id: int, channel_name: str, kind: str) -> int:
    """Stop one kind ("*": every kind) on a channel, from a signed link: no login needed.
    Unsubscribing twice is harmless. Returns the choices removed."""
    return _stop(user_id, channel_name, kind)
