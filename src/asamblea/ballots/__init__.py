"""The secret ballot box shared by every kind of secret vote.

Election ballots, secret motion votes and referendum ballots all keep THAT a
person voted apart from WHAT they voted, and hand the voter a ballot code and
a public tracker. This app owns that machinery once:

- `codes`: the ballot code and the tracker hash (pure, no database);
- `models.SecretBallot`: the abstract ballot row (tracker, what was voted, nothing else);
- `box`: casting and replacing by code, the casting lock, the reshuffle, the receipt;
- `templates/ballots/receipt.html`: the page that shows the receipt.
"""
