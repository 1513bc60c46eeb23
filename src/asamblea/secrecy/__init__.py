"""Ballot secrecy: encrypted ballots, threshold keys, a verifiable mix-net.

A pure library (it never imports Django, like `asamblea.counting`): ElGamal
over ristretto255 through libsodium (`group`, `elgamal`), the encoding of a
ranked ballot into group elements (`encoding`), a k-of-n threshold key with
Feldman-verifiable shares and proven partial decryptions (`threshold`), the
Terelius-Wikström proof of a re-encryption shuffle (`shuffle`), and the
verifier over plain JSON values that `asamblea record verify` can call
(`verify`). The construction and its references: docs/decisions/0003-encrypted-ballots.md.
"""
