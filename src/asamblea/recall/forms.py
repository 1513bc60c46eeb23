"""Forms of the recall pages: they parse and check shape; the rules are in services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Field
from django.utils.translation import gettext_lazy as _

from asamblea.elections.models import Seat
from asamblea.recall.models import RecallSettings
from asamblea.recall.services import REASON_MAX


class PetitionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this delegate be recalled?"),
        help_text=_("The members read this before they sign. Your name is not shown."),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class VacateForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why is the seat vacated?"))
    confirm = forms.BooleanField(
        label=_(
            "I understand: the seat and every seat held through it are vacated now "
            "and refilled; this cannot be undone."
        )
    )

    def __init__(self, *args: object, officer: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(Seat.Reason.RESIGNED, _("The delegate resigns"))]
        if officer:
            choices += [
                (Seat.Reason.DECEASED, _("The delegate died")),
                (Seat.Reason.EXPELLED, _("The delegate was expelled")),
            ]
        self.fields["reason"].choices = choices  # type: ignore[attr-defined]


MAX_DAYS = 365
SHARES = ("threshold", "quorum", "majority")


def _share_limits(name: str) -> tuple[Decimal, Decimal]:
    """The lowest and highest share the model accepts (its validators), as percentages."""
    # A share is a column of the settings, never a relation: a Field, with validators.
    field = cast("Field[Any, Any]", RecallSettings._meta.get_field(name))
    low = max(v.limit_value for v in field.validators if isinstance(v, MinValueValidator))
    high = min(v.limit_value for v in field.validators if isinstance(v, MaxValueValidator))
    return _plain(Decimal(low) * 100), _plain(Decimal(high) * 100)


def _plain(number: Decimal) -> Decimal:
    """1.00 → 1, 100 → 100 (never 1E+2): as a person writes it."""
    return Decimal(f"{number.normalize():f}")


def as_percent(share: Decimal) -> str:
    """0.250 → "25", 0.125 → "12.5", 1 → "100"."""
    return f"{_plain(share * 100)}"


class PercentField(forms.DecimalField):
    """A share typed as a percentage (25 for a quarter); cleaned to a percentage."""

    def __init__(self, model_field: str, **kwargs: Any) -> None:
        low, high = _share_limits(model_field)
        super().__init__(
            min_value=low,
            max_value=high,
            max_digits=4,
            decimal_places=1,
            error_messages={
                "min_value": _("Enter a percentage of at least %(limit_value)s."),
                "max_value": _("Enter a percentage of at most %(limit_value)s."),
                "invalid": _("Enter a percentage as a number, for example 25."),
            },
            **kwargs,
        )
        self.widget.attrs["inputmode"] = "decimal"


class DaysField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_value=1,
            max_value=MAX_DAYS,
            error_messages={
                "min_value": _("Enter at least 1 day."),
                "max_value": _("Enter at most %(limit_value)s days."),
                "invalid": _("Enter a whole number of days, for example 7."),
            },
            **kwargs,
        )
        self.widget.attrs["inputmode"] = "numeric"


class RecallRulesForm(forms.Form):
    """A federation's recall settings, in the words and units an officer uses: shares as
    percentages, windows in whole days. The service checks them again with the model."""

    threshold = PercentField(
        "threshold",
        label=_("Signatures that open a recall vote, as a percentage of the verified members"),
        help_text=_("25 means a quarter of the members of the assembly that elected the seat."),
    )
    quorum = PercentField(
        "quorum",
        label=_("Turnout the recall vote needs, as a percentage of the voter roll"),
        help_text=_("The result counts only if at least this share of the roll voted."),
    )
    majority = PercentField(
        "majority",
        label=_("“Yes” must be more than this percentage of the valid votes"),
        help_text=_("50 means more than half: a tie does not recall."),
    )
    refill = forms.ChoiceField(
        label=_("How a vacated seat is refilled"),
        # Short labels: a phone's closed list shows only the start of a long one.
        choices=[
            (RecallSettings.Refill.COUNTBACK, _("Countback")),
            (RecallSettings.Refill.BY_ELECTION, _("By-election")),
        ],
        help_text=_(
            "Countback: the ballots that elected the departing delegate are counted again "
            "and the person they ranked next takes the seat; if it finds nobody, a "
            "by-election is held. By-election: a new vote for the seat."
        ),
    )
    petition_days = DaysField(label=_("How long a petition collects signatures"))
    vote_days = DaysField(label=_("How long the recall vote lasts"))
    by_election_nomination_days = DaysField(label=_("How long a by-election takes candidates"))
    by_election_vote_days = DaysField(label=_("How long a by-election's vote lasts"))

    @classmethod
    def for_settings(cls, current: RecallSettings) -> RecallRulesForm:
        """The form filled in with the settings in force."""
        initial: dict[str, Any] = {name: getattr(current, name) for name in cls.base_fields}
        for name in SHARES:
            initial[name] = as_percent(getattr(current, name))
        return cls(initial=initial)

    def clean_majority(self) -> Decimal:
        majority: Decimal = self.cleaned_data["majority"]
        if majority >= 100:
            raise forms.ValidationError(
                _("“Yes” can never be more than all the votes: enter less than 100."),
                code="max_value",
            )
        return majority

    def settings(self) -> dict[str, Any]:
        """The cleaned values as the service takes them (shares from 0 to 1)."""
        values = dict(self.cleaned_data)
        for name in SHARES:
            values[name] = values[name] / 100
        return values
