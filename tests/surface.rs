//! The generated Rust surface matches references/: every service and exchanges reference has a
//! type, and every method and exchange is there with the same route, method, arguments and query.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::Value;
use taskcluster_wasm::events::Exchange;
use taskcluster_wasm::{generated as g, Entry, Service};

fn api(class: &str) -> Option<(&'static Service, &'static [&'static Entry])> {
    Some(match class {
        "Auth" => (g::Auth::service(), g::Auth::entries()),
        "Github" => (g::Github::service(), g::Github::entries()),
        "Hooks" => (g::Hooks::service(), g::Hooks::entries()),
        "Index" => (g::Index::service(), g::Index::entries()),
        "Notify" => (g::Notify::service(), g::Notify::entries()),
        "Object" => (g::Object::service(), g::Object::entries()),
        "PurgeCache" => (g::PurgeCache::service(), g::PurgeCache::entries()),
        "Queue" => (g::Queue::service(), g::Queue::entries()),
        "Secrets" => (g::Secrets::service(), g::Secrets::entries()),
        "WebServer" => (g::WebServer::service(), g::WebServer::entries()),
        "WorkerManager" => (g::WorkerManager::service(), g::WorkerManager::entries()),
        _ => return None,
    })
}

fn events(class: &str) -> Option<(&'static str, &'static [&'static Exchange])> {
    Some(match class {
        "AuthEvents" => (g::AuthEvents::EXCHANGE_PREFIX, g::AuthEvents::exchanges()),
        "GithubEvents" => (
            g::GithubEvents::EXCHANGE_PREFIX,
            g::GithubEvents::exchanges(),
        ),
        "HooksEvents" => (g::HooksEvents::EXCHANGE_PREFIX, g::HooksEvents::exchanges()),
        "NotifyEvents" => (
            g::NotifyEvents::EXCHANGE_PREFIX,
            g::NotifyEvents::exchanges(),
        ),
        "QueueEvents" => (g::QueueEvents::EXCHANGE_PREFIX, g::QueueEvents::exchanges()),
        "WorkerManagerEvents" => (
            g::WorkerManagerEvents::EXCHANGE_PREFIX,
            g::WorkerManagerEvents::exchanges(),
        ),
        _ => return None,
    })
}

fn class_name(service: &str, exchanges: bool) -> String {
    let mut s: String = service
        .split('-')
        .map(|p| p[..1].to_ascii_uppercase() + &p[1..])
        .collect();
    if exchanges {
        s += "Events";
    }
    s
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn generated_rust_matches_references() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("references");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("manifest.json")).unwrap())
            .unwrap();
    let (mut methods, mut exchanges) = (0, 0);
    for path in strs(&manifest["references"]) {
        let file = root.join(path.trim_start_matches("/references/"));
        let reference: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let service = reference["serviceName"].as_str().unwrap();
        let is_exchanges = reference.get("exchangePrefix").is_some();
        let class = class_name(service, is_exchanges);
        let entries = reference["entries"].as_array().unwrap();
        if is_exchanges {
            let (prefix, generated) =
                events(&class).unwrap_or_else(|| panic!("no Rust type for {class}"));
            assert_eq!(prefix, reference["exchangePrefix"].as_str().unwrap());
            assert_eq!(generated.len(), entries.len(), "{class}");
            for (e, x) in entries.iter().zip(generated) {
                assert_eq!(x.name, e["name"].as_str().unwrap());
                assert_eq!(x.exchange, e["exchange"].as_str().unwrap());
                let names: Vec<&str> = x.routing_key.iter().map(|k| k.name.as_ref()).collect();
                let want: Vec<&str> = e["routingKey"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k["name"].as_str().unwrap())
                    .collect();
                assert_eq!(names, want, "{class}.{}", x.name);
                exchanges += 1;
            }
        } else {
            let (svc, generated) =
                api(&class).unwrap_or_else(|| panic!("no Rust type for {class}"));
            assert_eq!(svc.name, service);
            assert_eq!(svc.version, reference["apiVersion"].as_str().unwrap());
            assert_eq!(generated.len(), entries.len(), "{class}");
            for (e, x) in entries.iter().zip(generated) {
                let name = e["name"].as_str().unwrap();
                assert_eq!(x.name, name);
                assert_eq!(x.method, e["method"].as_str().unwrap(), "{class}.{name}");
                assert_eq!(x.route, e["route"].as_str().unwrap(), "{class}.{name}");
                assert_eq!(
                    x.args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    strs(&e["args"]),
                    "{class}.{name}"
                );
                assert_eq!(
                    x.query.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                    strs(&e["query"]),
                    "{class}.{name}"
                );
                assert_eq!(x.input, e.get("input").is_some(), "{class}.{name}");
                methods += 1;
            }
        }
    }
    assert_eq!(
        (methods, exchanges),
        (188, 37),
        "every method and exchange of references/ was compared"
    );
}
