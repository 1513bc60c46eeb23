"""The public record: an append-only, hash-linked (Merkle) log per federation."""
