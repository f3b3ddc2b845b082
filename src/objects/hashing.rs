//! sha256 + sha512 over the bytes actually transferred.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

/// The hashes the object service records: lowercase hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hashes {
    /// SHA-256, 64 hex digits.
    pub sha256: String,
    /// SHA-512, 128 hex digits.
    pub sha512: String,
}

/// Hashes a byte stream as it passes, and counts it.
#[derive(Debug, Clone, Default)]
pub struct Hasher {
    sha256: Sha256,
    sha512: Sha512,
    len: u64,
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

impl Hasher {
    /// A fresh hasher.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes.
    pub fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        self.sha512.update(chunk);
        self.len += chunk.len() as u64;
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True before any byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The hashes.
    pub fn finish(self) -> Hashes {
        Hashes {
            sha256: hex(&self.sha256.finalize()),
            sha512: hex(&self.sha512.finalize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let h = Hasher::new().finish();
        assert_eq!(
            h.sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(h.sha512.starts_with("cf83e1357eefb8bd"));
        let mut h = Hasher::new();
        h.update(b"hello, ");
        h.update(b"world");
        assert_eq!(h.len(), 12);
        assert!(h.finish().sha256.starts_with("09ca7e4e"));
    }
}
