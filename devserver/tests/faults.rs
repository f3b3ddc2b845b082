//! Fault injection, request log, CORS and the admin API.

mod common;
use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tc_devserver::{Fault, FaultAction};

const PING: &str = "/api/secrets/v1/ping";

#[tokio::test]
async fn status_fault_then_success() {
    let s = start().await;
    s.add_fault(
        Fault::new(
            PING,
            FaultAction::Status {
                status: 500,
                body: None,
                headers: Default::default(),
            },
        )
        .times(2),
    );
    let url = format!("{}{PING}", s.root_url());
    let (st, body) = send("GET", &url, None, None).await;
    assert_eq!(st, 500);
    assert_eq!(body["code"], "InternalServerError");
    assert!(message(&body).contains("incidentId"));
    assert_eq!(send("GET", &url, None, None).await.0, 500);
    assert_eq!(send("GET", &url, None, None).await.0, 200);
    let log = s.requests();
    assert_eq!(
        log.iter()
            .map(|r| (r.status, r.faulted))
            .collect::<Vec<_>>(),
        vec![(500, true), (500, true), (200, false)]
    );
}

#[tokio::test]
async fn method_filter_and_forever() {
    let s = start().await;
    s.add_fault(
        Fault::new(
            "/api/",
            FaultAction::Status {
                status: 503,
                body: Some(json!({"x": 1})),
                headers: Default::default(),
            },
        )
        .method("POST")
        .times(0),
    );
    let url = format!("{}{PING}", s.root_url());
    assert_eq!(send("GET", &url, None, None).await.0, 200);
    for _ in 0..3 {
        let (st, b) = send(
            "POST",
            &format!("{}/api/auth/v1/scopes/expand", s.root_url()),
            None,
            Some(&json!({})),
        )
        .await;
        assert_eq!((st, b), (503, json!({"x": 1})));
    }
    s.clear_faults();
    let (st, _) = send(
        "POST",
        &format!("{}/api/auth/v1/scopes/expand", s.root_url()),
        None,
        Some(&json!({"scopes": []})),
    )
    .await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn reset_fault() {
    let s = start().await;
    s.add_fault(Fault::new(PING, FaultAction::Reset));
    let err = client().get(format!("{}{PING}", s.root_url())).send().await;
    assert!(err.is_err(), "{err:?}");
    assert_eq!(
        send("GET", &format!("{}{PING}", s.root_url()), None, None)
            .await
            .0,
        200
    );
    assert_eq!(s.requests()[0].status, 0);
}

#[tokio::test]
async fn delay_and_hang() {
    let s = start().await;
    s.add_fault(Fault::new(PING, FaultAction::Delay { ms: 300 }));
    let t = Instant::now();
    assert_eq!(
        send("GET", &format!("{}{PING}", s.root_url()), None, None)
            .await
            .0,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    s.add_fault(Fault::new(PING, FaultAction::Hang));
    let c = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let r = c.get(format!("{}{PING}", s.root_url())).send().await;
    assert!(r.unwrap_err().is_timeout());
    s.shutdown().await;
}

#[tokio::test]
async fn truncate_fault() {
    let s = start().await;
    s.add_fault(Fault::new(PING, FaultAction::Truncate { bytes: 5 }));
    let resp = client()
        .get(format!("{}{PING}", s.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let len: usize = resp.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(len > 5);
    assert!(resp.bytes().await.is_err());
}

#[tokio::test]
async fn html_fault() {
    let s = start().await;
    s.add_fault(Fault::new(PING, FaultAction::Html { status: 403 }));
    let resp = client()
        .get(format!("{}{PING}", s.root_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(resp.headers()["content-type"], "text/html");
    assert!(resp.text().await.unwrap().contains("<html>"));
}

#[tokio::test]
async fn admin_api_and_cors() {
    let s = start().await;
    let root = s.root_url();
    let c = client();
    // preflight
    let r = c
        .request(
            reqwest::Method::OPTIONS,
            format!("{root}/api/auth/v1/scopes/current"),
        )
        .header("origin", "http://example.com")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert_eq!(h["access-control-max-age"], "900");
    assert_eq!(
        h["access-control-allow-methods"],
        "OPTIONS,GET,HEAD,POST,PUT,DELETE,TRACE,CONNECT"
    );
    assert_eq!(
        h["access-control-allow-headers"],
        "X-Requested-With,Content-Type,Authorization,Accept,Origin,Cache-Control"
    );
    // fault through the admin API
    let f = json!({"method": "GET", "pathPrefix": PING, "times": 1, "action": {"kind": "status", "status": 502}});
    let r = c
        .post(format!("{root}/__devserver/faults"))
        .header("content-type", "application/json")
        .body(f.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        send("GET", &format!("{root}{PING}"), None, None).await.0,
        502
    );
    let r = c
        .get(format!("{root}{PING}"))
        .header("x-taskcluster-trace-id", "trace-1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert_eq!(r.headers()["x-for-trace-id"], "trace-1");
    let (st, log) = send(
        "GET",
        &format!("{root}/__devserver/requests?pathPrefix=/api/secrets/"),
        None,
        None,
    )
    .await;
    assert_eq!(st, 200);
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["status"], 502);
    assert_eq!(log[0]["faulted"], true);
    assert_eq!(log[1]["traceId"], "trace-1");
    assert_eq!(log[1]["url"], PING);
    assert_eq!(log[1]["hawk"], Value::Null);
    let r = c
        .delete(format!("{root}/__devserver/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(s.requests().is_empty());
    // fault JSON round trip
    let f: Fault = serde_json::from_value(
        json!({"pathPrefix": "/x", "action": {"kind": "truncate", "bytes": 3}}),
    )
    .unwrap();
    assert_eq!(f, Fault::new("/x", FaultAction::Truncate { bytes: 3 }));
    let f: Fault = serde_json::from_value(json!({"action": {"kind": "expireUrl"}})).unwrap();
    assert_eq!(f.path_prefix, "/");
}
