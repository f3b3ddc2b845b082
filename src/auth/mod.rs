//! Taskcluster authentication: Hawk headers, bewits and the `ext` field.
//!
//! [`hawk`] has the protocol as pure functions. This module adds what Taskcluster puts on top:
//! `ext` carrying a temporary credential's certificate and `authorizedScopes`.

pub mod hawk;

use base64::engine::general_purpose::STANDARD;

/// The `ext` value for a certificate (compact JSON) and `authorizedScopes`: standard base64 of
/// `{"certificate":…,"authorizedScopes":[…]}` in that key order (as the JS client writes it),
/// or `None` when there is neither.
pub fn ext(certificate: Option<&str>, authorized_scopes: Option<&[String]>) -> Option<String> {
    ext_json(certificate, authorized_scopes).map(|j| hawk::b64(&STANDARD, j.as_bytes()))
}

/// The JSON text inside [`ext`].
pub fn ext_json(certificate: Option<&str>, authorized_scopes: Option<&[String]>) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(cert) = certificate {
        parts.push(format!("\"certificate\":{cert}"));
    }
    if let Some(scopes) = authorized_scopes {
        parts.push(format!(
            "\"authorizedScopes\":{}",
            serde_json::to_string(scopes).expect("strings serialize")
        ));
    }
    (!parts.is_empty()).then(|| format!("{{{}}}", parts.join(",")))
}

/// Checks that each scope is a string of printable ASCII, as the server requires.
pub(crate) fn check_scopes(what: &str, scopes: &[String]) -> crate::Result<()> {
    for s in scopes {
        if !s.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
            return Err(crate::Error::invalid_input(format!(
                "{what}: scope {s:?} contains characters outside printable ASCII"
            )));
        }
    }
    Ok(())
}
