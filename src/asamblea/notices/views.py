"""The member's notices page, their choices of how to hear them, and unsubscribing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from asamblea.errors import NotFound
from asamblea.federation.models import Person
from asamblea.notices import kinds, services
from asamblea.notices.channels import outside_channels
from asamblea.notices.models import Mode
from asamblea.notices.services.delivery import read_unsubscribe_token
from asamblea.notices.services.preferences import OFF
from asamblea.web.once import once_only


@login_required
def notices_page(request: HttpRequest) -> HttpResponse:
    page = services.access_notices(request.user, request.GET.get("page"))
    rows = [(notice, kinds.sentence(notice.kind, notice.params)) for notice in page]
    return render(request, "notices/list.html", {"page": page, "rows": rows})


@login_required
def open_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Opening a notice marks it read and goes where it points."""
    notice = services.do_mark_notice_read(request.user, notice_id)
    target = notice.link or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "/"
    return HttpResponseRedirect(target)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    with once_only(request):
        count = services.do_mark_all_notices_read(request.user)
    if count:
        messages.success(request, _("All your notices are marked read."))
    return redirect("notices")


MODE_CHOICES = [(OFF, _("Not at all")), *Mode.choices]


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    channels = outside_channels()
    person = (
        Person.objects.filter(user=request.user).first() if request.user.is_authenticated else None
    )
    if request.method == "POST":
        with once_only(request):
            for way in channels:
                modes = {key: request.POST.get(f"{way.name}-{key}", OFF) for key in kinds.KINDS}
                services.do_set_notice_choices(request.user, way.name, modes)
        messages.success(request, _("Your choices are saved."))
        return redirect("notice_preferences")
    chosen = services.access_choices(request.user)
    rows = [
        {
            "channel": way,
            "address": bool(person is not None and way.address(person)),
            "kinds": [
                (kind, chosen.get((way.name, kind.key), OFF)) for kind in kinds.KINDS.values()
            ],
        }
        for way in channels
    ]
    return render(
        request,
        "notices/preferences.html",
        {"rows": rows, "modes": [(value, str(label)) for value, label in MODE_CHOICES]},
    )


@csrf_exempt
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A link in every message: GET asks to confirm (link checkers open links), POST
    stops (the button, or the mail program's one-click POST of RFC 8058). No login."""
    found = read_unsubscribe_token(token)
    if found is None:
        raise NotFound(
            _(
                "This link to stop messages is not valid: choose what you hear on your "
                "notices page instead."
            )
        )
    user_id, channel_name, kind = found
    what = kinds.KINDS[kind].label if kind in kinds.KINDS else _("every notice")
    if request.method == "POST":
        services.do_unsubscribe(user_id, channel_name, kind)
        return render(request, "notices/unsubscribed.html", {"what": what})
    return render(request, "notices/unsubscribe.html", {"what": what, "token": token})
