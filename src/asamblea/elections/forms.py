"""Forms of the election pages: they parse and check shapes; the rules are in `services`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asamblea.elections.models import Election
from asamblea.elections.services import PARITY_GROUPS
from asamblea.federation.models import Body, Delegation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

METHOD_CHOICES = [
    ("", _("Automatic: single transferable vote for several seats, instant runoff for one")),
    (Election.Method.STV, _("Single transferable vote (Scottish rules)")),
    (Election.Method.STV_MEEK, _("Single transferable vote (Meek)")),
    (Election.Method.IRV, _("Instant runoff (one seat)")),
    (Election.Method.APPROVAL, _("Approval")),
    (Election.Method.PLURALITY, _("Plurality")),
]
GROUP_CHOICES = [("", "—"), (PARITY_GROUPS[0], _("Women")), (PARITY_GROUPS[1], _("Men"))]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value: Any) -> str | None:
        if hasattr(value, "strftime"):
            # Fields hand over naive local times; an aware one is made local first.
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return str(value.strftime("%Y-%m-%dT%H:%M"))
        return super().format_value(value)


def _when(field_label: StrOrPromise) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=field_label,
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


class OpenElectionForm(forms.Form):
    """An officer opens an election for one of the body's delegations or its command."""

    target = forms.ChoiceField(label=_("What does this election fill?"))
    seats = forms.IntegerField(
        label=_("Seats"),
        min_value=1,
        required=False,
        help_text=_("Leave empty: the seats apportioned now (they take effect at this election)."),
    )
    method = forms.ChoiceField(label=_("Voting method"), choices=METHOD_CHOICES, required=False)
    parity = forms.BooleanField(
        label=_("Parity rule: at least half the seats (rounded down) for women and for men"),
        required=False,
    )
    nominations_close_at = _when(_("Nominations close"))
    voting_opens_at = _when(_("Voting opens"))
    voting_closes_at = _when(_("Voting closes"))

    def __init__(self, *args: Any, body: Body, **kwargs: Any) -> None:
        now = timezone.now().replace(second=0, microsecond=0)
        kwargs.setdefault(
            "initial",
            {
                "nominations_close_at": now + timedelta(days=3),
                "voting_opens_at": now + timedelta(days=3),
                "voting_closes_at": now + timedelta(days=5),
            },
        )
        super().__init__(*args, **kwargs)
        self.delegations = {
            d.pk: d
            for d in Delegation.objects.filter(source=body)
            .select_related("council")
            .order_by("council__name")
        }
        command = Body.objects.filter(command_of=body).first()
        choices = [
            (f"delegation:{d.pk}", _("Delegates to %(council)s (%(seats)d seats)")
             % {"council": d.council.name, "seats": d.next_seats})
            for d in self.delegations.values()
        ]  # fmt: skip
        if command is not None:
            choices.append((f"command:{command.pk}", str(command.name)))
        self.command = command
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)  # declared so on the class
        target.choices = choices

    def targets(self) -> dict[str, Any]:
        """The service's keyword arguments for the chosen target."""
        kind, _sep, pk = self.cleaned_data["target"].partition(":")
        if kind == "command" and self.command is not None and str(self.command.pk) == pk:
            return {"kind": Election.Kind.COMMAND, "command": self.command}
        return {"kind": Election.Kind.DELEGATION, "delegation": self.delegations[int(pk)]}


class StandForm(forms.Form):
    public_name = forms.CharField(
        label=_("Your name on the ballot"),
        max_length=200,
        required=False,
        help_text=_("It is published with the results if you are elected."),
    )
    group = forms.ChoiceField(label=_("You stand among"), choices=GROUP_CHOICES, required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (published)"), max_length=500)
