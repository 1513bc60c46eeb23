"""What the accounts app adds to other apps' pages: on a federation's page, for its
administrators, the switch that asks officers for a second factor."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from asamblea import hooks
from asamblea.accounts.forms import SecondFactorRuleForm
from asamblea.federation import services as federation_services
from asamblea.federation.models import Federation


@hooks.federation_section.register(order=60)
def second_factor_rule_section(request: HttpRequest, federation: Federation) -> str | None:
    """For the federation's administrators: whether officers must use a second factor."""
    if not federation_services.is_federation_admin(request.user, federation):
        return None
    return render_to_string(
        "accounts/_second_factor_rule_section.html",
        {"federation": federation, "form": SecondFactorRuleForm.for_federation(federation)},
        request=request,
    )
