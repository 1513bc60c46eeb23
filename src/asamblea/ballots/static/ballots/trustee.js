// The trustees' cryptography in the trustee's own browser: the device key, the dealing
// of the key ceremony, checking and summing the shares dealt to this trustee, keeping
// the share under a passphrase or as a recovery code, and the proven decryption factors.
//
// The JavaScript twin of asamblea.secrecy: threshold.deal and verify_dealer_commitment,
// verify_share, partial_decrypt_each (one Chaum-Pedersen proof per ciphertext), and
// envelope.seal_share / open_share (DHIES on ristretto255 with AES-256-GCM): decision
// 0004, "Trustees' shares in transit and at rest". tests/browser/test_trustee_script.py
// runs this file in Chromium against the Python library, both ways.
//
// Built on seal.js (window.AsambleaSeal: the transcript, scalars and points) and the
// vendored noble-curves bundle; load vendor/noble-ristretto-2.4.0.min.js, then seal.js,
// then this file. AES-GCM and PBKDF2 are the browser's WebCrypto (secure contexts).
(function (root) {
  "use strict";

  var S = root.AsambleaSeal;
  var WRAP_ITERATIONS = 600000; // PBKDF2-SHA256, OWASP's 2023 figure
  var WRAP_FORMAT = "pbkdf2-sha256-600000";

  function zero() { return BigInt(0); }
  function one() { return BigInt(1); }

  /** k·P, where k may be zero (noble refuses to multiply by zero). */
  function times(point, k) {
    return k === zero() ? root.nobleRistretto.Point.ZERO : point.multiply(k);
  }

  function baseTimes(k) { return times(S.base(), k); }

  function scalarHex(s) { return S.scalarToHex(s); }

  function checkIndex(value, what) {
    if (!Number.isSafeInteger(value) || value < 1) { throw new Error(what + " must be a whole number from 1"); }
    return value;
  }

  /** {"1": x, ..., "n": x} as a list, refusing gaps. */
  function numbered(object, what) {
    var keys = Object.keys(object || {});
    var list = [];
    for (var i = 1; i <= keys.length; i++) {
      if (!Object.prototype.hasOwnProperty.call(object, String(i))) { throw new Error(what + " must be numbered 1 to n"); }
      list.push(object[String(i)]);
    }
    if (!list.length) { throw new Error("no " + what); }
    return list;
  }

  // --- the device key ------------------------------------------------------------

  function newDeviceKey() {
    var d = S.randomScalar();
    return { secret: scalarHex(d), public: S.pointHex(baseTimes(d)) };
  }

  function verificationKey(shareHex) { return S.pointHex(baseTimes(S.scalarFromHex(shareHex))); }

  // --- the envelope (envelope.py) ------------------------------------------------

  var ENVELOPE = /^([0-9a-f]{64})\.([0-9a-f]{24})\.([0-9a-f]{96})$/;

  function subtle() {
    if (!root.crypto || !root.crypto.subtle) { throw new Error("WebCrypto is not available (an insecure page?)"); }
    return root.crypto.subtle;
  }

  function envelopeKey(context, dealer, recipient, r, device, z) {
    var digest = new S.Transcript("share-envelope").add(context, dealer, recipient, r, device, z).digest();
    return subtle().importKey("raw", digest.slice(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  }

  function envelopeAad(context, dealer, recipient) {
    return new TextEncoder().encode(context + "|" + dealer + "|" + recipient);
  }

  /** seal_share: the share (a scalar) sealed to the recipient's device public key.
   *  `ephemeral` and `iv` are given only in the test vectors (envelope._seal). */
  function sealShare(context, dealer, recipient, devicePublic, share, ephemeral, iv) {
    if (devicePublic.is0()) { return Promise.reject(new Error("the identity is not a device key")); }
    ephemeral = ephemeral || S.randomScalar();
    iv = iv || root.crypto.getRandomValues(new Uint8Array(12));
    var r = baseTimes(ephemeral);
    return envelopeKey(context, dealer, recipient, r, devicePublic, devicePublic.multiply(ephemeral))
      .then(function (key) {
        return subtle().encrypt({ name: "AES-GCM", iv: iv, additionalData: envelopeAad(context, dealer, recipient) },
          key, S.bytesOf(scalarHex(share)));
      })
      .then(function (ct) { return S.pointHex(r) + "." + S.hexOf(iv) + "." + S.hexOf(new Uint8Array(ct)); });
  }

  /** open_share: the scalar in the envelope; rejects if malformed, altered or not ours. */
  function openShare(context, dealer, recipient, deviceSecret, envelope) {
    return Promise.resolve().then(function () {
      var match = ENVELOPE.exec(envelope);
      if (!match) { throw new Error("an envelope is hex(R).hex(iv).hex(ciphertext)"); }
      var r = S.pointFromHex(match[1]);
      if (r.is0()) { throw new Error("the envelope's R is the identity"); }
      return envelopeKey(context, dealer, recipient, r, baseTimes(deviceSecret), r.multiply(deviceSecret))
        .then(function (key) {
          return subtle().decrypt({ name: "AES-GCM", iv: S.bytesOf(match[2]),
            additionalData: envelopeAad(context, dealer, recipient) }, key, S.bytesOf(match[3]));
        })
        .then(function (plain) { return S.scalarFromHex(S.hexOf(new Uint8Array(plain))); });
    });
  }

  // --- dealing and checking (threshold.deal, verify_dealer_commitment, verify_share) --

  function pokTranscript(context, dealer, commitments) {
    return new S.Transcript("dealer-proof").add(context, dealer, S.base(), commitments.length).addPoints(commitments);
  }

  /** The public dealing of a polynomial's coefficients; `nonce` fixed only in the test vectors. */
  function dealerCommitment(context, dealer, coefficients, nonce) {
    var commitments = coefficients.map(baseTimes);
    var w = nonce === undefined ? S.randomScalar() : nonce;
    var e = pokTranscript(context, dealer, commitments).add(baseTimes(w)).scalar();
    return {
      dealer: dealer,
      commitments: commitments.map(S.pointHex),
      challenge: scalarHex(e),
      response: scalarHex(S.mod(w - e * coefficients[0])),
    };
  }

  /** f(index) = Σ c_l·index^l mod L. */
  function evaluate(coefficients, index) {
    var value = zero();
    for (var l = coefficients.length - 1; l >= 0; l--) { value = S.mod(value * BigInt(index) + coefficients[l]); }
    return value;
  }

  /** deal: the dealer's commitments and proof, and f(j) sealed to every trustee j's device key. */
  function deal(context, index, threshold, devicePublics) {
    return Promise.resolve().then(function () {
      var devices = numbered(devicePublics, "device keys").map(S.pointFromHex);
      if (checkIndex(index, "the dealer") > devices.length) { throw new Error("no such trustee"); }
      if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > devices.length) {
        throw new Error("the threshold must be between 1 and the number of trustees");
      }
      var coefficients = [];
      for (var l = 0; l < threshold; l++) { coefficients.push(S.randomScalar()); }
      var dealer = dealerCommitment(context, index, coefficients);
      return Promise.all(devices.map(function (device, k) {
        return sealShare(context, index, k + 1, device, evaluate(coefficients, k + 1));
      })).then(function (sealed) {
        var envelopes = {};
        sealed.forEach(function (envelope, k) { envelopes[String(k + 1)] = envelope; });
        return { dealer: dealer, envelopes: envelopes };
      });
    });
  }

  /** verify_dealer_commitment, on dealer_to_json output (false for anything malformed). */
  function verifyDealer(context, dealer) {
    try {
      var commitments = dealer.commitments.map(S.pointFromHex);
      if (!commitments.length) { return false; }
      var e = S.scalarFromHex(dealer.challenge);
      var t = pokTranscript(context, checkIndex(dealer.dealer, "the dealer"), commitments);
      t.add(baseTimes(S.scalarFromHex(dealer.response)).add(times(commitments[0], e)));
      return t.scalar() === e;
    } catch (error) {
      return false;
    }
  }

  /** verify_share: share·G = Σ index^l·C_l. */
  function verifyShare(commitments, index, share) {
    var total = root.nobleRistretto.Point.ZERO;
    var power = one();
    commitments.forEach(function (c) {
      total = total.add(times(c, power));
      power = S.mod(power * BigInt(index));
    });
    return baseTimes(share).equals(total);
  }

  /** The share of trustee `index`: the sum of what each honest dealer sealed to it. */
  function openDealings(context, index, deviceSecretHex, dealings) {
    var secret;
    try {
      secret = S.scalarFromHex(deviceSecretHex);
      checkIndex(index, "the trustee");
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.all(dealings.map(function (item) {
      var dealer = item.dealer;
      if (!verifyDealer(context, dealer)) { return null; }
      return openShare(context, dealer.dealer, index, secret, item.envelope).then(function (share) {
        return verifyShare(dealer.commitments.map(S.pointFromHex), index, share) ? share : null;
      }, function () { return null; });
    })).then(function (shares) {
      var total = zero();
      var complaints = [];
      shares.forEach(function (share, k) {
        if (share === null) {
          complaints.push(dealings[k].dealer && dealings[k].dealer.dealer);
        } else {
          total = S.mod(total + share);
        }
      });
      return { share: scalarHex(total), complaints: complaints };
    });
  }

  // --- the share at rest: a passphrase, or a recovery code on paper -----------------

  function passphraseKey(passphrase, salt) {
    return subtle().importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"])
      .then(function (material) {
        return subtle().deriveKey({ name: "PBKDF2", hash: "SHA-256", salt: salt, iterations: WRAP_ITERATIONS },
          material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      });
  }

  /** "pbkdf2-sha256-600000.<salt>.<iv>.<ciphertext>": the share under the passphrase. */
  function wrapShare(shareHex, passphrase) {
    var share = S.bytesOf(scalarHex(S.scalarFromHex(shareHex)));
    var salt = root.crypto.getRandomValues(new Uint8Array(16));
    var iv = root.crypto.getRandomValues(new Uint8Array(12));
    return passphraseKey(passphrase, salt).then(function (key) {
      return subtle().encrypt({ name: "AES-GCM", iv: iv }, key, share);
    }).then(function (ct) {
      return [WRAP_FORMAT, S.hexOf(salt), S.hexOf(iv), S.hexOf(new Uint8Array(ct))].join(".");
    });
  }

  function unwrapShare(wrapped, passphrase) {
    return Promise.resolve().then(function () {
      var parts = String(wrapped).split(".");
      if (parts.length !== 4 || parts[0] !== WRAP_FORMAT) { throw new Error("not a wrapped share"); }
      return passphraseKey(passphrase, S.bytesOf(parts[1])).then(function (key) {
        return subtle().decrypt({ name: "AES-GCM", iv: S.bytesOf(parts[2]) }, key, S.bytesOf(parts[3]));
      }).then(function (plain) {
        return scalarHex(S.scalarFromHex(S.hexOf(new Uint8Array(plain))));
      }, function (error) {
        if (error && error.name === "OperationError") { throw new Error("wrong passphrase"); }
        throw error;
      });
    });
  }

  // Crockford's base32 (no I, L, O, U; read I and L as 1, O as 0). The 32 bytes are 52
  // digits (the last 4 bits zero), then a check group of 4 digits: the digits as the
  // coefficients of a polynomial at 3 modulo the prime 2^20 - 3. Any one wrong digit,
  // or two neighbours swapped, changes it for sure (3 has an inverse and no digit
  // difference is a multiple of the prime); other errors pass one time in a million.
  var CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var CHECK_PRIME = 1048573;

  function checkValue(digits) {
    var value = 0;
    for (var i = digits.length - 1; i >= 0; i--) { value = (value * 3 + digits[i]) % CHECK_PRIME; }
    return value;
  }

  function recoveryCode(shareHex) {
    var bytes = S.bytesOf(scalarHex(S.scalarFromHex(shareHex)));
    var digits = [];
    var buffer = 0;
    var bits = 0;
    bytes.forEach(function (byte) {
      buffer = (buffer << 8) | byte;
      bits += 8;
      while (bits >= 5) { bits -= 5; digits.push((buffer >> bits) & 31); }
      buffer &= (1 << bits) - 1;
    });
    digits.push((buffer << (5 - bits)) & 31); // 256 = 51·5 + 1: one last digit, 4 zero bits
    var check = checkValue(digits);
    for (var k = 3; k >= 0; k--) { digits.push((check >> (5 * k)) & 31); }
    var text = digits.map(function (d) { return CROCKFORD[d]; }).join("");
    return text.match(/.{4}/g).join("-");
  }

  function fromRecoveryCode(code) {
    var text = String(code).toUpperCase().replace(/[\s-]/g, "").replace(/[IL]/g, "1").replace(/O/g, "0");
    var digits = text.split("").map(function (c) { return CROCKFORD.indexOf(c); });
    if (digits.length !== 56) { throw new Error("a recovery code has 56 characters (14 groups of 4)"); }
    if (digits.indexOf(-1) >= 0) { throw new Error("a recovery code has only the letters and digits it was written with"); }
    var check = 0;
    digits.slice(52).forEach(function (d) { check = check * 32 + d; });
    var body = digits.slice(0, 52);
    if (check !== checkValue(body) || (body[51] & 15) !== 0) { throw new Error("the recovery code has a typo"); }
    var bytes = new Uint8Array(32);
    var buffer = 0;
    var bits = 0;
    var at = 0;
    body.forEach(function (d) {
      buffer = (buffer << 5) | d;
      bits += 5;
      if (bits >= 8 && at < 32) { bits -= 8; bytes[at++] = (buffer >> bits) & 255; buffer &= (1 << bits) - 1; }
    });
    return scalarHex(S.scalarFromHex(S.hexOf(bytes))); // a share is below the group order
  }

  // --- decryption (threshold.partial_decrypt_each) -----------------------------------

  /** factor_share_to_json: s·a for each ciphertext, each with its Chaum-Pedersen proof.
   *  `nonces` (one scalar per ciphertext) are given only in the test vectors. */
  function partialDecrypt(context, index, shareHex, ciphertexts, nonces) {
    var s = S.scalarFromHex(shareHex);
    checkIndex(index, "the trustee");
    var h = baseTimes(s);
    var out = { trustee: index, factors: [], challenges: [], responses: [] };
    ciphertexts.forEach(function (pair, m) {
      var a = S.pointFromHex(pair[0]);
      S.pointFromHex(pair[1]); // only a is used; b is checked to be an element all the same
      var d = times(a, s);
      var w = nonces ? nonces[m] : S.randomScalar();
      var e = new S.Transcript("decryption-factor").add(context, S.base(), index, h, a, d)
        .add(baseTimes(w), times(a, w)).scalar();
      out.factors.push(S.pointHex(d));
      out.challenges.push(scalarHex(e));
      out.responses.push(scalarHex(S.mod(w - e * s)));
    });
    return out;
  }

  root.AsambleaTrustee = {
    newDeviceKey: newDeviceKey,
    deal: deal,
    openDealings: openDealings,
    wrapShare: wrapShare,
    unwrapShare: unwrapShare,
    recoveryCode: recoveryCode,
    fromRecoveryCode: fromRecoveryCode,
    partialDecrypt: partialDecrypt,
    verificationKey: verificationKey,
    // For the test vectors (fixed randomness) and checks of single pieces.
    dealerCommitment: dealerCommitment,
    evaluate: evaluate,
    verifyDealer: verifyDealer,
    sealShare: sealShare,
    openShare: openShare,
  };
}(window));
