//! The auth service's third-party credentials, as a v106 deployment with none of those backends
//! configured answers them: no AWS bucket, Azure account, GCP service account, Sentry
//! organisation or GitHub app is known, so each method refuses after its scope check with v106's
//! own error. `websocktunnelToken` needs no backend: it signs a real HS256 JWT with a secret of
//! this server. The auth handler ([`crate::services::auth`]) dispatches these endpoints here.

use crate::call::{ok, Call, Reply};
use crate::clock::now_ms;
use crate::errors::TcError;
use crate::util::{hmac_sha256, iso, B64URL};
use base64::Engine;
use serde_json::{json, Value};

/// Handle a credentials endpoint; `None` for another endpoint.
pub(crate) fn handle(call: &mut Call) -> Option<Reply> {
    Some(match call.ep.name {
        "awsS3Credentials" => (|| {
            let level = call.param("level");
            call.authorize(json!({ "levelIsReadOnly": level == "read-only" }))?;
            Err(TcError::not_found(format!(
                "No credentials available for bucket {}",
                call.param("bucket")
            )))
        })(),
        "azureAccounts" => ok(json!({ "accounts": [] })),
        "azureTables" | "azureTableSAS" | "azureContainers" | "azureContainerSAS" => (|| {
            if call.ep.name.ends_with("SAS") {
                let level = call.param("level");
                call.authorize(json!({ "levelIsReadOnly": level == "read-only" }))?;
            }
            // v106's container methods end their message with a full stop, the table ones not
            let stop = if call.ep.name.starts_with("azureContainer") {
                "."
            } else {
                ""
            };
            Err(TcError::not_found(format!(
                "Account '{}' not found, can't delegate access{stop}",
                call.param("account")
            )))
        })(),
        "sentryDSN" => Err(TcError::not_found("Sentry credentials not found")),
        "gcpCredentials" => Err(TcError::bad_args(format!(
            "The service account {} isn't allowed",
            call.param("serviceAccount")
        ))),
        "githubRepoToken" => (|| {
            let app = call.param("appName").to_string();
            let owner = call.param("owner").to_lowercase();
            let repos: Vec<String> = call.payload["repositories"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect();
            let mut repo_perms = Vec::new();
            for (permission, level) in call.payload["permissions"]
                .as_object()
                .into_iter()
                .flatten()
            {
                for repo in &repos {
                    let level = level.as_str().unwrap_or_default();
                    repo_perms.push(format!("{repo}:{permission}:{level}"));
                }
            }
            call.authorize(json!({ "owner": owner, "repoPerms": repo_perms }))?;
            Err(TcError::not_found(format!(
                "Application with name `{app}` is not configured"
            )))
        })(),
        "websocktunnelToken" => {
            let audience = call.param("wstAudience").to_string();
            let client = call.param("wstClient").to_string();
            let now = now_ms() / 1000;
            let expires = now + 96 * 3600;
            let claims = json!({
                "tid": client,
                "aud": audience,
                "sub": call.caller.client_id.clone().unwrap_or_default(),
                "iat": now,
                "exp": expires,
                "nbf": now - 900,
                "iss": "taskcluster-auth",
            });
            let token = jwt_hs256(&websocktunnel_secret(call), &claims);
            ok(json!({
                "wstClient": client,
                "wstAudience": audience,
                "token": token,
                "expires": iso(expires * 1000),
            }))
        }
        _ => return None,
    })
}

/// The key this server signs websocktunnel tokens with (derived from its storage key).
fn websocktunnel_secret(call: &Call) -> Vec<u8> {
    hmac_sha256(&call.state.storage_key, b"websocktunnel")
}

/// A compact JWS of `claims`, signed with HMAC-SHA256.
fn jwt_hs256(key: &[u8], claims: &Value) -> String {
    let header = B64URL.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = B64URL.encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{body}");
    let mac = B64URL.encode(hmac_sha256(key, signing_input.as_bytes()));
    format!("{signing_input}.{mac}")
}
