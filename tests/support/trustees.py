"""Trustees simulated in Python: each does in-process what trustee.js does on a phone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asamblea.secrecy.bulletin import dealer_from_json, dealer_to_json, factor_share_to_json
from asamblea.secrecy.elgamal import Ciphertext
from asamblea.secrecy.envelope import open_share, seal_share
from asamblea.secrecy.group import Point, Scalar
from asamblea.secrecy.threshold import (
    ThresholdKey,
    deal,
    partial_decrypt_each,
    verify_dealer_commitment,
    verify_share,
)


@dataclass
class SimulatedTrustee:
    context: str
    index: int
    device: Scalar = field(default_factory=Scalar.random)
    share: Scalar | None = None

    @property
    def device_public(self) -> str:
        return Point.base_times(self.device).hex()

    def dealing(self, threshold: int, devices: dict[str, str]) -> dict[str, Any]:
        dealer, shares = deal(self.context, self.index, threshold, len(devices))
        envelopes = {
            j: seal_share(self.context, self.index, int(j), Point.from_hex(d), shares[int(j)])
            for j, d in devices.items()
        }
        return {"dealer": dealer_to_json(dealer), "envelopes": envelopes}

    def check(self, dealings: list[dict[str, Any]]) -> dict[str, Any]:
        total, complaints = Scalar.from_int(0), []
        for item in dealings:
            dealer = dealer_from_json(item["dealer"])
            try:
                share = open_share(
                    self.context, dealer.dealer, self.index, self.device, item["envelope"]
                )
            except ValueError:
                complaints.append(dealer.dealer)
                continue
            if not verify_dealer_commitment(self.context, dealer) or not verify_share(
                dealer.commitments, self.index, share
            ):
                complaints.append(dealer.dealer)
                continue
            total = total + share
        if complaints:
            return {"complaints": complaints}
        self.share = total
        return {"confirm": True}

    def decrypt(self, key: ThresholdKey, pairs: list[list[str]]) -> dict[str, Any]:
        assert self.share is not None
        ciphertexts = [Ciphertext(Point.from_hex(a), Point.from_hex(b)) for a, b in pairs]
        return factor_share_to_json(
            partial_decrypt_each(self.context, key, self.index, self.share, ciphertexts)
        )
