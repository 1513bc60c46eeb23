from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from asamblea.accounts.models import Account
from asamblea.accounts.services.activation import email_digest


class SecondFactorRuleForm(forms.Form):
    """A federation administrator's switch: officers must use a second factor."""

    required = forms.BooleanField(
        required=False, label=_("Officers of this federation must use a second factor")
    )

    @classmethod
    def for_federation(cls, federation: Any) -> SecondFactorRuleForm:
        return cls(initial={"required": federation.officers_need_second_factor})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class ActivationForm(forms.Form):
    """The activation page: the code from the slip, a login name and a password, twice."""

    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("The code on the slip an officer gave you, for example 7KQ2-M9XH-4TRW."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
    )
    username = forms.CharField(
        label=_("Login name"),
        max_length=150,
        help_text=_(
            "You type it to log in. It need not be your name: other members and officers "
            "may see it. Letters, digits and @ . + - _ only."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 8 characters, not a common password. A short sentence works well."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2", _("The two passwords are not the same. Type the password twice.")
            )
        return cleaned


class EmailResetForm(PasswordResetForm):
    """Django's password reset by e-mail, finding the login by a keyed hash of the address
    (no plain e-mail is kept with logins). Its page answers the same whether or not the
    address is known: Django's view always goes on to the "sent" page."""

    def get_users(self, email: str) -> Iterator[Any]:
        accounts = Account.objects.filter(
            email_digest=email_digest(email), user__is_active=True
        ).select_related("user")
        return (a.user for a in accounts if a.email_digest and a.user.has_usable_password())

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # The login keeps no address: the one typed is the one whose hash matched.
        super().send_mail(
            subject_template_name,
            email_template_name,
            context,
            from_email,
            self.cleaned_data["email"],
            html_email_template_name=html_email_template_name,
        )
