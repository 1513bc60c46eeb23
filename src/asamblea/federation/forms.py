from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from asamblea.federation.models import Body, Sector


class JoinForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=32,
        required=False,
        help_text=_("Only the officers of this assembly can see it. It is never published."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail (optional)"),
        required=False,
        help_text=_("Only the officers of this assembly can see it. It is never published."),
    )
    sector = forms.ModelChoiceField(
        label=_("Your sector"), queryset=Sector.objects.none(), empty_label=None
    )

    def __init__(
        self, *args: object, body: Body, as_known_person: bool = False, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if as_known_person:
            # A logged-in person applies as the person they are: nothing to retype.
            for name in ("full_name", "phone", "email"):
                del self.fields[name]
        sectors = Sector.objects.filter(federation_id=body.federation_id)
        self.fields["sector"].queryset = sectors  # type: ignore[attr-defined]
        self.fields["sector"].initial = body.sector_id


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("verify", _("Verify")),
            ("reject", _("Reject")),
            ("suspend", _("Suspend")),
            ("remove", _("Remove")),
        ]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class AppointOfficerForm(forms.Form):
    username = forms.CharField(label=_("User name of the new officer"), max_length=150)


class OwnDetailsForm(forms.Form):
    """A member corrects their own name and contact details."""

    full_name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the pages"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from django.conf import settings
        from django.utils.translation import get_language_info

        self.fields["language"].choices = [  # type: ignore[attr-defined]
            ("", _("The federation's language")),
            *[
                (code, _("%(language)s — draft") % {"language": name})
                if get_language_info(code).get("draft")
                else (code, name)
                for code, name in settings.LANGUAGES
            ],
        ]


class ConfirmDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password, to confirm"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
