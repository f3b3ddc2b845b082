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

/// Hashes a byte stream as it passes, and counts it. Uses the host's hashers when they are
/// faster (Node's OpenSSL under WebAssembly), else sha2.
pub struct Hasher {
    inner: Inner,
    len: u64,
}

enum Inner {
    Soft(Box<(Sha256, Sha512)>),
    Host(Box<dyn crate::platform::HostHashers>),
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
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
        let inner = match crate::platform::host_hashers() {
            Some(h) => Inner::Host(h),
            None => Inner::Soft(Box::new((Sha256::new(), Sha512::new()))),
        };
        Hasher { inner, len: 0 }
    }

    /// Adds bytes.
    pub fn update(&mut self, chunk: &[u8]) {
        match &mut self.inner {
            Inner::Soft(h) => {
                h.0.update(chunk);
                h.1.update(chunk);
            }
            Inner::Host(h) => h.update(chunk),
        }
        self.len += chunk.len() as u64;
    }

    /// The host's own hasher object when it hashes (Node's crypto `{update(bytes)}` under
    /// WebAssembly), for code that feeds it bytes directly; see [`Self::hashed_elsewhere`].
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn host_value(&self) -> Option<&dyn std::any::Any> {
        match &self.inner {
            Inner::Host(h) => Some(h.host_value()),
            Inner::Soft(_) => None,
        }
    }

    /// Counts `n` bytes given to the [`host_value`](Self::host_value) hasher directly.
    #[cfg_attr(not(feature = "js"), allow(dead_code))]
    pub(crate) fn hashed_elsewhere(&mut self, n: u64) {
        self.len += n;
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
        match self.inner {
            Inner::Soft(h) => {
                let (a, b) = *h;
                Hashes {
                    sha256: hex(&a.finalize()),
                    sha512: hex(&b.finalize()),
                }
            }
            Inner::Host(h) => {
                let (sha256, sha512) = h.finish();
                Hashes { sha256, sha512 }
            }
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
