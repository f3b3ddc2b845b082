//! Service happy paths and API-layer rules.

mod common;
use common::*;
use serde_json::json;

#[tokio::test]
async fn secrets_roundtrip_and_pagination() {
    let s = start().await;
    let (root, id, key) = (
        s.root_url(),
        s.client_id().to_string(),
        s.access_token().to_string(),
    );
    for n in ["a/1", "a/2", "b/3"] {
        let path = format!("/api/secrets/v1/secret/{}", n.replace('/', "%2F"));
        let body = json!({"secret": {"n": n}, "expires": "3000-01-01T00:00:00.000Z"});
        let r = call(&root, &id, &key, "PUT", &path, None, Some(&body)).await;
        assert_eq!(r.0, 200, "{:?}", r.1);
    }
    let r = call(
        &root,
        &id,
        &key,
        "GET",
        "/api/secrets/v1/secret/a%2F2",
        None,
        None,
    )
    .await;
    assert_eq!(
        r.1,
        json!({"secret": {"n": "a/2"}, "expires": "3000-01-01T00:00:00.000Z"})
    );
    let r = call(
        &root,
        &id,
        &key,
        "GET",
        "/api/secrets/v1/secrets?limit=2",
        None,
        None,
    )
    .await;
    assert_eq!(r.1["secrets"], json!(["a/1", "a/2"]));
    let tok = r.1["continuationToken"].as_str().unwrap().to_string();
    let r = call(
        &root,
        &id,
        &key,
        "GET",
        &format!("/api/secrets/v1/secrets?limit=2&continuationToken={tok}"),
        None,
        None,
    )
    .await;
    assert_eq!(r.1, json!({"secrets": ["b/3"]}));
    let r = call(
        &root,
        &id,
        &key,
        "DELETE",
        "/api/secrets/v1/secret/a%2F1",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    let r = call(
        &root,
        &id,
        &key,
        "GET",
        "/api/secrets/v1/secret/a%2F1",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 404);
    assert_eq!(r.1["code"], "ResourceNotFound");
    // anonymous: no secrets:get
    let r = send(
        "GET",
        &format!("{root}/api/secrets/v1/secret/a%2F2"),
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 403);
}

#[tokio::test]
async fn api_layer_rules() {
    let s = start().await;
    let root = s.root_url();
    // the query is checked after the scopes: with them, 400; without them, 403
    let rc = root_creds(&s);
    let r = call_as(&root, &rc, "GET", "/api/secrets/v1/secrets?foo=1", None).await;
    assert_eq!(r.0, 400);
    assert_eq!(r.1["code"], "InvalidRequestArguments");
    assert!(message(&r.1).starts_with("Query-string parameter: foo is not supported!"));
    let r = send(
        "GET",
        &format!("{root}/api/secrets/v1/secrets?foo=1"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.0, r.1["code"].as_str()),
        (403, Some("InsufficientScopes"))
    );
    let r = send("GET", &format!("{root}/api/secrets/v1/nope"), None, None).await;
    assert_eq!(r, (404, json!({"error": "Not found"})));
    let c = client();
    let resp = c
        .post(format!("{root}/api/auth/v1/scopes/expand"))
        .header("content-type", "application/json")
        .body("\"str\"")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(v["code"], "MalformedPayload");
}

#[tokio::test]
async fn clients_and_roles() {
    let s = start().await;
    let (root, id, key) = (
        s.root_url(),
        s.client_id().to_string(),
        s.access_token().to_string(),
    );
    let body = json!({"description": "r", "scopes": ["secrets:get:proj/*"]});
    let r = call(
        &root,
        &id,
        &key,
        "PUT",
        "/api/auth/v1/roles/project%3Ademo",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let body = json!({"description": "c", "expires": "3000-01-01T00:00:00.000Z", "scopes": ["assume:project:demo", "auth:current-scopes"]});
    let r = call(
        &root,
        &id,
        &key,
        "PUT",
        "/api/auth/v1/clients/proj%2Fc",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(r.0, 200, "{:?}", r.1);
    let tok = r.1["accessToken"].as_str().unwrap().to_string();
    assert_eq!(
        r.1["expandedScopes"],
        json!([
            "assume:project:demo",
            "auth:current-scopes",
            "secrets:get:proj/*"
        ])
    );
    let r = call(
        &root,
        "proj/c",
        &tok,
        "GET",
        "/api/auth/v1/scopes/current",
        None,
        None,
    )
    .await;
    assert_eq!(
        r.1["scopes"],
        json!([
            "assume:anonymous",
            "assume:project:demo",
            "auth:current-scopes",
            "secrets:get:proj/*"
        ])
    );
    let r = call(
        &root,
        &id,
        &key,
        "POST",
        "/api/auth/v1/clients/proj%2Fc/reset",
        None,
        None,
    )
    .await;
    let tok2 = r.1["accessToken"].as_str().unwrap().to_string();
    assert_ne!(tok, tok2);
    let r = call(
        &root,
        "proj/c",
        &tok,
        "GET",
        "/api/auth/v1/scopes/current",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 401);
    let r = call(
        &root,
        &id,
        &key,
        "GET",
        "/api/auth/v1/clients/?prefix=proj%2F",
        None,
        None,
    )
    .await;
    assert_eq!(r.1["clients"].as_array().unwrap().len(), 1);
    assert!(r.1["clients"][0].get("accessToken").is_none());
    let r = call(
        &root,
        &id,
        &key,
        "DELETE",
        "/api/auth/v1/clients/proj%2Fc",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 200);
    let r = call(
        &root,
        "proj/c",
        &tok2,
        "GET",
        "/api/auth/v1/scopes/current",
        None,
        None,
    )
    .await;
    assert_eq!(r.0, 401);
    assert!(message(&r.1).starts_with("Client with clientId 'proj/c' not found"));
}
