//! Demo content for dashboards: a task log that grows over time, served at
//! `GET /__devserver/live-log?lines=<n>&intervalMs=<ms>` (the seeded running task's
//! `public/logs/live.log` is a `reference` artifact to it), the same log as finished text, and a
//! small PNG image.
//!
//! The live log is streamed (chunked, `text/plain; charset=utf-8`): one line every `intervalMs`
//! (default 250, at most 10 000), `lines` lines in all (default 120, at most 100 000), with the
//! ANSI colour codes workers write. Each request starts again from the first line.

use axum::body::Body;
use axum::extract::Query;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use std::collections::HashMap;
use std::time::Duration;

const RESET: &str = "\u{1b}[0m";

/// Line `n` (from 1) of the demo log, with its newline.
pub(crate) fn line(n: u64) -> String {
    let step = format!("[{:>5.1}s]", n as f64 * 0.25);
    if n == 1 {
        return format!(
            "\u{1b}[1;36m[taskcluster]\u{1b}[0m {step} Task running on worker demo-group/demo-worker (tc-devserver demo log)\n"
        );
    }
    if n.is_multiple_of(13) {
        format!(
            "\u{1b}[1;31merror\u{1b}[0m {step} step {n}: test case demo::case_{n} failed (expected, this is a demo)\n"
        )
    } else if n.is_multiple_of(7) {
        format!("\u{1b}[33mwarning\u{1b}[0m {step} step {n}: module_{n} is deprecated\n")
    } else if n.is_multiple_of(5) {
        format!("\u{1b}[32m   ok\u{1b}[0m {step} step {n}: \u{1b}[1mdemo::case_{n}\u{1b}[22m passed{RESET}\n")
    } else {
        format!("\u{1b}[34m info\u{1b}[0m {step} step {n}: compiling module_{n}\n")
    }
}

/// The first `lines` lines of the demo log, as one text (a finished log).
pub(crate) fn text(lines: u64) -> String {
    (1..=lines).map(line).collect()
}

fn param(q: &HashMap<String, String>, name: &str, default: u64, max: u64) -> Result<u64, String> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| format!("{name} must be an integer from 0 to {max}, not {v:?}")),
    }
}

/// `GET /__devserver/live-log`: the demo log, one line at a time.
pub(crate) async fn serve(Query(q): Query<HashMap<String, String>>) -> Response {
    let parsed = param(&q, "lines", 120, 100_000)
        .and_then(|l| param(&q, "intervalMs", 250, 10_000).map(|i| (l, i)));
    let (lines, interval) = match parsed {
        Ok(p) => p,
        Err(message) => {
            let mut resp = Response::new(Body::from(message));
            *resp.status_mut() = StatusCode::BAD_REQUEST;
            return resp;
        }
    };
    let stream = futures_util::stream::unfold(1u64, move |n| async move {
        if n > lines {
            return None;
        }
        if n > 1 {
            tokio::time::sleep(Duration::from_millis(interval)).await;
        }
        Some((Ok::<Bytes, std::io::Error>(Bytes::from(line(n))), n + 1))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    resp
}

/// A 48×32 RGB PNG (a colour gradient), for image artifacts.
pub(crate) fn demo_png() -> Vec<u8> {
    let (w, h) = (48u32, 32u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0); // filter: none
        for x in 0..w {
            raw.extend([(255 * x / (w - 1)) as u8, (255 * y / (h - 1)) as u8, 180]);
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        png.extend(kind);
        png.extend(data);
        png.extend(crc.sum().to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    chunk(
        b"IDAT",
        &crate::util::encode(&raw, "deflate").unwrap_or_default(),
    );
    chunk(b"IEND", &[]);
    png
}
