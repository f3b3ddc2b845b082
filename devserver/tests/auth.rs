//! One passing and one failing case per rule of hawk.md §10, with the real messages.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, SystemTime};

const CURRENT: &str = "/api/auth/v1/scopes/current";

async fn current_with(s: &tc_devserver::DevServer, ts: SystemTime) -> (u16, Value) {
    let h = hawk_header(
        &s.root_url(),
        s.client_id(),
        s.access_token(),
        "GET",
        CURRENT,
        None,
        ts,
    );
    send("GET", &format!("{}{CURRENT}", s.root_url()), Some(&h), None).await
}

fn assert_fail(r: &(u16, Value), msg: &str) {
    assert_eq!(r.0, 401, "{:?}", r.1);
    assert_eq!(r.1["code"], "AuthenticationFailed");
    assert!(message(&r.1).starts_with(msg), "{:?} !~ {msg}", r.1);
    assert!(message(&r.1).contains("\n\n---\n\n* method:     currentScopes"));
    assert_eq!(r.1["requestInfo"]["method"], "currentScopes");
}

#[tokio::test]
async fn root_client_and_anonymous() {
    let s = start().await;
    let r = current_with(&s, SystemTime::now()).await;
    assert_eq!(r.0, 200);
    assert_eq!(r.1, json!({"scopes": ["*"]}));
    // anonymous callers hold only assume:anonymous (no roles configured)
    let (st, body) = send("GET", &format!("{}{CURRENT}", s.root_url()), None, None).await;
    assert_eq!(st, 403);
    assert!(message(&body).starts_with(
        "This request requires Taskcluster credentials that satisfy the following scope expression:\n\n```\nauth:current-scopes\n```\n\n---\n"
    ));
    let log = s.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].client_id.as_deref(), Some(s.client_id()));
    assert_eq!(log[0].hawk.as_ref().unwrap().id, s.client_id());
    assert!(log[1].hawk.is_none());
}

#[tokio::test]
async fn stale_timestamp() {
    let s = start().await;
    assert_eq!(current_with(&s, ago(899)).await.0, 200);
    assert_eq!(
        current_with(&s, SystemTime::now() + Duration::from_secs(899))
            .await
            .0,
        200
    );
    assert_fail(
        &current_with(&s, ago(901)).await,
        "Unauthorized: Stale timestamp",
    );
    assert_fail(
        &current_with(&s, SystemTime::now() + Duration::from_secs(902)).await,
        "Unauthorized: Stale timestamp",
    );
}

#[tokio::test]
async fn bad_mac() {
    let s = start().await;
    let root = s.root_url();
    let path = "/api/auth/v1/clients/?prefix=static%2F";
    let ok = call(
        &root,
        s.client_id(),
        s.access_token(),
        "GET",
        path,
        None,
        None,
    )
    .await;
    assert_eq!(ok.0, 200, "{:?}", ok.1);
    // wrong key
    let h = hawk_header(
        &root,
        s.client_id(),
        "wrong-token",
        "GET",
        CURRENT,
        None,
        SystemTime::now(),
    );
    let r = send("GET", &format!("{root}{CURRENT}"), Some(&h), None).await;
    assert_fail(&r, "Unauthorized: Bad mac");
    // query not signed
    let h = hawk_header(
        &root,
        s.client_id(),
        s.access_token(),
        "GET",
        "/api/auth/v1/clients/",
        None,
        SystemTime::now(),
    );
    let r = send("GET", &format!("{root}{path}"), Some(&h), None).await;
    assert_eq!(r.0, 401);
    assert!(message(&r.1).starts_with("Unauthorized: Bad mac"));
    // unknown client
    let h = hawk_header(
        &root,
        "nobody",
        "x",
        "GET",
        CURRENT,
        None,
        SystemTime::now(),
    );
    let r = send("GET", &format!("{root}{CURRENT}"), Some(&h), None).await;
    assert_fail(&r, "Client with clientId 'nobody' not found");
    let log = s.requests();
    assert_eq!(log[1].auth_error.as_deref(), Some("Unauthorized: Bad mac"));
}

#[tokio::test]
async fn bewit_expiry() {
    let s = start().await;
    let root = s.root_url();
    let url = bewit_url(
        &root,
        s.client_id(),
        s.access_token(),
        CURRENT,
        None,
        SystemTime::now() + Duration::from_secs(60),
    );
    let (st, body) = send("GET", &url, None, None).await;
    assert_eq!(st, 200, "{body:?}");
    assert_eq!(body["scopes"], json!(["*"]));
    let url = bewit_url(
        &root,
        s.client_id(),
        s.access_token(),
        CURRENT,
        None,
        ago(1),
    );
    let r = send("GET", &url, None, None).await;
    assert_fail(&r, "Unauthorized: Access expired");
    // with a query, and bad mac
    let p = "/api/auth/v1/clients/?limit=5";
    let url = bewit_url(
        &root,
        s.client_id(),
        s.access_token(),
        p,
        None,
        SystemTime::now() + Duration::from_secs(60),
    );
    assert_eq!(send("GET", &url, None, None).await.0, 200);
    let url = bewit_url(
        &root,
        s.client_id(),
        "nope",
        CURRENT,
        None,
        SystemTime::now() + Duration::from_secs(60),
    );
    assert_fail(
        &send("GET", &url, None, None).await,
        "Unauthorized: Bad mac",
    );
    // header and bewit together
    let url = bewit_url(
        &root,
        s.client_id(),
        s.access_token(),
        CURRENT,
        None,
        SystemTime::now() + Duration::from_secs(60),
    );
    let h = hawk_header(
        &root,
        s.client_id(),
        s.access_token(),
        "GET",
        CURRENT,
        None,
        SystemTime::now(),
    );
    let r = send("GET", &url, Some(&h), None).await;
    assert_eq!(r.0, 401);
    assert!(message(&r.1).starts_with("Cannot use two authentication schemes at once this request has both bewit in querystring and 'authorization' header\n"));
    // padded bewit
    let r = send("GET", &format!("{root}{CURRENT}?bewit=abc="), None, None).await;
    assert_fail(&r, "Bad Request: Invalid bewit encoding");
}

async fn with_cert(s: &tc_devserver::DevServer, id: &str, ext: &Value) -> (u16, Value) {
    call(
        &s.root_url(),
        id,
        ext["__token"].as_str().unwrap(),
        "GET",
        CURRENT,
        Some(&ext_of(&ext["ext"])),
        None,
    )
    .await
}

fn cert_ext(
    issuer: &str,
    token: &str,
    name: Option<&str>,
    scopes: &[&str],
    start: i64,
    expiry: i64,
    authorized: Option<&[&str]>,
) -> Value {
    let (cert, tmp) = certificate(issuer, token, name, scopes, start, expiry);
    let mut ext = json!({"certificate": cert});
    if let Some(a) = authorized {
        ext["authorizedScopes"] = json!(a);
    }
    json!({"ext": ext, "__token": tmp})
}

#[tokio::test]
async fn certificate_span() {
    let s = start().await;
    let now = now_ms();
    let day = 24 * 3600 * 1000;
    let e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &["a:b", "auth:current-scopes"],
        now,
        now + 31 * day,
        None,
    );
    let r = with_cert(&s, s.client_id(), &e).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(
        r.1["scopes"],
        json!(["a:b", "assume:anonymous", "auth:current-scopes"])
    );
    let e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &["a:b"],
        now,
        now + 31 * day + 1,
        None,
    );
    assert_fail(
        &with_cert(&s, s.client_id(), &e).await,
        "ext.certificate cannot last longer than 31 days!",
    );
    // start/expiry grace
    let e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &["auth:current-scopes"],
        now + 4 * 60_000,
        now + day,
        None,
    );
    assert_eq!(with_cert(&s, s.client_id(), &e).await.0, 200);
    let e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &[],
        now + 6 * 60_000,
        now + day,
        None,
    );
    assert_fail(
        &with_cert(&s, s.client_id(), &e).await,
        "ext.certificate.start > now",
    );
    let e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &[],
        now - day,
        now - 6 * 60_000,
        None,
    );
    assert_fail(
        &with_cert(&s, s.client_id(), &e).await,
        "ext.certificate.expiry < now",
    );
    // bad signature
    let mut e = cert_ext(
        s.client_id(),
        s.access_token(),
        None,
        &["a:b"],
        now,
        now + day,
        None,
    );
    e["ext"]["certificate"]["scopes"] = json!(["a:c"]);
    assert_fail(
        &with_cert(&s, s.client_id(), &e).await,
        "ext.certificate.signature is not valid",
    );
    // unparsable ext
    let r = call(
        &s.root_url(),
        s.client_id(),
        s.access_token(),
        "GET",
        CURRENT,
        Some("bm90IGpzb24"),
        None,
    )
    .await;
    assert_fail(&r, "Failed to parse ext");
}

async fn make_client(s: &tc_devserver::DevServer, id: &str, scopes: &[&str]) -> String {
    let body =
        json!({"description": "test", "expires": "3000-01-01T00:00:00.000Z", "scopes": scopes});
    let path = format!("/api/auth/v1/clients/{}", id.replace('/', "%2F"));
    let (st, v) = call(
        &s.root_url(),
        s.client_id(),
        s.access_token(),
        "PUT",
        &path,
        None,
        Some(&body),
    )
    .await;
    assert_eq!(st, 200, "{v:?}");
    v["accessToken"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn certificate_scopes_vs_issuer() {
    let s = start().await;
    let tok = make_client(
        &s,
        "project/issuer",
        &[
            "queue:*",
            "auth:current-scopes",
            "auth:create-client:project/temp/*",
        ],
    )
    .await;
    let now = now_ms();
    let e = cert_ext(
        "project/issuer",
        &tok,
        None,
        &["queue:get-artifact:x", "auth:current-scopes"],
        now,
        now + 3_600_000,
        None,
    );
    let r = with_cert(&s, "project/issuer", &e).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let e = cert_ext(
        "project/issuer",
        &tok,
        None,
        &["secrets:get:x"],
        now,
        now + 3_600_000,
        None,
    );
    assert_fail(
        &with_cert(&s, "project/issuer", &e).await,
        "ext.certificate issuer `project/issuer` doesn't satisfy all certificate scopes secrets:get:x.",
    );
    // named credentials: allowed name passes, other name fails
    let e = cert_ext(
        "project/issuer",
        &tok,
        Some("project/temp/job"),
        &["queue:x", "auth:current-scopes"],
        now,
        now + 3_600_000,
        None,
    );
    let r = with_cert(&s, "project/temp/job", &e).await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let e = cert_ext(
        "project/issuer",
        &tok,
        Some("other/name"),
        &["queue:x"],
        now,
        now + 3_600_000,
        None,
    );
    assert_fail(
        &with_cert(&s, "other/name", &e).await,
        "ext.certificate issuer `project/issuer` doesn't have `auth:create-client:other/name` for supplied clientId.",
    );
    // named certificate used with another name: signature does not match
    let e = cert_ext(
        "project/issuer",
        &tok,
        Some("project/temp/job"),
        &["queue:x"],
        now,
        now + 3_600_000,
        None,
    );
    assert_fail(
        &with_cert(&s, "project/temp/job2", &e).await,
        "ext.certificate.signature is not valid, or wrong clientId provided",
    );
}

#[tokio::test]
async fn authorized_scopes_subset() {
    let s = start().await;
    let tok = make_client(&s, "project/limited", &["queue:*"]).await;
    let ext = ext_of(&json!({"authorizedScopes": ["queue:get-task:abc"]}));
    let r = call(
        &s.root_url(),
        "project/limited",
        &tok,
        "GET",
        CURRENT,
        Some(&ext),
        None,
    )
    .await;
    assert_eq!(
        r.0, 403,
        "auth:current-scopes is not in the authorized scopes: {:?}",
        r.1
    );
    assert_eq!(r.1["code"], "InsufficientScopes");
    let ext = ext_of(&json!({"authorizedScopes": ["queue:get-task:abc", "auth:current-scopes"]}));
    let r = call(
        &s.root_url(),
        s.client_id(),
        s.access_token(),
        "GET",
        CURRENT,
        Some(&ext),
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    assert_eq!(
        r.1["scopes"],
        json!([
            "assume:anonymous",
            "auth:current-scopes",
            "queue:get-task:abc"
        ])
    );
    let ext = ext_of(&json!({"authorizedScopes": ["secrets:get:x"]}));
    let r = call(
        &s.root_url(),
        "project/limited",
        &tok,
        "GET",
        CURRENT,
        Some(&ext),
        None,
    )
    .await;
    assert_fail(&r, "Supplied credentials do not satisfy authorizedScopes");
    let ext = ext_of(&json!({"authorizedScopes": "queue:*"}));
    let r = call(
        &s.root_url(),
        "project/limited",
        &tok,
        "GET",
        CURRENT,
        Some(&ext),
        None,
    )
    .await;
    assert_fail(&r, "ext.authorizedScopes must be an array");
}

#[tokio::test]
async fn header_length_limit() {
    let s = start().await;
    let root = s.root_url();
    // pad authorizedScopes so that the header is exactly at / just over 4096 characters
    let header_for = |n: usize| {
        let ext = ext_of(&json!({"authorizedScopes": ["auth:current-scopes", "x".repeat(n)]}));
        hawk_header(
            &root,
            s.client_id(),
            s.access_token(),
            "GET",
            CURRENT,
            Some(&ext),
            SystemTime::now(),
        )
    };
    let mut n = 2000;
    while header_for(n).len() > 4096 {
        n -= 1;
    }
    while header_for(n + 1).len() <= 4096 {
        n += 1;
    }
    let h = header_for(n);
    assert!(h.len() <= 4096);
    let r = send("GET", &format!("{root}{CURRENT}"), Some(&h), None).await;
    assert_eq!(r.0, 200, "{} chars: {:?}", h.len(), r.1);
    let mut m = n + 1;
    while header_for(m).len() <= 4096 {
        m += 1;
    }
    let h = header_for(m);
    assert!(h.len() > 4096);
    let r = send("GET", &format!("{root}{CURRENT}"), Some(&h), None).await;
    assert_fail(&r, "Bad Request: Header length too long");
}

#[tokio::test]
async fn insufficient_scopes_body() {
    let s = start().await;
    let (st, body) = send(
        "GET",
        &format!("{}/api/auth/v1/clients/", s.root_url()),
        None,
        None,
    )
    .await;
    assert_eq!(st, 403);
    assert_eq!(body["code"], "InsufficientScopes");
    assert_eq!(body["requestInfo"]["method"], "listClients");
    assert!(message(&body).contains("auth:list-clients"));
    assert!(message(&body).contains("* errorCode:  InsufficientScopes\n* statusCode: 403\n* time:"));
}

#[tokio::test]
async fn test_authenticate_tester() {
    let s = start().await;
    let root = s.root_url();
    let body = json!({"clientScopes": ["test:*"], "requiredScopes": ["test:a"]});
    let r = call(
        &root,
        "tester",
        "no-secret",
        "POST",
        "/api/auth/v1/test-authenticate",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    assert_eq!(r.1["clientId"], "tester");
    let body = json!({"clientScopes": ["test:*"], "requiredScopes": ["other"]});
    let r = call(
        &root,
        "tester",
        "no-secret",
        "POST",
        "/api/auth/v1/test-authenticate",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.0, 403);
    let r = call(
        &root,
        "tester",
        "wrong",
        "POST",
        "/api/auth/v1/test-authenticate",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.0, 401);
    let r = call(
        &root,
        "tester",
        "no-secret",
        "GET",
        "/api/auth/v1/test-authenticate-get/",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    assert_eq!(
        r.1["scopes"],
        json!(["assume:anonymous", "auth:create-client:test:*", "test:*"])
    );
}

/// Role changes take effect on the next request: expansions are cached per scope set, and
/// creating, updating or deleting a role must drop what was computed from the old roles.
#[tokio::test]
async fn role_changes_apply_at_once() {
    let s = start().await;
    let root = s.root_url();
    let key = make_client(
        &s,
        "role-user",
        &["assume:project:x", "auth:current-scopes"],
    )
    .await;
    let path = "/api/auth/v1/roles/project%3Ax";
    let current = "/api/auth/v1/scopes/current";
    let as_root = |method, body: Option<Value>| {
        let (root, id, token) = (
            root.clone(),
            s.client_id().to_string(),
            s.access_token().to_string(),
        );
        async move { call(&root, &id, &token, method, path, None, body.as_ref()).await }
    };
    let scopes_of_user = || async {
        let (st, v) = call(&root, "role-user", &key, "GET", current, None, None).await;
        assert_eq!(st, 200, "{v:?}");
        v["scopes"].to_string()
    };
    let role = |scopes: &[&str]| Some(json!({"description": "r", "scopes": scopes}));
    assert!(!scopes_of_user().await.contains("secrets:get:a"));
    let (st, v) = as_root("PUT", role(&["secrets:get:a"])).await;
    assert_eq!(st, 200, "{v:?}");
    assert!(scopes_of_user().await.contains("secrets:get:a"));
    let (st, v) = as_root("POST", role(&["secrets:get:b"])).await;
    assert_eq!(st, 200, "{v:?}");
    let now = scopes_of_user().await;
    assert!(
        now.contains("secrets:get:b") && !now.contains("secrets:get:a"),
        "{now}"
    );
    let (st, v) = as_root("DELETE", None).await;
    assert!(st == 200 || st == 204, "{st} {v:?}");
    let now = scopes_of_user().await;
    assert!(!now.contains("secrets:get:"), "{now}");
}
