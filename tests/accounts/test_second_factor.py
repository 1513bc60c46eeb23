"""The second factor's services: set up an app, check codes, recovery codes used once."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from asamblea.accounts.services import second_factor
from asamblea.errors import InvalidInput, PermissionDenied, TooManyRequests
from asamblea.federation.models import Federation, FederationAdmin
from asamblea.web.qr import qr_svg
from support.factories import make_user
from support.second_factor import code

pytestmark = pytest.mark.django_db


def enrolled(username: str = "rosa") -> tuple[TOTPDevice, list[str]]:
    user = make_user(username)
    device = second_factor.do_start_totp_enrolment(user)
    done = second_factor.do_confirm_totp_enrolment(user, code(device))
    return done.device, done.recovery_codes


def test_enrolling_confirms_the_app_with_a_first_code_and_gives_ten_recovery_codes() -> None:
    user = make_user("rosa")
    device = second_factor.do_start_totp_enrolment(user)
    assert not second_factor.has_second_factor(user)
    # Reloading the page keeps the secret the person may have scanned already.
    assert second_factor.do_start_totp_enrolment(user) == device
    done = second_factor.do_confirm_totp_enrolment(user, code(device))
    assert second_factor.has_second_factor(user)
    assert len(done.recovery_codes) == len(set(done.recovery_codes)) == 10
    assert second_factor.recovery_codes_left(user) == 10


def test_a_wrong_first_code_confirms_nothing_and_slows_the_next_guess() -> None:
    user = make_user("rosa")
    device = second_factor.do_start_totp_enrolment(user)
    right = code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidInput):
        second_factor.do_confirm_totp_enrolment(user, wrong)
    device.refresh_from_db()
    # The failure is kept although the action was refused.
    assert (device.confirmed, device.throttling_failure_count) == (False, 1)
    # Within the second of slowing down, even the right code is not tried.
    with pytest.raises(TooManyRequests):
        second_factor.do_confirm_totp_enrolment(user, right)


def test_the_secret_is_shown_in_groups_of_four_to_type() -> None:
    user = make_user("rosa")
    groups = second_factor.secret_in_groups(second_factor.do_start_totp_enrolment(user)).split()
    assert len(groups) == 8 and all(len(g) == 4 for g in groups)


def test_the_qr_code_is_an_svg_drawn_on_the_server() -> None:
    device = second_factor.do_start_totp_enrolment(make_user("rosa"))
    svg = qr_svg(device.config_url)
    assert svg.startswith("<svg") and "<script" not in svg
    assert device.config_url.startswith("otpauth://totp/Asamblea%3Arosa?")


def test_a_code_from_the_app_is_accepted_once() -> None:
    device, _codes = enrolled()
    user = device.user
    now = code(device)
    assert second_factor.do_verify_second_factor(user, now) == device
    with pytest.raises(InvalidInput):
        second_factor.do_verify_second_factor(user, now)


def test_a_recovery_code_works_once_however_it_is_typed() -> None:
    device, codes = enrolled()
    user = device.user
    typed = codes[3].upper().replace("-", " ")
    assert isinstance(second_factor.do_verify_second_factor(user, typed), StaticDevice)
    assert second_factor.recovery_codes_left(user) == 9
    StaticDevice.objects.update(throttling_failure_count=0, throttling_failure_timestamp=None)
    with pytest.raises(InvalidInput):
        second_factor.do_verify_second_factor(user, codes[3])


def test_recovery_codes_are_not_kept_as_typed() -> None:
    _device, codes = enrolled()
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)


def test_new_recovery_codes_replace_the_old_ones() -> None:
    device, old = enrolled()
    new = second_factor.do_new_recovery_codes(device.user)
    assert not set(old) & set(new)
    with pytest.raises(InvalidInput):
        second_factor.do_verify_second_factor(device.user, old[0])


def test_a_new_app_replaces_the_old_one() -> None:
    device, _codes = enrolled()
    user = device.user
    pending = second_factor.do_start_totp_enrolment(user)
    assert pending != device
    second_factor.do_confirm_totp_enrolment(user, code(pending))
    assert list(TOTPDevice.objects.filter(user=user)) == [pending]


def test_an_administrator_cannot_remove_their_second_factor(federation: Federation) -> None:
    device, _codes = enrolled("boss")
    FederationAdmin.objects.create(user=device.user, federation=federation)
    with pytest.raises(PermissionDenied):
        second_factor.do_remove_second_factor(device.user)
    assert second_factor.has_second_factor(device.user)
