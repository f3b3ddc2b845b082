//! The auth service's audit history and its third-party credentials methods, as v106 answers
//! them on a deployment without AWS, Azure, GCP, Sentry or GitHub backends.

mod common;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

const A: &str = "/api/auth/v1";

/// The message of an error body without lib-api's `---` details.
fn first(v: &Value) -> String {
    message(v)
        .split("\n\n---")
        .next()
        .unwrap_or_default()
        .to_string()
}

/// `(actionType, entityType, entityId, clientId)` of each entry.
fn entries(v: &Value) -> Vec<(String, String, String, String)> {
    let s = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_string();
    v["auditHistory"]
        .as_array()
        .expect("auditHistory")
        .iter()
        .map(|e| {
            (
                s(e, "actionType"),
                s(e, "entityType"),
                s(e, "entityId"),
                s(e, "clientId"),
            )
        })
        .collect()
}

#[tokio::test]
async fn audit_history_of_clients_roles_secrets_and_hooks() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let root_id = rc["clientId"].as_str().unwrap().to_string();
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{A}/clients/actor"),
        Some(&json!({"expires": iso_in(3600), "description": "d", "scopes": ["secrets:set:s1", "hooks:modify-hook:g/h", "assume:hook-id:g/h"]})),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    for path in ["disable", "enable"] {
        let r = call_as(
            &root,
            &rc,
            "POST",
            &format!("{A}/clients/actor/{path}"),
            None,
        )
        .await;
        assert_eq!(r.0, 200, "{path}: {:?}", r.1);
    }
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{A}/clients/actor/reset"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let actor = json!({"clientId": "actor", "accessToken": r.1["accessToken"]});
    let r = call_as(&root, &rc, "GET", &format!("{A}/audit/client/actor"), None).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let client = |a: &str| {
        (
            a.to_string(),
            "client".to_string(),
            "actor".to_string(),
            root_id.clone(),
        )
    };
    assert_eq!(
        entries(&r.1),
        vec![
            client("created"),
            client("client disabled"),
            client("client enabled"),
            client("access token reset")
        ]
    );

    // what the actor did, by the actor's clientId
    let secret = json!({"secret": {"a": 1}, "expires": iso_in(3600)});
    for _ in 0..2 {
        let r = call_as(
            &root,
            &actor,
            "PUT",
            "/api/secrets/v1/secret/s1",
            Some(&secret),
        )
        .await;
        assert_eq!(r.0, 200, "{:?}", r.1);
    }
    let r = call_as(&root, &actor, "DELETE", "/api/secrets/v1/secret/s1", None).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let hook = json!({
        "metadata": {"name": "h", "description": "d", "owner": "o@example.com"},
        "task": {"provisionerId": "p", "workerType": "w"},
    });
    let r = call_as(&root, &actor, "PUT", "/api/hooks/v1/hooks/g/h", Some(&hook)).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(&root, &actor, "DELETE", "/api/hooks/v1/hooks/g/h", None).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let r = call_as(&root, &rc, "GET", &format!("{A}/clients/actor/audit"), None).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let did = |a: &str, t: &str, id: &str| {
        (
            a.to_string(),
            t.to_string(),
            id.to_string(),
            "actor".to_string(),
        )
    };
    assert_eq!(
        entries(&r.1),
        vec![
            did("created", "secret", "s1"),
            did("updated", "secret", "s1"),
            did("deleted", "secret", "s1"),
            did("created", "hook", "g/h"),
            did("deleted", "hook", "g/h"),
        ]
    );
    // roles, and paging
    for (m, body) in [
        ("PUT", Some(json!({"scopes": ["a"], "description": "d"}))),
        ("POST", Some(json!({"scopes": ["b"], "description": "d"}))),
        ("DELETE", None),
    ] {
        let r = call_as(&root, &rc, m, &format!("{A}/roles/r1"), body.as_ref()).await;
        assert_eq!(r.0, 200, "{m}: {:?}", r.1);
    }
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{A}/audit/role/r1?limit=2"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(
        entries(&r.1)
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["created", "updated"]
    );
    let token = r.1["continuationToken"]
        .as_str()
        .expect("a next page")
        .to_string();
    let r = call_as(
        &root,
        &rc,
        "GET",
        &format!("{A}/audit/role/r1?limit=2&continuationToken={token}"),
        None,
    )
    .await;
    assert_eq!(
        entries(&r.1)
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["deleted"]
    );
    assert!(r.1.get("continuationToken").is_none());
    // the scope names the entity type
    let r = call_as(&root, &actor, "GET", &format!("{A}/audit/role/r1"), None).await;
    assert_eq!(r.0, 403);
    assert!(message(&r.1).contains("auth:audit-history:role"));
}

#[tokio::test]
async fn credentials_of_backends_not_configured() {
    let s = start().await;
    let root = s.root_url();
    let rc = root_creds(&s);
    let get = |path: String| {
        let (root, rc) = (root.clone(), rc.clone());
        async move { call_as(&root, &rc, "GET", &format!("{A}{path}"), None).await }
    };
    let r = get("/aws/s3/read-write/my-bucket/some/prefix".into()).await;
    assert_eq!(
        (r.0, first(&r.1)),
        (404, "No credentials available for bucket my-bucket".into())
    );
    let r = get("/aws/s3/all/my-bucket/p".into()).await;
    assert_eq!(r.0, 400);
    assert!(first(&r.1).contains("URL parameter 'level' given as 'all'"));
    let r = get("/azure/accounts".into()).await;
    assert_eq!((r.0, r.1), (200, json!({"accounts": []})));
    let r = get("/azure/acct1/tables".into()).await;
    assert_eq!(
        first(&r.1),
        "Account 'acct1' not found, can't delegate access"
    );
    let r = get("/azure/acct1/containers/cont1/read-only".into()).await;
    assert_eq!(
        first(&r.1),
        "Account 'acct1' not found, can't delegate access."
    );
    let r = get("/sentry/proj/dsn".into()).await;
    assert_eq!(
        (r.0, first(&r.1)),
        (404, "Sentry credentials not found".into())
    );
    let r = get("/gcp/credentials/proj/sa@proj.iam.gserviceaccount.com".into()).await;
    assert_eq!(r.0, 400);
    let body = json!({"repositories": ["Repo"], "permissions": {"contents": "read"}});
    let r = call_as(
        &root,
        &rc,
        "POST",
        &format!("{A}/github/app/Owner/repo-token"),
        Some(&body),
    )
    .await;
    assert_eq!(
        (r.0, first(&r.1)),
        (404, "Application with name `app` is not configured".into())
    );

    // a read-only request is allowed by a read-write scope, and a read-write one needs it
    let r = call_as(
        &root,
        &rc,
        "PUT",
        &format!("{A}/clients/s3"),
        Some(&json!({"expires": iso_in(3600), "description": "d", "scopes": ["auth:aws-s3:read-only:bk1/x/*", "auth:websocktunnel-token:aud/*"]})),
    )
    .await;
    let s3 = json!({"clientId": "s3", "accessToken": r.1["accessToken"]});
    let r = call_as(
        &root,
        &s3,
        "GET",
        &format!("{A}/aws/s3/read-only/bk1/x/y"),
        None,
    )
    .await;
    assert_eq!(r.0, 404, "the scope check passed: {:?}", r.1);
    let r = call_as(
        &root,
        &s3,
        "GET",
        &format!("{A}/aws/s3/read-write/bk1/x/y"),
        None,
    )
    .await;
    assert_eq!(r.0, 403);
    assert!(message(&r.1).contains("auth:aws-s3:read-write:bk1/x/y"));

    // websocktunnel needs no backend: a signed JWT for the caller
    let r = call_as(
        &root,
        &s3,
        "GET",
        &format!("{A}/websocktunnel/aud/wc1"),
        None,
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(
        (r.1["wstAudience"].as_str(), r.1["wstClient"].as_str()),
        (Some("aud"), Some("wc1"))
    );
    let token = r.1["token"].as_str().expect("token");
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |p: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .expect("base64url"),
        )
        .expect("json")
    };
    assert_eq!(decode(parts[0]), json!({"alg": "HS256", "typ": "JWT"}));
    let claims = decode(parts[1]);
    assert_eq!(
        (
            claims["sub"].as_str(),
            claims["aud"].as_str(),
            claims["tid"].as_str()
        ),
        (Some("s3"), Some("aud"), Some("wc1"))
    );
    let exp = claims["exp"].as_i64().expect("exp");
    assert_eq!(exp - claims["iat"].as_i64().expect("iat"), 96 * 3600);
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .expect("mac")
            .len(),
        32
    );
    let r = call_as(
        &root,
        &s3,
        "GET",
        &format!("{A}/websocktunnel/other/wc1"),
        None,
    )
    .await;
    assert_eq!(r.0, 403);
}
