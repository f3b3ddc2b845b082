//! The 51 Hawk / bewit / temporary-credential vectors from the real libraries, on every target.

mod common;

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use taskcluster_wasm::auth::{self, hawk};
use taskcluster_wasm::{Call, Client, Credentials, ManualRuntime, TemporaryOptions};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const VECTORS: &str = include_str!("data/hawk-vectors.json");

fn vectors(kind: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    all["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == kind)
        .cloned()
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn opt(v: &Value) -> Option<&str> {
    v.as_str()
}

fn credentials(v: &Value) -> Credentials {
    let c = Credentials::new(s(&v["clientId"]), s(&v["accessToken"]));
    match v.get("certificate").and_then(Value::as_str) {
        Some(cert) => c.with_certificate(cert).unwrap(),
        None => c,
    }
}

fn scopes(v: &Value) -> Option<Vec<String>> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
}

#[test]
fn payload_hashes() {
    let vs = vectors("payload_hash");
    assert_eq!(vs.len(), 6);
    for v in vs {
        let i = &v["inputs"];
        let got = hawk::payload_hash(
            opt(&i["content_type"]).unwrap_or(""),
            s(&i["payload"]).as_bytes(),
        );
        assert_eq!(got, s(&v["expected"]["hash"]), "{}", v["name"]);
    }
}

#[test]
fn hawk_headers() {
    let vs = vectors("hawk_header");
    assert_eq!(vs.len(), 15);
    for v in vs {
        let (i, x) = (&v["inputs"], &v["expected"]);
        let url = s(&i["url"]).parse::<http::Uri>().unwrap();
        let target = hawk::Target::of(&url);
        assert_eq!(target.resource, s(&x["resource"]), "{}", v["name"]);
        assert_eq!(target.host, s(&x["host"]), "{}", v["name"]);
        assert_eq!(
            u64::from(target.port),
            x["port"].as_u64().unwrap(),
            "{}",
            v["name"]
        );
        let hash = i
            .get("payload")
            .and_then(Value::as_str)
            .map(|p| hawk::payload_hash(opt(&i["content_type"]).unwrap_or(""), p.as_bytes()));
        assert_eq!(
            hash.as_deref(),
            x.get("hash").and_then(Value::as_str),
            "{}",
            v["name"]
        );
        let a = hawk::Artifacts {
            ts: i["ts"].as_u64().unwrap(),
            nonce: s(&i["nonce"]),
            method: s(&i["method"]),
            target: &target,
            hash: hash.as_deref(),
            ext: i.get("ext").and_then(Value::as_str),
            app: None,
        };
        assert_eq!(
            hawk::normalized_string("header", &a),
            s(&x["normalized_string"]),
            "{}",
            v["name"]
        );
        let key = s(&i["credentials"]["key"]);
        assert_eq!(hawk::mac(key, "header", &a), s(&x["mac"]), "{}", v["name"]);
        assert_eq!(
            hawk::header(s(&i["credentials"]["id"]), key, &a),
            s(&x["header"]),
            "{}",
            v["name"]
        );
    }
}

#[test]
fn hawk_macs() {
    let vs = vectors("hawk_mac");
    assert_eq!(vs.len(), 2);
    for v in vs {
        let (i, x) = (&v["inputs"], &v["expected"]);
        let art = &i["artifacts"];
        let target = hawk::Target {
            resource: s(&art["resource"]).into(),
            host: s(&art["host"]).into(),
            port: art["port"].as_u64().unwrap() as u16,
        };
        let a = hawk::Artifacts {
            ts: art["ts"].as_u64().unwrap(),
            nonce: s(&art["nonce"]),
            method: s(&art["method"]),
            target: &target,
            hash: opt(&art["hash"]).filter(|h| !h.is_empty()),
            ext: opt(&art["ext"]),
            app: opt(&art["app"]).map(|app| (app, opt(&art["dlg"]))),
        };
        let kind = s(&i["type"]);
        assert_eq!(
            hawk::normalized_string(kind, &a),
            s(&x["normalized_string"]),
            "{}",
            v["name"]
        );
        assert_eq!(
            hawk::mac(s(&i["key"]), kind, &a),
            s(&x["mac"]),
            "{}",
            v["name"]
        );
    }
}

#[test]
fn hawk_response() {
    let vs = vectors("hawk_response");
    assert_eq!(vs.len(), 1);
    let (i, x) = (&vs[0]["inputs"], &vs[0]["expected"]);
    let r = &i["request_artifacts"];
    let target = hawk::Target {
        resource: s(&r["resource"]).into(),
        host: s(&r["host"]).into(),
        port: r["port"].as_u64().unwrap() as u16,
    };
    let hash = hawk::payload_hash(
        s(&i["response_content_type"]),
        s(&i["response_payload"]).as_bytes(),
    );
    let a = hawk::Artifacts {
        ts: r["ts"].as_u64().unwrap(),
        nonce: s(&r["nonce"]),
        method: s(&r["method"]),
        target: &target,
        hash: Some(&hash),
        ext: opt(&i["response_ext"]),
        app: None,
    };
    assert_eq!(
        hawk::normalized_string("response", &a),
        s(&x["normalized_string"])
    );
    assert_eq!(
        hawk::response_header(s(&i["credentials"]["key"]), &a),
        s(&x["server_authorization"])
    );
}

#[test]
fn temporary_credentials() {
    let vs = vectors("temp_credentials");
    assert_eq!(vs.len(), 7);
    for v in vs {
        let (i, x) = (&v["inputs"], &v["expected"]);
        let issuer = credentials(&i["issuer"]);
        let options = TemporaryOptions {
            start: None,
            expiry: i["expiry"].as_u64().unwrap(),
            scopes: scopes(&i["scopes"]).unwrap(),
            client_id: opt(&i["temp_client_id"]).map(str::to_string),
        };
        let start = i["start"].as_u64().unwrap();
        let temp = issuer
            .create_temporary_with_seed(&options, start, s(&i["seed"]))
            .unwrap();
        assert_eq!(temp.client_id(), s(&x["client_id"]), "{}", v["name"]);
        assert_eq!(temp.access_token(), s(&x["access_token"]), "{}", v["name"]);
        let cert = temp.certificate().unwrap();
        assert_eq!(cert.as_json(), s(&x["certificate"]), "{}", v["name"]);
        assert_eq!(cert.fields().signature, s(&x["signature"]), "{}", v["name"]);
        assert_eq!(
            hawk::hmac_b64(issuer.access_token(), s(&x["signature_string"]).as_bytes()),
            s(&x["signature"]),
            "{}",
            v["name"]
        );
        if let Some(js) = x.get("js_client") {
            // The official JS clients sign empty scope lists wrongly; we must not match them.
            assert_ne!(
                cert.fields().signature,
                s(&js["signature"]),
                "{}",
                v["name"]
            );
        }
    }
}

fn call_for<'a>(
    svc: &'a taskcluster_wasm::Service,
    entry: &'a taskcluster_wasm::Entry,
    args: &[Value],
) -> Call<'a> {
    let mut call = Call::new(svc, entry);
    let mut rest = args.iter();
    for _ in 0..entry.args.len() {
        call = call.arg(common::arg_string(rest.next().unwrap()));
    }
    if entry.input {
        call = call.payload(rest.next().unwrap()).unwrap();
    }
    if let Some(q) = rest.next() {
        // Query keys go out in the reference's order, as the generated Rust API sends them.
        let q = q.as_object().unwrap();
        for key in entry.query.iter() {
            if let Some(v) = q.get(key.as_ref()) {
                call = call.query(key.to_string(), common::arg_string(v));
            }
        }
    }
    call
}

#[test]
fn taskcluster_requests() {
    let vs = vectors("tc_request");
    assert_eq!(vs.len(), 12);
    for v in vs {
        let (i, x) = (&v["inputs"], &v["expected"]);
        let api = &i["api_call"];
        let (svc, entry) = common::entry(s(&api["service"]), s(&api["method"]));
        let creds = credentials(&i["credentials"]);
        let authorized = scopes(&i["authorized_scopes"]);
        let client = Client::builder(s(&i["root_url"]))
            .credentials(creds.clone())
            .authorized_scopes(authorized.clone())
            .runtime(Arc::new(ManualRuntime::at(i["now_ms"].as_u64().unwrap())))
            .build()
            .unwrap();
        let call = call_for(&svc, &entry, api["args"].as_array().unwrap());
        assert_eq!(
            client.build_url(&call).unwrap(),
            s(&x["url"]),
            "{}",
            v["name"]
        );
        assert_eq!(
            call.method().unwrap().as_str(),
            s(&x["http_method"]),
            "{}",
            v["name"]
        );
        match x["body"].as_str() {
            Some(body) => {
                let sent: Value = serde_json::from_slice(call.payload.as_ref().unwrap()).unwrap();
                assert_eq!(
                    sent,
                    serde_json::from_str::<Value>(body).unwrap(),
                    "{}",
                    v["name"]
                );
            }
            None => assert!(call.payload.is_none(), "{}", v["name"]),
        }
        let cert = creds.certificate().map(|c| c.as_json());
        let ext = auth::ext(cert, authorized.as_deref());
        assert_eq!(
            auth::ext_json(cert, authorized.as_deref()).as_deref(),
            opt(&x["ext_json"]),
            "{}",
            v["name"]
        );
        assert_eq!(ext.as_deref(), opt(&x["ext"]), "{}", v["name"]);
        let url = s(&x["url"]).parse::<http::Uri>().unwrap();
        let target = hawk::Target::of(&url);
        let a = hawk::Artifacts {
            ts: x["ts"].as_u64().unwrap(),
            nonce: s(&i["nonce"]),
            method: s(&x["http_method"]),
            target: &target,
            hash: None,
            ext: ext.as_deref(),
            app: None,
        };
        assert_eq!(
            hawk::normalized_string("header", &a),
            s(&x["normalized_string"]),
            "{}",
            v["name"]
        );
        assert_eq!(
            hawk::header(creds.client_id(), creds.access_token(), &a),
            s(&x["authorization"]),
            "{}",
            v["name"]
        );
        // And the client itself produces a header of the same shape for this URL and time.
        let header = client
            .authorization(call.method().unwrap().as_str(), &url)
            .unwrap()
            .unwrap();
        assert!(
            header.starts_with(&format!(
                "Hawk id=\"{}\", ts=\"{}\", nonce=\"",
                creds.client_id(),
                x["ts"]
            )),
            "{header}"
        );
        assert_eq!(header.contains("ext=\""), ext.is_some(), "{}", v["name"]);
    }
}

#[test]
fn bewits() {
    let vs = vectors("bewit");
    assert_eq!(vs.len(), 8);
    for v in vs {
        let (i, x) = (&v["inputs"], &v["expected"]);
        let ttl = Duration::from_secs(i["ttl_sec"].as_u64().unwrap());
        let now_ms = i["now_ms"].as_u64().unwrap();
        if let Some(api) = i.get("api_call") {
            let (svc, entry) = common::entry(s(&api["service"]), s(&api["method"]));
            let client = Client::builder(s(&i["root_url"]))
                .credentials(credentials(&i["credentials"]))
                .authorized_scopes(scopes(&i["authorized_scopes"]))
                .runtime(Arc::new(ManualRuntime::at(now_ms)))
                .build()
                .unwrap();
            let call = call_for(&svc, &entry, api["args"].as_array().unwrap());
            assert_eq!(
                client.build_url(&call).unwrap(),
                s(&x["url"]),
                "{}",
                v["name"]
            );
            assert_eq!(
                client.build_signed_url(&call, ttl).unwrap(),
                s(&x["signed_url"]),
                "{}",
                v["name"]
            );
        } else {
            let url = s(&i["url"]).parse::<http::Uri>().unwrap();
            let target = hawk::Target::of(&url);
            let c = &i["credentials"];
            let exp = now_ms / 1000 + ttl.as_secs();
            assert_eq!(
                hawk::bewit_raw(s(&c["id"]), s(&c["key"]), &target, exp, None),
                s(&x["bewit_raw"]),
                "{}",
                v["name"]
            );
            let b = hawk::bewit(s(&c["id"]), s(&c["key"]), &target, exp, None);
            assert_eq!(b, s(&x["bewit"]), "{}", v["name"]);
            assert_eq!(
                hawk::append_bewit(s(&i["url"]), &b),
                s(&x["signed_url"]),
                "{}",
                v["name"]
            );
        }
    }
}

#[test]
fn every_vector_is_covered() {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(all["vectors"].as_array().unwrap().len(), 51);
}
