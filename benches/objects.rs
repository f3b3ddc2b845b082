//! Benchmark (prints figures; asserts nothing): native object upload and verified download
//! through the crate, against a baseline of reqwest + sha2 doing the same transfer by hand, on
//! loopback against the local deployment (release build). Each mode runs in its own process,
//! so the peak RSS printed is its own.
//!
//!   cargo build --release -p tc-devserver
//!   cargo bench --bench objects -- [MiB=1024]

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};
use taskcluster_wasm::objects::{
    self, DownloadOptions, FnSource, Sink, SourceStream, UploadOptions,
};
use taskcluster_wasm::platform::BoxFuture;
use taskcluster_wasm::{Client, Credentials, Object};

const MIB: usize = 1 << 20;

fn peak_rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .unwrap_or(0)
}

fn generator(size: usize) -> SourceStream {
    let chunk = Bytes::from((0..MIB).map(|i| (i * 31) as u8).collect::<Vec<u8>>());
    let n = size.div_ceil(MIB);
    Box::pin(futures_util::stream::iter(
        (0..n).map(move |i| Ok(chunk.slice(0..MIB.min(size - i * MIB)))),
    ))
}

struct Discard(u64);
impl Sink for Discard {
    fn write(&mut self, chunk: Bytes) -> BoxFuture<'_, taskcluster_wasm::Result<()>> {
        self.0 += chunk.len() as u64;
        Box::pin(async { Ok(()) })
    }
    fn reset(&mut self) -> BoxFuture<'_, taskcluster_wasm::Result<()>> {
        self.0 = 0;
        Box::pin(async { Ok(()) })
    }
}

pub(crate) async fn run(mode: &str, size: usize, root: &str, id: &str, token: &str) -> (f64, f64) {
    let client = Client::builder(root)
        .credentials(Credentials::new(id, token))
        .build()
        .unwrap();
    let object = Object::new(client);
    let name = format!("bench/{mode}/{}", taskcluster_wasm::util::slugid::nice());
    let expires = taskcluster_wasm::from_now_json("1 day").unwrap();
    let mb = size as f64 / MIB as f64;
    let t0 = Instant::now();
    if mode == "package" {
        let opts = UploadOptions {
            project_id: "bench".into(),
            name: name.clone(),
            expires,
            content_type: "application/octet-stream".into(),
            content_length: size as u64,
            ..Default::default()
        };
        let source = FnSource(
            move || -> BoxFuture<'static, taskcluster_wasm::Result<SourceStream>> {
                Box::pin(async move { Ok(generator(size)) })
            },
        );
        objects::upload(&object, &opts, &source).await.unwrap();
    } else {
        let upload_id = taskcluster_wasm::util::slugid::v4();
        let r: Value = object
            .create_upload_raw(&name, &json!({"projectId": "bench", "uploadId": upload_id, "expires": expires,
                "proposedUploadMethods": {"putUrl": {"contentType": "application/octet-stream", "contentLength": size}}}))
            .await
            .unwrap();
        let put = &r["uploadMethod"]["putUrl"];
        let hashes = Arc::new(std::sync::Mutex::new((Sha256::new(), Sha512::new())));
        let h = hashes.clone();
        let body = generator(size).map(move |c| {
            let c = c?;
            let mut h = h.lock().unwrap();
            h.0.update(&c);
            h.1.update(&c);
            Ok::<Bytes, Box<dyn std::error::Error + Send + Sync>>(c)
        });
        let mut req = reqwest::Client::new()
            .put(put["url"].as_str().unwrap())
            .body(reqwest::Body::wrap_stream(body));
        for (k, v) in put["headers"].as_object().unwrap() {
            req = req.header(k.as_str(), v.as_str().unwrap());
        }
        assert!(req.send().await.unwrap().status().is_success());
        let (s256, s512) = std::mem::take(&mut *hashes.lock().unwrap());
        object
            .finish_upload_raw(
                &name,
                &json!({"projectId": "bench", "uploadId": upload_id,
                "hashes": {"sha256": hex(&s256.finalize()), "sha512": hex(&s512.finalize())}}),
            )
            .await
            .unwrap();
    }
    let up = mb / t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    if mode == "package" {
        let mut sink = Discard(0);
        objects::download(&object, &name, &mut sink, &DownloadOptions::default())
            .await
            .unwrap();
        assert_eq!(sink.0, size as u64);
    } else {
        let s: Value = object
            .start_download_raw(&name, &json!({"acceptDownloadMethods": {"getUrl": true}}))
            .await
            .unwrap();
        let mut stream = reqwest::get(s["url"].as_str().unwrap())
            .await
            .unwrap()
            .bytes_stream();
        let (mut a, mut b, mut n) = (Sha256::new(), Sha512::new(), 0usize);
        while let Some(c) = stream.next().await {
            let c = c.unwrap();
            a.update(&c);
            b.update(&c);
            n += c.len();
        }
        assert_eq!(n, size);
        assert_eq!(hex(&a.finalize()), s["hashes"]["sha256"].as_str().unwrap());
        assert_eq!(hex(&b.finalize()), s["hashes"]["sha512"].as_str().unwrap());
    }
    let down = mb / t1.elapsed().as_secs_f64();
    (up, down)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--mode") {
        let (mode, size) = (&args[i + 1], args[i + 2].parse::<usize>().unwrap() * MIB);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let env = |k: &str| std::env::var(k).unwrap();
        let (up, down) = rt.block_on(run(mode, size, &env("ROOT"), &env("ID"), &env("TOKEN")));
        println!("{mode} {up:.1} {down:.1} {}", peak_rss_mib());
        return;
    }
    let mib: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1024);
    let token = taskcluster_wasm::util::slugid::v4() + &taskcluster_wasm::util::slugid::v4();
    let server_bin = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/tc-devserver");
    let mut server = Command::new(server_bin)
        .args(["--port", "0"])
        .env("TC_DEVSERVER_ACCESS_TOKEN", &token)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("build it first: cargo build --release -p tc-devserver");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    let me = std::env::current_exe().unwrap();
    // ABBA order (baseline, package, package, baseline): what the order favours (a warmer page
    // cache, a fuller disk) cancels out in the means.
    let mut runs: Vec<(&str, Vec<f64>)> = Vec::new();
    for mode in ["baseline", "package", "package", "baseline"] {
        let out = Command::new(&me)
            .args(["--mode", mode, &mib.to_string()])
            .env("ROOT", info["rootUrl"].as_str().unwrap())
            .env("ID", info["clientId"].as_str().unwrap())
            .env("TOKEN", &token)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let f: Vec<f64> = text
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        assert_eq!(f.len(), 3, "{mode} run failed: {text}");
        runs.push((mode, f));
    }
    let _ = server.kill();
    let _ = server.wait();
    // Mean MB/s and the larger peak RSS of each mode's two runs.
    let mean = |mode: &str| {
        let rs: Vec<&Vec<f64>> = runs
            .iter()
            .filter(|(m, _)| *m == mode)
            .map(|(_, f)| f)
            .collect();
        let n = rs.len() as f64;
        let each: Vec<String> = rs
            .iter()
            .map(|f| format!("{:.1}/{:.1}", f[0], f[1]))
            .collect();
        (
            [
                rs.iter().map(|f| f[0]).sum::<f64>() / n,
                rs.iter().map(|f| f[1]).sum::<f64>() / n,
                rs.iter().map(|f| f[2]).fold(0.0, f64::max),
            ],
            each.join(", "),
        )
    };
    let (b, p) = (mean("baseline"), mean("package"));
    println!(
        "native (reqwest), {mib} MiB object on loopback (devserver, release build), 2 runs each in ABBA order"
    );
    println!(
        "                upload MB/s  download MB/s  peak RSS MiB   (each run: upload/download)"
    );
    for (mode, (f, each)) in [("baseline", &b), ("package", &p)] {
        println!(
            "{mode:<16}{:>11.1}{:>15.1}{:>14.0}   {each}",
            f[0], f[1], f[2]
        );
    }
    let (b, p) = (b.0, p.0);
    println!(
        "ratio crate/baseline: upload {:.2}x, download {:.2}x; RSS {:+.0} MiB",
        p[0] / b[0],
        p[1] / b[1],
        p[2] - b[2]
    );
}
