"""Logins with a second factor in tests: enrol through the real services and log in a
test client as a session that gave its code."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.accounts.services import second_factor

# A fixed key, so a failing test can be replayed; never a real login's.
TEST_KEY = "3132333435363738393031323334353637383930"


def enrol(user: Any, key: str = TEST_KEY) -> TOTPDevice:
    return second_factor.do_enrol_known_key(user, key)


def code(device: TOTPDevice) -> str:
    """A code the device accepts now: this period's, or the next one's if this period's
    was used already (a used code is refused; the next one is accepted early)."""
    device.refresh_from_db()
    now = time.time()
    step = max(int(now // device.step), device.last_t + 1)
    return second_factor.totp_code(device.key, at=step * device.step + 1)


def log_in_verified(client: Client, user: Any) -> Client:
    """`client` logged in as `user`, with the second factor given (enrolled if need be)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
