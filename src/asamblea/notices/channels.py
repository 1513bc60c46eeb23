"""The channels that carry a notice: in the app (always), by e-mail (opted in), and so on.

Each channel is registered in `asamblea.hooks.notice_channel` under its name. A channel
outside the app reads its address from the member's `Person` and sends `Message`s; the
worker calls it with retries (asamblea.notices.services.delivery). An SMS channel would
be one more class here or in its own app: `address` reads Person.phone, `send` calls the
gateway, and the preferences page offers it as soon as it is registered and available.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asamblea import hooks
from asamblea.federation.models import Person


@dataclass(frozen=True)
class Message:
    """One message to one address: the recipient's own notices only, in their language."""

    address: str
    subject: str
    body: str
    # Where one click stops these messages (RFC 8058), absolute.
    unsubscribe_url: str


class Channel:
    """A way to tell a member of a notice. Subclasses set `name` and `label`."""

    name = ""
    label: Promise | str = ""
    # False for the app itself: its notices are the Notice rows, nothing to deliver.
    outside = True

    def available(self) -> bool:
        """Whether the operator configured it (no e-mail server: no e-mail channel)."""
        return True

    def address(self, person: Person) -> str:
        """The person's address on this channel, or "" if they gave none."""
        return ""

    def send(self, message: Message) -> None:
        """Send one message; raise on failure (the worker retries later)."""
        raise NotImplementedError


class InAppChannel(Channel):
    name = "app"
    label = _("In Asamblea")
    outside = False


class EmailChannel(Channel):
    name = "email"
    label = _("By e-mail")

    def available(self) -> bool:
        return bool(settings.EMAIL_HOST)

    def address(self, person: Person) -> str:
        return str(person.email or "")

    def send(self, message: Message) -> None:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
            headers={
                "List-Unsubscribe": f"<{message.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        ).send(fail_silently=False)


hooks.notice_channel.add(InAppChannel.name, InAppChannel())
hooks.notice_channel.add(EmailChannel.name, EmailChannel())


def channel(name: str) -> Channel | None:
    found = hooks.notice_channel.first(name)
    return found if isinstance(found, Channel) else None


def outside_channels() -> list[Channel]:
    """The registered channels outside the app that are configured, by name."""
    found = [channel(name) for name in hooks.notice_channel.registered()]
    return [c for c in found if c is not None and c.outside and c.available()]
