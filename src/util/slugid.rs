//! Slugids: URL-safe base64 UUIDs, 22 characters long.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::platform::{Runtime, SystemRuntime};

fn encode(mut bytes: [u8; 16], nice: bool) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    if nice {
        bytes[0] &= 0x7f; // first character in A-Z a-f: never '-', '_' or a digit
    }
    crate::auth::hawk::b64(&URL_SAFE_NO_PAD, &bytes)
}

/// A random v4 slugid.
pub fn v4() -> String {
    v4_with(&SystemRuntime)
}

/// A random v4 slugid from the given runtime's random source.
pub fn v4_with(runtime: &dyn Runtime) -> String {
    let mut b = [0u8; 16];
    runtime.fill_random(&mut b);
    encode(b, false)
}

/// A "nice" slugid: a v4 slugid that never starts with `-`, `_` or a digit, so it is safe as a
/// command-line argument. This is what `slugid()` returns in the JS clients.
pub fn nice() -> String {
    nice_with(&SystemRuntime)
}

/// A nice slugid from the given runtime's random source.
pub fn nice_with(runtime: &dyn Runtime) -> String {
    let mut b = [0u8; 16];
    runtime.fill_random(&mut b);
    encode(b, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_obey_the_uuid_bits() {
        for _ in 0..2000 {
            let v = v4();
            let n = nice();
            for s in [&v, &n] {
                assert_eq!(s.len(), 22);
                let c: Vec<char> = s.chars().collect();
                assert!("QRST".contains(c[8]), "{s}");
                assert!("CGKOSWaeimquy26-".contains(c[10]), "{s}");
                assert!("AQgw".contains(c[21]), "{s}");
            }
            let first = n.chars().next().unwrap();
            assert!(
                first.is_ascii_uppercase() || ('a'..='f').contains(&first),
                "{n}"
            );
        }
    }

    #[test]
    fn known_bytes() {
        assert_eq!(encode([0; 16], false), "AAAAAAAAQACAAAAAAAAAAA");
        assert_eq!(encode([0xff; 16], true), "f_______T_-__________w");
    }
}
