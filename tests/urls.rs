//! What is signed is what is sent: every URL the client builds comes out of a WHATWG URL parser
//! (the `url` crate, which `fetch` and reqwest follow) unchanged, whatever the arguments hold.

mod common;

use std::time::Duration;

use taskcluster_wasm::{Call, Client, Credentials};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn awkward_strings() -> Vec<String> {
    let mut all: Vec<String> = (0x20u8..0x7f).map(|b| format!("a{}b", b as char)).collect();
    all.extend(
        [
            "it's!",
            "(x)*~",
            "a/b/../c",
            "...",
            "%2E%2E",
            "%zz",
            "ü",
            "café ☃",
            "\u{1F600}",
            "tab\there",
            "line\nbreak",
            "#frag",
            "?q=1&r=2",
            "a+b",
            "[::1]",
            "\\",
            "\"quoted\"",
            "<>{}|^`",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    all
}

#[test]
fn built_urls_survive_whatwg_parsing_unchanged() {
    let (svc, entry) = common::entry("queue", "listArtifacts");
    let roots = [
        "https://tc.example.com",
        "https://TC.Example.COM/",
        "http://127.0.0.1:8080/deploy/tc/",
        "https://x.example:443",
    ];
    for root in roots {
        let client = Client::builder(root)
            .credentials(Credentials::new("c", "t"))
            .build()
            .unwrap();
        for s in awkward_strings() {
            let call = Call::new(&svc, &entry)
                .arg(format!("task{s}"))
                .arg("0")
                .query("continuationToken", s.as_str());
            for built in [
                client.build_url(&call).unwrap(),
                client
                    .build_signed_url(&call, Duration::from_secs(60))
                    .unwrap(),
            ] {
                let parsed = url::Url::parse(&built).unwrap();
                // The parser may drop a default port; nothing else may change.
                let expected = built.replacen(":443/", "/", 1);
                assert_eq!(parsed.as_str(), expected, "root {root:?}, argument {s:?}");
                let target = taskcluster_wasm::auth::hawk::Target::of(&built.parse().unwrap());
                let mut sent = parsed.path().to_string();
                if let Some(q) = parsed.query() {
                    sent.push('?');
                    sent.push_str(q);
                }
                assert_eq!(target.resource, sent, "signed vs sent resource for {s:?}");
            }
        }
    }
}
