"""A member's notices in the app: the unread count, the list, marking them read."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from asamblea.errors import NotFound
from asamblea.federation.membership import User
from asamblea.notices.models import Notice

PER_PAGE = 20


def unread_count(user: User) -> int:
    """One indexed COUNT (notice_unread): cheap enough for every page's header."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def access_notices(user: User, page: str | int | None) -> Page[Notice]:
    """A page of the user's own notices, newest first (a bad page number: the nearest)."""
    notices: QuerySet[Notice] = Notice.objects.filter(recipient_id=user.pk).order_by(
        "-created_at", "-pk"
    )
    return Paginator(notices, PER_PAGE).get_page(page)


def access_notice(user: User, notice_id: int) -> Notice:
    """One of the user's own notices; someone else's is as unknown as a missing one."""
    notice = Notice.objects.filter(recipient_id=user.pk, pk=notice_id).first()
    if notice is None:
        raise NotFound(_("No such notice."))
    return notice


@transaction.atomic
def do_mark_notice_read(user: User, notice_id: int) -> Notice:
    notice = access_notice(user, notice_id)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


@transaction.atomic
def do_mark_all_notices_read(user: User) -> int:
    """Mark every unread notice of the user read; returns how many."""
    return Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
