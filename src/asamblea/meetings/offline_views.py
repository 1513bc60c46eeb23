"""The room without signal: the secretary's desk page (the whole roll to check in from,
and the teller's count), the service worker that keeps it on the device, and the sync
endpoint the device sends its outbox to when it reconnects (docs/meetings.md, "Sin
señal en la sala"). Without JavaScript the desk page's forms post to the room's
actions, online, as the room page's do."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from asamblea.deliberation.models import Meeting
from asamblea.errors import AsambleaError, PermissionDenied
from asamblea.federation.models import Body
from asamblea.federation.services import access_federation, is_officer
from asamblea.meetings import services
from asamblea.meetings.models import Room, RoomVote
from asamblea.meetings.services import offline
from asamblea.meetings.services.rooms import require_teller

DESK_ASSETS = ("meetings/desk.js", "asamblea/htmx.min.js", "asamblea/asamblea.js")


def _desk_room(request: HttpRequest, federation_slug: str, meeting_id: int) -> Room:
    federation = access_federation(federation_slug)
    room = services.access_room(request.user, federation, meeting_id)
    require_teller(request.user, room)
    return room


@login_required
@never_cache
def desk(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    """The desk: what the secretary and the tellers enter, kept on their device."""
    room = _desk_room(request, federation_slug, meeting_id)
    if not request.session.session_key:
        request.session.save()
    key = offline.do_issue_desk_key(request.user, room, request.session.session_key or "")
    meeting = room.meeting
    officer = is_officer(request.user, meeting.body)
    vote = services.open_vote(room)
    present = {a.person_id: a for a in services.present_roll(room)}
    base = meeting.body.kind == Body.Kind.BASE
    roll = services.access_roll(request.user, room) if officer else []
    room_url = reverse("meeting_room", args=[meeting.federation.slug, meeting.pk])
    return render(
        request,
        "meetings/desk.html",
        {
            "room": room,
            "meeting": meeting,
            "federation": meeting.federation,
            "body": meeting.body,
            "is_officer": officer,
            "open": meeting.status == Meeting.Status.OPEN,
            "quorum": services.quorum_state(room),
            "vote": vote if vote is not None and vote.method == RoomVote.Method.HANDS else None,
            "roll": [(r, present.get(r.person.pk) if base else None) for r in roll],
            "key": key,
            "room_url": room_url,
            "sw_url": reverse("meeting_room_sw", args=[meeting.federation.slug, meeting.pk]),
            "sync_url": reverse("meeting_room_sync", args=[meeting.federation.slug, meeting.pk]),
        },
    )


@never_cache
def service_worker(request: HttpRequest, federation_slug: str, meeting_id: int) -> HttpResponse:
    """The service worker of one meeting's room: served from the room's own path, so its
    scope is the room (`.../meetings/<id>/room/`) and nothing else of the site."""
    federation = access_federation(federation_slug)
    desk_url = reverse("meeting_desk", args=[federation.slug, meeting_id])
    urls = [desk_url, *(static(path) for path in DESK_ASSETS)]
    body = (
        "// Asamblea: the room's desk page kept on this device for a hall without signal.\n"
        f"var CACHE = 'asamblea-room-{int(meeting_id)}';\n"
        f"var URLS = {json.dumps(urls)};\n" + _SW_BODY
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("meeting_room", args=[federation.slug, meeting_id])
    return response


# Network first (the page as it is now, kept for later), the copy kept when the network
# fails. Posts are never touched: the page's script keeps them in its outbox.
_SW_BODY = """
self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(URLS.map(function (url) {
      return fetch(url, {credentials: 'same-origin'}).then(function (response) {
        if (response.ok) { return cache.put(url, response); }
      }).catch(function () {});
    }));
  }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener('activate', function (event) {
  event.waitUntil(self.clients.claim());
});
self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && response.type === 'basic' && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request, {ignoreSearch: request.mode === 'navigate', ignoreVary: true});
    }).then(function (kept) {
      return kept || Response.error();
    });
  }));
});
"""


@require_POST
def sync(request: HttpRequest, federation_slug: str, meeting_id: int) -> JsonResponse:
    """A device's outbox, sent when it reconnects: each entry applied once, in order,
    with an answer for each (applied, already, refused with the reason, conflict)."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"error": _("Your session has ended: log in again, and the entries are sent.")},
            status=401,
        )
    try:
        room = _desk_room(request, federation_slug, meeting_id)
        try:
            data = json.loads(request.body)
        except ValueError:
            data = None
        entries = data.get("entries") if isinstance(data, dict) else None
        answers = offline.apply_entries(request.user, room, entries)
    except PermissionDenied as error:
        return JsonResponse({"error": error.message}, status=403)
    except AsambleaError as error:
        return JsonResponse({"error": error.message}, status=400)
    return JsonResponse({"answers": [a.to_json() for a in answers]})
