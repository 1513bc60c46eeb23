"""Forms of the recall pages: they parse and check shape; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from asamblea.elections.models import Seat
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
