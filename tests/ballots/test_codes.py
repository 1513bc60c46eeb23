"""Ballot codes and trackers (no database)."""

from __future__ import annotations

import hashlib

import pytest

from asamblea.ballots import codes
from asamblea.ballots.codes import new_ballot_code, normalise_ballot_code, tracker_for
from asamblea.errors import InvalidInput


def test_a_ballot_code_survives_how_people_type_it():
    code = new_ballot_code()
    assert len(code) == 29 and code.count("-") == 5
    typed = code.lower().replace("-", " ").replace("O", "0")
    assert normalise_ballot_code(typed) == code


def test_a_ballot_code_of_the_wrong_length_is_refused_with_what_to_do():
    with pytest.raises(InvalidInput, match="24 letters"):
        normalise_ballot_code("ABCD-EFGH")


def test_the_tracker_binds_the_code_to_the_person_the_vote_and_its_kind():
    code = new_ballot_code()
    tracker = tracker_for(codes.ELECTION, 1, 7, code)
    assert len(tracker) == 64
    assert tracker_for(codes.ELECTION, 1, 7, code.lower()) == tracker
    assert tracker_for(codes.ELECTION, 1, 8, code) != tracker  # another person, same code
    assert tracker_for(codes.ELECTION, 2, 7, code) != tracker  # another election
    assert tracker_for(codes.MOTION, 1, 7, code) != tracker  # a motion vote numbered 1
    assert tracker_for(codes.REFERENDUM, 1, 7, code) != tracker
    assert new_ballot_code() != code


@pytest.mark.parametrize(
    ("scheme", "prefix"),
    [
        pytest.param(codes.ELECTION, "asamblea-ballot-v1", id="election"),
        pytest.param(codes.MOTION, "asamblea-motion-ballot-v1", id="secret-motion-vote"),
        pytest.param(codes.REFERENDUM, "asamblea-referendum-v1", id="referendum"),
    ],
)
def test_the_tracker_schemes_are_the_published_ones(scheme, prefix):
    """Trackers already on the public record were made with these: they never change."""
    code = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"
    expected = hashlib.sha256(f"{prefix}:3:42:{code}".encode("ascii")).hexdigest()
    assert tracker_for(scheme, 3, 42, code) == expected
