//! The native half of the benchmark suite. `node benches/run.mjs` runs this binary once per
//! measurement, interleaving clients across processes, and reads the one JSON line it prints.
//!
//! Environment: `ROOT`, `ID`, `TOKEN` (the local deployment's root client) and `TASK` (a task
//! that exists there).
//!
//! ```text
//! tc-bench-native calls <client> <concurrency> <seconds>   Queue.task() for a fixed time
//! tc-bench-native load <client> <total> <concurrency>      a fixed number of calls, RSS sampled
//! tc-bench-native sign <rounds> <ms>                        signing ops/s, interleaved in-process
//! tc-bench-native transfer <package|baseline> <MiB>         benches/objects.rs, one run
//! ```
//!
//! Clients: `reqwest` (raw, unauthenticated), `reqwest+hawk` (the `hawk` crate's header),
//! `taskcluster-wasm`, `taskcluster` (the official crate).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

// The existing transfer benchmark, reused for its single-run mode.
#[allow(dead_code)]
#[path = "../../objects.rs"]
mod objects_bench;

const MIB: usize = 1 << 20;

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} must be set"))
}

fn rss_mib(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

enum Caller {
    Reqwest(reqwest::Client, String),
    ReqwestHawk(reqwest::Client, String, hawk::Credentials),
    Wasm(taskcluster_wasm::Queue),
    Official(taskcluster::Queue),
}

impl Caller {
    fn new(kind: &str, root: &str, id: &str, token: &str, task: &str) -> Caller {
        let url = format!("{root}/api/queue/v1/task/{task}");
        match kind {
            "reqwest" => Caller::Reqwest(reqwest::Client::new(), url),
            "reqwest+hawk" => Caller::ReqwestHawk(
                reqwest::Client::new(),
                url,
                hawk::Credentials {
                    id: id.into(),
                    key: hawk::Key::new(token, hawk::SHA256).unwrap(),
                },
            ),
            "taskcluster-wasm" => {
                let client = taskcluster_wasm::Client::builder(root)
                    .credentials(taskcluster_wasm::Credentials::new(id, token))
                    .build()
                    .unwrap();
                Caller::Wasm(taskcluster_wasm::Queue::new(client))
            }
            "taskcluster" => Caller::Official(
                taskcluster::Queue::new(
                    taskcluster::ClientBuilder::new(root)
                        .credentials(taskcluster::Credentials::new(id, token)),
                )
                .unwrap(),
            ),
            other => panic!("unknown client {other}"),
        }
    }

    async fn call(&self, task: &str) {
        let v: Value = match self {
            Caller::Reqwest(c, url) => {
                let r = c.get(url).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
            }
            Caller::ReqwestHawk(c, url, creds) => {
                let parsed = url::Url::parse(url).unwrap();
                let header = hawk::RequestBuilder::from_url("GET", &parsed)
                    .unwrap()
                    .request()
                    .make_header(creds)
                    .unwrap();
                let r = c
                    .get(url)
                    .header("Authorization", format!("Hawk {header}"))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
            }
            Caller::Wasm(q) => q.task_raw(task).await.unwrap(),
            Caller::Official(q) => q.task(task).await.unwrap(),
        };
        assert!(v.get("taskQueueId").is_some() || v.get("provisionerId").is_some());
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// Runs `workers` loops; each takes the next call index until `total` (or the deadline).
async fn drive(
    caller: Arc<Caller>,
    task: Arc<String>,
    workers: usize,
    total: usize,
    deadline: Option<Instant>,
) -> (usize, f64, Vec<f64>) {
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (caller, task, next) = (caller.clone(), task.clone(), next.clone());
        handles.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let t = Instant::now();
                caller.call(&task).await;
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let secs = t0.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    (all.len(), secs, all)
}

async fn calls(kind: &str, concurrency: usize, seconds: f64) -> Value {
    let (root, id, token, task) = (env("ROOT"), env("ID"), env("TOKEN"), env("TASK"));
    let caller = Arc::new(Caller::new(kind, &root, &id, &token, &task));
    let task = Arc::new(task);
    // Warm-up: connections opened, code paths taken.
    drive(
        caller.clone(),
        task.clone(),
        concurrency,
        concurrency * 20,
        None,
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let (n, secs, lat) = drive(caller, task, concurrency, usize::MAX, Some(deadline)).await;
    json!({"client": kind, "concurrency": concurrency, "calls": n, "seconds": secs,
        "rate": n as f64 / secs, "p50": percentile(&lat, 0.5), "p99": percentile(&lat, 0.99),
        "rssMiB": rss_mib("VmHWM:")})
}

async fn load(kind: &str, total: usize, concurrency: usize) -> Value {
    let (root, id, token, task) = (env("ROOT"), env("ID"), env("TOKEN"), env("TASK"));
    let caller = Arc::new(Caller::new(kind, &root, &id, &token, &task));
    let task = Arc::new(task);
    let rss_start = rss_mib("VmRSS:");
    let samples = Arc::new(Mutex::new(Vec::<(f64, f64)>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (samples, done) = (samples.clone(), done.clone());
        std::thread::spawn(move || {
            let t0 = Instant::now();
            while !done.load(Ordering::Relaxed) {
                samples
                    .lock()
                    .unwrap()
                    .push((t0.elapsed().as_secs_f64(), rss_mib("VmRSS:")));
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let (n, secs, lat) = drive(caller, task, concurrency, total, None).await;
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let samples = samples.lock().unwrap().clone();
    json!({"client": kind, "concurrency": concurrency, "calls": n, "seconds": secs,
        "rate": n as f64 / secs, "p50": percentile(&lat, 0.5), "p99": percentile(&lat, 0.99),
        "rssStartMiB": rss_start, "rssEndMiB": rss_mib("VmRSS:"), "rssPeakMiB": rss_mib("VmHWM:"),
        "rssSamples": samples.iter().map(|(t, r)| json!([t, r])).collect::<Vec<_>>()})
}

fn sign(rounds: usize, ms: u64) -> Value {
    let (root, id, token, task) = (env("ROOT"), env("ID"), env("TOKEN"), env("TASK"));
    let name = "private/log.txt";
    let ttl = Duration::from_secs(600);
    let ours = taskcluster_wasm::Queue::new(
        taskcluster_wasm::Client::builder(root.as_str())
            .credentials(taskcluster_wasm::Credentials::new(
                id.as_str(),
                token.as_str(),
            ))
            .build()
            .unwrap(),
    );
    let official = taskcluster::Queue::new(
        taskcluster::ClientBuilder::new(root.as_str())
            .credentials(taskcluster::Credentials::new(id.as_str(), token.as_str())),
    )
    .unwrap();
    let creds = hawk::Credentials {
        id: id.clone(),
        key: hawk::Key::new(token.as_str(), hawk::SHA256).unwrap(),
    };
    let artifact_url = format!("{root}/api/queue/v1/task/{task}/artifacts/private%2Flog.txt");
    let task_url = format!("{root}/api/queue/v1/task/{task}");
    let task_uri: http::Uri = task_url.parse().unwrap();
    type Op<'a> = (&'static str, Box<dyn Fn() -> usize + 'a>);
    let ops: Vec<Op<'_>> = vec![
        (
            "url/taskcluster-wasm",
            Box::new(|| {
                ours.get_latest_artifact_signed_url(&task, name, ttl)
                    .unwrap()
                    .len()
            }),
        ),
        (
            "url/taskcluster",
            Box::new(|| {
                official
                    .getLatestArtifact_signed_url(&task, name, ttl)
                    .unwrap()
                    .len()
            }),
        ),
        (
            "url/hawk",
            Box::new(|| {
                let u = url::Url::parse(&artifact_url).unwrap();
                let bewit = hawk::RequestBuilder::from_url("GET", &u)
                    .unwrap()
                    .request()
                    .make_bewit_with_ttl(&creds, ttl)
                    .unwrap()
                    .to_str();
                format!("{artifact_url}?bewit={bewit}").len()
            }),
        ),
        (
            "header/taskcluster-wasm",
            Box::new(|| {
                ours.as_client()
                    .authorization("GET", &task_uri)
                    .unwrap()
                    .unwrap()
                    .len()
            }),
        ),
        (
            "header/hawk",
            Box::new(|| {
                let u = url::Url::parse(&task_url).unwrap();
                let h = hawk::RequestBuilder::from_url("GET", &u)
                    .unwrap()
                    .request()
                    .make_header(&creds)
                    .unwrap();
                format!("Hawk {h}").len()
            }),
        ),
    ];
    // Warm-up, then rounds in rotating order (ABC, BCA, …).
    for (_, f) in &ops {
        for _ in 0..1000 {
            black_box(f());
        }
    }
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); ops.len()];
    for r in 0..rounds {
        for k in 0..ops.len() {
            let i = (r + k) % ops.len();
            let f = &ops[i].1;
            let t0 = Instant::now();
            let limit = Duration::from_millis(ms);
            let mut n = 0u64;
            while t0.elapsed() < limit {
                for _ in 0..64 {
                    black_box(f());
                }
                n += 64;
            }
            per[i].push(n as f64 / t0.elapsed().as_secs_f64());
        }
    }
    let out: serde_json::Map<String, Value> = ops
        .iter()
        .zip(per)
        .map(|((name, _), v)| (name.to_string(), json!(v)))
        .collect();
    Value::Object(out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or("");
    let num = |i: usize| -> f64 { arg(i).parse().unwrap_or_else(|_| panic!("argument {i}")) };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let out = match arg(1) {
        "calls" => rt.block_on(calls(arg(2), num(3) as usize, num(4))),
        "load" => rt.block_on(load(arg(2), num(3) as usize, num(4) as usize)),
        "sign" => sign(num(2) as usize, num(3) as u64),
        "transfer" => {
            let mib = num(3) as usize;
            let (up, down) = rt.block_on(objects_bench::run(
                arg(2),
                mib * MIB,
                &env("ROOT"),
                &env("ID"),
                &env("TOKEN"),
            ));
            json!({"mode": arg(2), "MiB": mib, "upload": up, "download": down, "rssMiB": rss_mib("VmHWM:")})
        }
        _ => {
            eprintln!("usage: see the top of benches/native-anchors/src/main.rs");
            std::process::exit(2);
        }
    };
    println!("{out}");
}
