// Sealing a ballot in the voter's browser, so the server never sees what it says.
//
// The JavaScript twin of the Python library asamblea.secrecy: group.Transcript,
// hash_to_scalar and hash_to_point, encoding.BallotCodec, elgamal.encrypt_ballot
// with prove_ballot, bulletin.cast_to_json. Every byte it hashes or outputs is the
// library's: tests/secrecy/vectors.json pins them, and tests/browser/test_seal_script.py
// runs this file in Chromium against them and has the Python verifier accept its
// ballots. The group arithmetic and SHA-512 are noble-curves' and noble-hashes'
// (vendor/README.md); none is written here.
//
// On a ballot form with data-seal-key, data-seal-context, data-seal-codec and a hidden
// input named "sealed", the submit fills "sealed" with the sealed ballot and takes the
// name off the ranking's inputs, so only the ciphertext leaves the phone. Index k of
// the codec is the choice that the form's data-seal-choices (a JSON list of candidacy
// ids, or "yes" and "no") names at k; without it, the k-th ranking input in page order.
// Plain ES2017 and BigInt: Chromium 67 and later.
(function (root) {
  "use strict";

  var PREFIX = "asamblea/secrecy/v1/";
  // Subresource integrity of the vendored bundle: a swapped file does not run.
  var VENDOR_INTEGRITY = "sha384-hUSIwBOj+gg8+e41dub5catqgrBLE2xlt9gPdJxUGF1wzVwwIbJq19x9TsZF8wN4";
  var WAIT_FOR_BUNDLE = 20000; // ms: 14 KB over a slow 2G line, with room to spare

  function noble() {
    if (!root.nobleRistretto) { throw new Error("ristretto255 is not loaded"); }
    return root.nobleRistretto;
  }

  // BigInt through calls, not literals: a browser without it fails at run time, where
  // the form falls back to the server, instead of failing to parse this file.
  var orderCache = null;
  function order() {
    if (orderCache === null) {
      orderCache = BigInt(2) ** BigInt(252) + BigInt("27742317777372353535851937790883648493");
    }
    return orderCache;
  }

  function hexOf(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) { out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16); }
    return out;
  }

  function bytesOf(hex) {
    if (typeof hex !== "string" || !/^([0-9a-f]{2})*$/.test(hex)) { throw new Error("not lowercase hex"); }
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(2 * i, 2), 16); }
    return out;
  }

  function concat(parts) {
    var length = 0;
    parts.forEach(function (p) { length += p.length; });
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  // --- scalars: BigInt modulo the group order, 32 bytes little-endian ---------------

  /** A scalar as a transcript part (Python's Scalar); plain numbers are Python ints. */
  function Scalar(value) { this.value = value; }

  function scalarToBytes(value) {
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) { out[i] = Number(value & BigInt(255)); value >>= BigInt(8); }
    return out;
  }

  function littleEndian(bytes) {
    var value = BigInt(0);
    for (var i = bytes.length - 1; i >= 0; i--) { value = (value << BigInt(8)) | BigInt(bytes[i]); }
    return value;
  }

  /** Scalar.from_wide: 64 uniform bytes reduced modulo the order. */
  function scalarFromWide(bytes) {
    if (bytes.length !== 64) { throw new Error("wide reduction takes 64 bytes"); }
    return littleEndian(bytes) % order();
  }

  /** Scalar.from_hex: refuses a non-canonical encoding, as the Python does. */
  function scalarFromHex(hex) {
    var bytes = bytesOf(hex);
    var value = littleEndian(bytes);
    if (bytes.length !== 32 || value >= order()) { throw new Error("not a canonical scalar"); }
    return value;
  }

  /** A uniformly random non-zero scalar from the browser's CSPRNG. */
  function randomScalar() {
    for (;;) {
      var wide = new Uint8Array(64);
      root.crypto.getRandomValues(wide);
      var value = scalarFromWide(wide);
      if (value !== BigInt(0)) { return value; }
    }
  }

  function mod(value) {
    var r = value % order();
    return r < BigInt(0) ? r + order() : r;
  }

  // --- points ----------------------------------------------------------------------

  function pointFromHex(hex) {
    var bytes = bytesOf(hex);
    if (bytes.length !== 32) { throw new Error("a point is 32 bytes"); }
    return noble().Point.fromBytes(bytes); // canonical decoding only (RFC 9496 §4.3.1)
  }

  function pointHex(point) { return hexOf(point.toBytes()); }

  function base() { return noble().Point.BASE; }

  // --- the transcript (group.Transcript) ---------------------------------------------

  var utf8 = null;
  function encodePart(part) {
    var raw;
    if (typeof part === "string") {
      utf8 = utf8 || new TextEncoder();
      raw = concat([[0x73], utf8.encode(part)]); // "s"
    } else if (typeof part === "number" || typeof part === "bigint") {
      if (typeof part === "number" && !Number.isSafeInteger(part)) { throw new Error("not an integer"); }
      var value = BigInt(part);
      var limit = BigInt(2) ** BigInt(63);
      if (value < -limit || value >= limit) { throw new Error("integer out of range"); }
      value = BigInt.asUintN(64, value); // two's complement, as to_bytes(8, "big", signed=True)
      raw = new Uint8Array(9);
      raw[0] = 0x69; // "i"
      for (var i = 8; i >= 1; i--) { raw[i] = Number(value & BigInt(255)); value >>= BigInt(8); }
    } else if (part instanceof Scalar) {
      raw = concat([[0x53], scalarToBytes(part.value)]); // "S"
    } else if (part instanceof Uint8Array) {
      raw = concat([[0x62], part]); // "b"
    } else if (part && typeof part.toBytes === "function") {
      raw = concat([[0x50], part.toBytes()]); // "P"
    } else {
      throw new Error("a transcript part is a string, integer, Scalar, bytes or point");
    }
    var n = raw.length;
    return concat([[(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255], raw]);
  }

  /** SHA-512 of a tag and typed, length-prefixed parts (group.Transcript). */
  function Transcript(tag) {
    this.hash = noble().sha512.create();
    this.add(PREFIX + tag, "ristretto255");
  }
  Transcript.prototype.add = function () {
    for (var i = 0; i < arguments.length; i++) { this.hash.update(encodePart(arguments[i])); }
    return this;
  };
  Transcript.prototype.addPoints = function (points) {
    var self = this;
    points.forEach(function (p) { self.add(p); }); // the same bytes as Python's add_points
    return this;
  };
  Transcript.prototype.copy = function () {
    var t = Object.create(Transcript.prototype);
    t.hash = this.hash.clone();
    return t;
  };
  // Python's digest() leaves the hash open; noble's closes it, so digest a clone.
  Transcript.prototype.digest = function () { return this.hash.clone().digest(); };
  Transcript.prototype.scalar = function () { return scalarFromWide(this.digest()); };
  Transcript.prototype.point = function () { return noble().fromHash(this.digest()); };

  function hashToScalar(tag, parts) {
    var t = new Transcript(tag);
    return t.add.apply(t, parts || []).scalar();
  }

  function hashToPoint(tag, parts) {
    var t = new Transcript(tag);
    return t.add.apply(t, parts || []).point();
  }

  // --- the ballot codec (encoding.BallotCodec) ------------------------------------------

  function isCount(value) { return Number.isSafeInteger(value) && value >= 1; }

  /** BallotCodec.from_description: {candidates, ranks, per_ciphertext}. */
  function Codec(description) {
    var n = description.candidates;
    var ranks = description.ranks;
    var per = description.per_ciphertext;
    if (!isCount(n)) { throw new Error("at least one candidate"); }
    if (!isCount(ranks) || ranks > n) { throw new Error("ranks must be between 1 and the number of candidates"); }
    if (!isCount(per) || per > ranks) { throw new Error("per_ciphertext out of range"); }
    this.candidates = n;
    this.ranks = ranks;
    this.perCiphertext = per;
    this.width = Math.ceil(ranks / per);
  }
  Codec.prototype.point = function (value) {
    return hashToPoint("plaintext", [this.candidates, this.perCiphertext, value]);
  };
  /** The group elements of a ranking (candidate indices from 0, most preferred first). */
  Codec.prototype.encode = function (ranking) {
    var n = this.candidates;
    if (ranking.length > this.ranks) { throw new Error("more preferences than the ballot allows"); }
    if (new Set(ranking).size !== ranking.length) { throw new Error("a candidate ranked twice"); }
    ranking.forEach(function (c) {
      if (!Number.isSafeInteger(c) || c < 0 || c >= n) { throw new Error("no such candidate"); }
    });
    var digits = ranking.map(function (c) { return c + 1; });
    while (digits.length < this.width * this.perCiphertext) { digits.push(0); }
    var radix = BigInt(n + 1);
    var points = [];
    for (var k = 0; k < this.width; k++) {
      var value = BigInt(0);
      var weight = BigInt(1);
      for (var i = 0; i < this.perCiphertext; i++) {
        value += BigInt(digits[k * this.perCiphertext + i]) * weight;
        weight *= radix;
      }
      points.push(this.point(value));
    }
    return points;
  };

  // --- ElGamal and the ballot proof (elgamal) ---------------------------------------

  function ballotTranscript(context, publicKey, ballot) {
    var t = new Transcript("ballot-proof").add(context, base(), publicKey, ballot.length);
    ballot.forEach(function (c) { t.add(c.a, c.b); });
    return t;
  }

  /** prove_ballot; `nonces` only for the test vectors (otherwise fresh and random). */
  function proveBallot(context, publicKey, ballot, randomness, nonces) {
    if (randomness.length !== ballot.length) { throw new Error("one randomness per ciphertext"); }
    var w = nonces || ballot.map(randomScalar);
    var t = ballotTranscript(context, publicKey, ballot);
    t.addPoints(w.map(function (wk) { return base().multiply(wk); }));
    var e = t.scalar();
    return {
      challenge: e,
      responses: w.map(function (wk, k) { return mod(wk - e * randomness[k]); }),
    };
  }

  /** verify_ballot: seal() checks its own work before anything is posted. */
  function verifyBallot(context, publicKey, ballot, proof) {
    if (proof.responses.length !== ballot.length || ballot.length === 0) { return false; }
    var t = ballotTranscript(context, publicKey, ballot);
    var e = proof.challenge;
    t.addPoints(ballot.map(function (c, k) {
      var s = proof.responses[k];
      var sG = s === BigInt(0) ? noble().Point.ZERO : base().multiply(s);
      return e === BigInt(0) ? sG : sG.add(c.a.multiply(e));
    }));
    return t.scalar() === e;
  }

  /** encrypt_ballot: (r·G, M + r·Y) for each element, sealed by the proof. */
  function encryptBallot(context, publicKey, messages, randomness, nonces) {
    if (publicKey.is0()) { throw new Error("the identity is not a public key"); }
    var r = randomness || messages.map(randomScalar);
    if (r.length !== messages.length) { throw new Error("one randomness per ciphertext"); }
    var ballot = messages.map(function (m, k) {
      return { a: base().multiply(r[k]), b: m.add(publicKey.multiply(r[k])) };
    });
    return { ballot: ballot, proof: proveBallot(context, publicKey, ballot, r, nonces) };
  }

  /** bulletin.cast_to_json, as a plain object (keys in the Python's order). */
  function castToJson(sealed) {
    return {
      ballot: sealed.ballot.map(function (c) { return [pointHex(c.a), pointHex(c.b)]; }),
      proof: {
        challenge: hexOf(scalarToBytes(sealed.proof.challenge)),
        responses: sealed.proof.responses.map(function (s) { return hexOf(scalarToBytes(s)); }),
      },
    };
  }

  /** The sealed ballot of `ranking` (codec indices), as the JSON the server verifies. */
  function seal(publicHex, context, codecJson, ranking) {
    var codec = new Codec(typeof codecJson === "string" ? JSON.parse(codecJson) : codecJson);
    var publicKey = pointFromHex(publicHex);
    var sealed = encryptBallot(context, publicKey, codec.encode(ranking));
    if (!verifyBallot(context, publicKey, sealed.ballot, sealed.proof)) {
      throw new Error("the ballot's proof does not verify"); // a broken engine: let the server seal
    }
    return JSON.stringify(castToJson(sealed));
  }

  root.AsambleaSeal = {
    seal: seal,
    Scalar: Scalar,
    Transcript: Transcript,
    Codec: Codec,
    hashToScalar: hashToScalar,
    hashToPoint: hashToPoint,
    encryptBallot: encryptBallot,
    verifyBallot: verifyBallot,
    castToJson: castToJson,
    scalarFromHex: scalarFromHex,
    scalarToHex: function (s) { return hexOf(scalarToBytes(s)); },
    pointFromHex: pointFromHex,
    pointHex: pointHex,
    bytesOf: bytesOf,
    hexOf: hexOf,
    // For trustee.js (the trustees' key ceremony and decryption), which builds on these.
    randomScalar: randomScalar,
    mod: mod,
    order: order,
    base: base,
    concat: concat,
  };

  // --- the ballot form ------------------------------------------------------------
  //
  // If anything here fails (an old browser, the bundle not loading, an exception while
  // sealing), the form is left exactly as the page served it and posts the ranking:
  // the server then encrypts it in the request (decision 0004, "Casting"). Only a
  // ballot the rules refuse is stopped here, with the server's own words, since the
  // server can no longer check a sealed one.

  var script = document.currentScript;
  var form = document.getElementById("ballot");
  if (!form || !form.hasAttribute("data-seal-key")) { return; }
  var sealedInput = form.querySelector('input[name="sealed"]');
  var rulesNode = document.getElementById("seal-rules");
  if (!sealedInput || !rulesNode || typeof BigInt !== "function" || typeof TextEncoder !== "function" ||
      !root.crypto || !root.crypto.getRandomValues) { return; }
  var rules = JSON.parse(rulesNode.textContent);
  var inputs = Array.prototype.slice.call(
    form.querySelectorAll('select.rank, input[name="choice"]'));
  var names = inputs.map(function (input) { return input.name; });
  var codecDescription = JSON.parse(form.getAttribute("data-seal-codec"));
  // The codec index of each input: by the value it posts (rank-<id> or the choice's value).
  var indexOf = inputs.map(function (input, i) { return i; });
  if (form.hasAttribute("data-seal-choices")) {
    var choices = JSON.parse(form.getAttribute("data-seal-choices")).map(String);
    if (choices.length !== codecDescription.candidates) { return; }
    indexOf = inputs.map(function (input, i) {
      return choices.indexOf(input.tagName === "SELECT" ? names[i].replace(/^rank-/, "") : input.value);
    });
  }
  if (inputs.length !== codecDescription.candidates || indexOf.indexOf(-1) >= 0 ||
      new Set(indexOf).size !== indexOf.length) { return; } // a form the key does not fit

  var loaded = !!root.nobleRistretto;
  var failed = false;
  var waiting = false;
  if (!loaded) {
    var vendor = document.createElement("script");
    vendor.src = script && script.getAttribute("data-vendor");
    vendor.integrity = VENDOR_INTEGRITY;
    vendor.onload = function () { loaded = !!root.nobleRistretto; failed = !loaded; if (waiting) { submitNow(); } };
    vendor.onerror = function () { failed = true; if (waiting) { submitNow(); } };
    document.head.appendChild(vendor);
  }

  function Problem(message) { this.message = message; }

  function say(message, values) {
    return message.replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  /** The ranking as codec indices, or a Problem worded as the server words it. */
  function readBallot() {
    var text = rules.messages;
    var kind = inputs[0].tagName === "SELECT" ? "ranked" : inputs[0].type;
    var ranking;
    if (kind === "ranked") { // papers.ranking_from_ranks, then check_ballot
      var given = [];
      inputs.forEach(function (select, index) {
        var raw = String(select.value).trim();
        if (!raw) { return; }
        if (!/^[0-9]+$/.test(raw) || parseInt(raw, 10) < 1) { throw new Problem(say(text.notARank, { text: raw })); }
        given.push({ index: indexOf[index], rank: parseInt(raw, 10) });
      });
      var used = given.map(function (g) { return g.rank; }).sort(function (a, b) { return a - b; });
      var twice = used.filter(function (rank, i) { return i > 0 && used[i - 1] === rank && used[i - 2] !== rank; });
      if (twice.length) { throw new Problem(say(text.usedTwice, { ranks: twice.join(", ") })); }
      var missing = [];
      for (var rank = 1; rank <= used.length; rank++) { if (used.indexOf(rank) < 0) { missing.push(rank); } }
      if (missing.length) { throw new Problem(say(text.gap, { ranks: missing.join(", ") })); }
      ranking = given.sort(function (a, b) { return a.rank - b.rank; }).map(function (g) { return g.index; });
    } else {
      ranking = [];
      inputs.forEach(function (input, index) { if (input.checked) { ranking.push(indexOf[index]); } });
      ranking.sort(function (a, b) { return a - b; }); // a set: in codec order, as the server seals it
      if (kind === "radio") {
        if (ranking.length !== 1) { throw new Problem(text.yesOrNo); }
        return ranking;
      }
      if (rules.most !== null && ranking.length > rules.most) { throw new Problem(text.tooMany); }
    }
    if (!ranking.length) { throw new Problem(text.none); }
    return ranking;
  }

  function showProblem(message) {
    var box = document.getElementById("ballot-problem");
    if (!box) {
      box = document.createElement("p");
      box.className = "msg error";
      box.id = "ballot-problem";
      box.setAttribute("role", "alert");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = message;
    box.scrollIntoView({ block: "center" });
  }

  /** The form as served: every input named, nothing sealed. */
  function restore() {
    inputs.forEach(function (input, i) { input.name = names[i]; });
    sealedInput.value = "";
  }

  /** Seal the ranking into the form, or leave the form as served if that fails. */
  function sealInto(ranking) {
    try {
      sealedInput.value = seal(form.getAttribute("data-seal-key"), form.getAttribute("data-seal-context"),
        codecDescription, ranking);
      inputs.forEach(function (input) { input.removeAttribute("name"); });
    } catch (error) {
      restore(); // the server encrypts the ranking instead
    }
  }

  var pending = null;
  function submitNow() {
    waiting = false;
    if (loaded) { sealInto(pending); }
    HTMLFormElement.prototype.submit.call(form);
  }

  form.addEventListener("submit", function (event) {
    restore();
    var ranking;
    try {
      ranking = readBallot();
    } catch (problem) {
      if (!(problem instanceof Problem)) { return; } // unexpected: let the server check it
      event.preventDefault();
      showProblem(problem.message);
      return;
    }
    if (loaded) { sealInto(ranking); return; }
    if (failed) { return; }
    // The bundle is still on its way: wait for it (or its failure) and post then. A
    // second tap meanwhile does nothing; a bundle that never comes (a dead connection)
    // is given up after WAIT_FOR_BUNDLE and the server encrypts.
    event.preventDefault();
    pending = ranking;
    if (!waiting) {
      waiting = true;
      root.setTimeout(function () { if (waiting) { failed = true; submitNow(); } }, WAIT_FOR_BUNDLE);
    }
  });

  // Back to this page from the receipt (bfcache): the form as served again.
  root.addEventListener("pageshow", function () { restore(); });
}(window));
