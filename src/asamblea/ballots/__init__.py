"""The secret ballot box shared by every kind of secret vote.

Election ballots, secret motion votes and referendum ballots all keep THAT a
person voted apart from WHAT they voted, and hand the voter a ballot code and
a public tracker. This app owns that machinery once:

- `codes`: the ballot code and the tracker hash (pure, no database);
- `models.SecretBallot`: the abstract ballot row (tracker, what was voted, nothing else);
- `models.BallotKey` and `sealing`: the key of a sealed vote, sealing a ballot when it
  is cast, opening the box (mix, decryption, reading) at the close;
- `recount`: the pure checks `asamblea record verify` runs on a sealed vote's entries;
- `box`: casting and replacing by code, the casting lock, the reshuffle, the receipt;
- `templates/ballots/receipt.html`: the page that shows the receipt.
"""
