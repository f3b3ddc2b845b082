//! Property tests (proptest), natively: no input makes the public API panic, and what it builds
//! round-trips. Time expressions, URL building and signing, reference parsing, retry delays,
//! secrets in errors, and the local deployment's Hawk header parsing (through HTTP only).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::time::Duration;

use base64::Engine;
use proptest::prelude::*;
use serde_json::{json, Value};
use taskcluster_wasm::discover::parse_reference;
use taskcluster_wasm::{from_now, Call, Client, Credentials, RetryPolicy, Timestamp};

const MAX_MS: i64 = 8_640_000_000_000_000;

/// Strings with the awkward characters: unicode, NUL, dot segments, URL delimiters.
fn awkward() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just(".".to_string()),
        Just("..".to_string()),
        Just("/".to_string()),
        Just("\0".to_string()),
        Just("%2F".to_string()),
        Just("%".to_string()),
        Just("?#&=+ '!*()".to_string()),
        Just("ü中😀\u{202e}\u{fffd}".to_string()),
        "[a-zA-Z0-9_.~-]{1,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn time_expression() -> impl Strategy<Value = String> {
    let unit = prop::sample::select(vec![
        "y", "yr", "years", "mo", "month", "w", "wk", "weeks", "d", "day", "h", "hr", "hours", "m",
        "min", "minutes", "s", "sec", "seconds", "ms", "",
    ]);
    let number = prop_oneof![
        (0u64..100_000).prop_map(|n| n.to_string()),
        Just("18446744073709551616".to_string()),
        Just("99999999999999999999999".to_string()),
        Just(u64::MAX.to_string()),
        Just(String::new()),
    ];
    (
        prop::sample::select(vec!["", "-", "+", " - ", "--"]),
        prop::collection::vec(
            (number, unit, prop::sample::select(vec!["", " ", "  "])),
            0..5,
        ),
    )
        .prop_map(|(sign, parts)| {
            let mut s = sign.to_string();
            for (n, u, sp) in parts {
                s.push_str(&n);
                s.push_str(sp);
                s.push_str(u);
            }
            s
        })
}

fn client(root: &str) -> Client {
    Client::builder(root)
        .credentials(Credentials::new("prop/client", "prop-access-token"))
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn from_now_never_panics(expr in prop_oneof![time_expression(), awkward(), any::<String>()],
                             reference in any::<i64>()) {
        let reference = Timestamp::from_millis(reference).ok();
        if let Ok(t) = taskcluster_wasm::util::time::from_now_at(&expr, reference) {
            prop_assert!(t.as_millis().abs() <= MAX_MS);
            // What it writes, it reads back (within years 0000-9999: `Timestamp::parse` does
            // not read the six-digit years that `to_string` writes beyond them, as JS does).
            if (-62_167_219_200_000..253_402_300_800_000).contains(&t.as_millis()) {
                prop_assert_eq!(Timestamp::parse(&t.to_string()).unwrap(), t);
            }
        }
        let _ = from_now(&expr);
    }

    #[test]
    fn timestamps_outside_the_js_range_are_refused(ms in any::<i64>()) {
        let t = Timestamp::from_millis(ms);
        prop_assert_eq!(t.is_ok(), (-MAX_MS..=MAX_MS).contains(&ms));
    }

    #[test]
    fn fixed_units_add_exactly(n in 0u64..10_000_000, unit in 0usize..5, negative in any::<bool>(),
                               reference in -MAX_MS..MAX_MS) {
        let (name, ms) = [("weeks", 604_800_000i64), ("days", 86_400_000), ("hours", 3_600_000),
                          ("minutes", 60_000), ("seconds", 1000)][unit];
        let expr = format!("{}{n} {name}", if negative { "-" } else { "" });
        let got = taskcluster_wasm::util::time::from_now_at(&expr, Some(Timestamp::from_millis(reference).unwrap()));
        let offset = n as i64 * ms * if negative { -1 } else { 1 };
        let want = reference + offset;
        if want.abs() <= MAX_MS {
            prop_assert_eq!(got.unwrap().as_millis(), want);
        } else {
            prop_assert!(got.is_err());
        }
    }

    #[test]
    fn built_urls_parse_unchanged_and_round_trip(task_id in awkward(), name in awkward(),
                                                 run_id in any::<u32>(), exp in any::<u64>()) {
        let (svc, entry) = common::entry("queue", "getArtifact");
        let c = client("https://tc.example.com");
        let run = run_id.to_string();
        let call = Call::new(&svc, &entry).arg(task_id.as_str()).arg(run.as_str()).arg(name.as_str());
        match c.build_url(&call) {
            Ok(u) => {
                let parsed = url::Url::parse(&u).unwrap();
                prop_assert_eq!(parsed.as_str(), u.as_str());
                let segs: Vec<String> = parsed.path_segments().unwrap()
                    .map(|s| percent_encoding::percent_decode_str(s).decode_utf8().unwrap().into_owned())
                    .collect();
                prop_assert_eq!(&segs[segs.len() - 5..], &[task_id.clone(), "runs".into(), run.clone(), "artifacts".into(), name.clone()][..]);
                // Signed: the same URL plus a bewit naming the client and the expiry.
                let signed = c.build_signed_url_until(&call, exp, false).unwrap();
                prop_assert!(signed.starts_with(&u));
                let parsed = url::Url::parse(&signed).unwrap();
                prop_assert_eq!(parsed.as_str(), signed.as_str());
                let bewit = parsed.query_pairs().find(|(k, _)| k == "bewit").unwrap().1.into_owned();
                let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(bewit).unwrap();
                let raw = String::from_utf8(raw).unwrap();
                let fields: Vec<&str> = raw.split('\\').collect();
                prop_assert_eq!(fields[0], "prop/client");
                prop_assert_eq!(fields[1], exp.to_string());
            }
            Err(e) => {
                prop_assert!(task_id.is_empty() || name.is_empty() || [".", ".."].contains(&task_id.as_str())
                    || [".", ".."].contains(&name.as_str()), "refused {:?}/{:?}: {}", task_id, name, e);
            }
        }
    }

    #[test]
    fn root_urls_never_panic(root in prop_oneof![awkward(), "https?://[a-z0-9.:\\[\\]@%/?#-]{0,30}".prop_map(String::from)],
                             arg in awkward()) {
        let (svc, entry) = common::entry("queue", "task");
        if let Ok(c) = Client::builder(root.as_str()).build() {
            let _ = c.build_url(&Call::new(&svc, &entry).arg(arg.as_str()));
        }
    }

    /// Root URLs in WHATWG's canonical form give URLs the WHATWG parser leaves unchanged.
    /// (Known, left to the URL code: the client keeps a root URL as written, so a form that
    /// WHATWG rewrites — `http://0`, `http://a.0`, `http://a:00`, `http://a:80` — gives URLs it
    /// rewrites or refuses too.)
    #[test]
    fn canonical_root_urls_give_urls_that_parse_unchanged(
        root in "https?://[a-z][a-z0-9-]{0,6}(\\.[a-z][a-z0-9-]{0,6}){0,2}(:[1-9][0-9]{3})?(/[a-z0-9]{1,5}){0,2}/?",
        arg in awkward()) {
        let (svc, entry) = common::entry("queue", "task");
        let c = Client::builder(root.as_str()).build().unwrap();
        if let Ok(u) = c.build_url(&Call::new(&svc, &entry).arg(arg.as_str())) {
            let parsed = url::Url::parse(&u);
            prop_assert!(parsed.is_ok(), "{:?} does not parse", u);
            let parsed = parsed.unwrap();
            prop_assert_eq!(parsed.as_str(), u.as_str());
        }
    }

    #[test]
    fn reference_parsing_never_panics(v in arbitrary_json(4)) {
        if let Some(s) = parse_reference(&v) {
            let c = client("https://tc.example.com");
            for e in &s.entries {
                let mut call = s.call(&e.name).unwrap();
                for _ in e.args.iter() {
                    call = call.arg("x");
                }
                if let Ok(u) = c.build_url(&call) {
                    prop_assert!(url::Url::parse(&u).is_ok(), "{:?}", u);
                }
            }
        }
    }

    #[test]
    fn generated_references_keep_their_entries(routes in prop::collection::vec(
        ("[a-z]{1,6}", prop::sample::select(vec!["get", "post", "put", "delete"]),
         prop::collection::vec("[a-z]{1,4}", 0..3)), 0..5)) {
        let entries: Vec<Value> = routes.iter().map(|(name, method, args)| {
            let route: String = args.iter().map(|a| format!("/{a}/<{a}>")).collect();
            json!({"type": "function", "name": name, "method": method, "route": format!("/r{route}"), "args": args, "query": []})
        }).collect();
        let reference = json!({"$schema": "/schemas/common/api-reference-v0.json#", "serviceName": "prop-svc",
                                "apiVersion": "v1", "entries": entries});
        let s = parse_reference(&reference).unwrap();
        prop_assert_eq!(s.class_name.as_str(), "PropSvc");
        prop_assert_eq!(s.entries.len(), routes.len());
        for (e, (name, method, args)) in s.entries.iter().zip(&routes) {
            prop_assert_eq!(&*e.name, name.as_str());
            prop_assert_eq!(&*e.method, *method);
            prop_assert_eq!(e.args.len(), args.len());
        }
    }

    #[test]
    fn retry_delays_are_total(df_s in any::<u64>(), df_n in 0u32..1_000_000_000, max_s in any::<u64>(),
                              max_n in 0u32..1_000_000_000, rf in any::<f64>(), attempt in any::<u32>(),
                              unit in any::<f64>()) {
        let p = RetryPolicy { retries: 5, delay_factor: Duration::new(df_s, df_n), randomization_factor: rf,
                              max_delay: Duration::new(max_s, max_n) };
        let _ = p.validate();
        prop_assert!(p.delay(attempt, unit) <= p.max_delay);
    }

    #[test]
    fn errors_never_show_a_bewit(host in "[a-z]{1,8}", path in "[a-z/]{0,12}", secret in "[A-Za-z0-9_-]{16,40}",
                                 form in 0usize..4) {
        let url = match form {
            0 => format!("http://127.0.0.1:1/{host}/{path}?bewit={secret}"),
            1 => format!("{host} {path}?bewit={secret}"),
            2 => format!("/{path}?x=1&bewit={secret}#f"),
            _ => format!("http://{host}.invalid:99999/{path}?bewit={secret}"),
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let c = Client::builder("http://127.0.0.1:1").credentials(Credentials::new("a", "b"))
            .retry(RetryPolicy { retries: 0, ..RetryPolicy::default() }).build().unwrap();
        let err = rt.block_on(c.request_url("get", &url, None)).unwrap_err();
        for text in [err.to_string(), format!("{err:?}"), format!("{:?}", err.request())] {
            prop_assert!(!text.contains(&secret), "{}", text);
            // At most the parameter's name, with its value elided.
            prop_assert_eq!(text.matches("bewit=").count(), text.matches("bewit=…").count(), "{}", text);
        }
        prop_assert!(!err.request().is_some_and(|(_, u)| u.contains('?')));
    }
}

/// Regression (found by `timestamps_outside_the_js_range_are_refused`): `i64::MIN` overflowed
/// in `abs()`, a panic in debug builds and an accepted out-of-range date in release builds.
#[test]
fn the_smallest_i64_is_not_a_date() {
    assert!(Timestamp::from_millis(i64::MIN).is_err());
    assert!(Timestamp::from_millis(-MAX_MS).is_ok());
    assert!(Timestamp::from_millis(-MAX_MS - 1).is_err());
}

/// Any JSON, biased toward what references hold.
fn arbitrary_json(depth: u32) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "function",
            "topic-exchange",
            "get",
            "post",
            "/a/<x>",
            "/<x>/<x>",
            "<",
            "x",
            "",
            "queue",
            "api-reference",
            "exchanges-reference",
            "a-b-c",
        ])
        .prop_map(|s| json!(s)),
        awkward().prop_map(Value::String),
    ];
    leaf.prop_recursive(depth, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "serviceName",
                    "$schema",
                    "exchangePrefix",
                    "entries",
                    "type",
                    "name",
                    "method",
                    "route",
                    "args",
                    "query",
                    "input",
                    "routingKey",
                    "constant",
                    "multipleWords",
                    "exchange",
                    "apiVersion",
                ])
                .prop_map(String::from),
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The local deployment's Hawk parsing, through HTTP only: no Authorization header, however
/// malformed, gets a 5xx or takes the server down, and a good request still works afterwards.
#[test]
fn devserver_refuses_malformed_hawk_headers_cleanly() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server = rt
        .block_on(tc_devserver::DevServer::start(
            tc_devserver::Config::default(),
        ))
        .unwrap();
    let root = server.root_url();
    let http = reqwest::Client::new();
    let url = format!("{root}/api/auth/v1/scopes/current");
    let field = prop_oneof![
        Just("id"),
        Just("ts"),
        Just("nonce"),
        Just("mac"),
        Just("hash"),
        Just("ext"),
        Just("app"),
        Just("dlg"),
        Just("x"),
    ];
    let value = prop_oneof![
        "[ -~]{0,20}".prop_map(String::from),
        Just("\"".to_string()),
        Just("\\\"".to_string()),
        Just("9".repeat(40)),
        Just("-1".to_string()),
        Just("{\"certificate\":{}}".to_string()),
        awkward().prop_map(|s| s.replace(|c: char| !(' '..='~').contains(&c), "")),
    ];
    let header = (
        prop::sample::select(vec!["Hawk ", "hawk ", "Hawk", "Basic ", "", "Hawk  "]),
        prop::collection::vec((field, value, any::<bool>()), 0..8),
        prop::sample::select(vec![", ", ",", " ", ""]),
    )
        .prop_map(|(scheme, fields, sep)| {
            let parts: Vec<String> = fields
                .into_iter()
                .map(|(k, v, quoted)| {
                    if quoted {
                        format!("{k}=\"{v}\"")
                    } else {
                        format!("{k}={v}")
                    }
                })
                .collect();
            format!("{scheme}{}", parts.join(sep))
        });
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    });
    runner
        .run(&header, |h| {
            let status = rt
                .block_on(http.get(&url).header("authorization", &h).send())
                .map(|r| r.status().as_u16());
            match status {
                Ok(s) => prop_assert!((400..500).contains(&s), "{:?} got {}", h, s),
                // reqwest refuses some header values itself: nothing was sent.
                Err(e) => prop_assert!(e.is_builder(), "{:?}: {}", h, e),
            }
            Ok(())
        })
        .unwrap();
    // Still serving, and still verifying: a correctly signed call passes.
    let c = Client::builder(&root)
        .credentials(Credentials::new(server.client_id(), server.access_token()))
        .build()
        .unwrap();
    let (svc, entry) = common::entry("auth", "currentScopes");
    let scopes: Value = rt.block_on(c.call_json(&Call::new(&svc, &entry))).unwrap();
    assert!(scopes["scopes"].is_array(), "{scopes}");
    rt.block_on(server.shutdown());
}
