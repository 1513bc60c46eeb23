// The only pieces of noble-curves and noble-hashes that seal.js uses, as one global.
// Bundled by esbuild (see ../README.md); nothing here is Asamblea's own cryptography.
import { ristretto255, ristretto255_hasher } from "@noble/curves/ed25519.js";
import { sha512 } from "@noble/hashes/sha2.js";

globalThis.nobleRistretto = Object.freeze({
  // ristretto255 elements: fromBytes (canonical decoding, RFC 9496 §4.3.1),
  // BASE, ZERO, add, subtract, multiply, toBytes.
  Point: ristretto255.Point,
  // RFC 9496 §4.3.4: 64 uniform bytes to an element, as libsodium's
  // crypto_core_ristretto255_from_hash.
  fromHash: (bytes) => ristretto255_hasher.deriveToCurve(bytes),
  // SHA-512: sha512(bytes) or sha512.create().update(bytes).digest(), clone().
  sha512: sha512,
});
