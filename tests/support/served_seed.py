"""Seed a served site's own database for the live API fuzz (tests/api/test_fuzz_served.py).

Run as `python -m support.served_seed` with the server's environment (its data folder
and DATABASE_URL): the factory federation, whose officers must give a second factor,
a member with a login, an officer of base-1 with the test TOTP key, and pending
applications for the officer to decide. Prints what the test needs, as JSON.
"""

from __future__ import annotations

import dataclasses
import json


def main() -> None:
    from asamblea.cli import _django

    _django.setup()
    from asamblea.federation.importing import do_import_federation
    from support.factories import add_member, make_officer, make_user, small_federation_spec
    from support.second_factor import TEST_KEY, enrol

    spec = dataclasses.replace(small_federation_spec(), officers_need_second_factor=True)
    federation = do_import_federation(spec)
    member = make_user("fuzz-member")
    add_member(federation, "base-1", "Fuzz Member", user=member, phone="+51 900 000 001")
    add_member(federation, "base-2", "Otra Persona", email="otra@example.org")
    officer = make_officer(federation, "base-1", "fuzz-officer")
    enrol(officer)
    pending = [
        add_member(federation, "base-1", f"Pending {n}", verified=False).pk for n in range(6)
    ]
    print(
        json.dumps(
            {
                "slug": federation.slug,
                "body": "base-1",
                "member": member.username,
                "officer": officer.username,
                "totp_key": TEST_KEY,
                "pending": pending,
            }
        )
    )


if __name__ == "__main__":
    main()
