//! Content digests: what ties shards, a search's cache and a scenario's data
//! files to one another.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes`, as lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
