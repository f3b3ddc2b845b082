//! `tc-devserver` command line: starts the server, prints one JSON line
//! `{"rootUrl","clientId","accessToken"}` to stdout, then logs only to stderr.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use tc_devserver::{Config, DevServer};

/// A local Taskcluster-compatible server for tests.
#[derive(Debug, Parser)]
#[command(name = "tc-devserver", version, about)]
struct Args {
    /// Port on 127.0.0.1 (0 = a free port).
    #[arg(long, env = "TC_DEVSERVER_PORT", default_value_t = 0)]
    port: u16,
    /// clientId of the root client.
    #[arg(long, env = "TC_DEVSERVER_CLIENT_ID")]
    client_id: Option<String>,
    /// accessToken of the root client (default: random).
    #[arg(long, env = "TC_DEVSERVER_ACCESS_TOKEN", hide_env_values = true)]
    access_token: Option<String>,
    /// Directory for object bytes (default: a temporary directory).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Directory with `manifest.json` and service references.
    #[arg(long = "references")]
    references: Option<PathBuf>,
    /// Seed demo data.
    #[arg(long)]
    seed_demo_data: bool,
    /// Scopes of the `anonymous` role, comma-separated (default: read-only public access, as
    /// real deployments have; pass an empty string for none).
    #[arg(long)]
    anonymous_scopes: Option<String>,
    /// Run at a fixed clock: an RFC 3339 date-time (e.g. 2026-01-01T00:00:00Z) or
    /// milliseconds since the epoch. The clock does not advance.
    #[arg(long, env = "TC_DEVSERVER_CLOCK", conflicts_with = "clock_offset")]
    clock: Option<String>,
    /// Run at the system clock shifted by a signed duration: an integer with an optional unit
    /// ms (default), s, m, h or d (e.g. -90s, +15m).
    #[arg(long, env = "TC_DEVSERVER_CLOCK_OFFSET", allow_hyphen_values = true)]
    clock_offset: Option<String>,
    /// JSON file of extra permanent clients: a map clientId -> {accessToken, scopes, expires,
    /// disabled, description}, an array of {clientId, ...}, or either under "clients" (e.g.
    /// the shared Hawk vector file).
    #[arg(long, env = "TC_DEVSERVER_CLIENTS")]
    clients: Option<PathBuf>,
    /// Exit when stdin reaches end-of-file (for parent processes that may die).
    #[arg(long)]
    exit_on_stdin_close: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tc-devserver: cannot start runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    rt.block_on(run(args))
}

async fn run(args: Args) -> std::process::ExitCode {
    let mut cfg = Config {
        port: args.port,
        ..Config::default()
    };
    if let Some(c) = args.client_id.filter(|c| !c.is_empty()) {
        cfg.client_id = c;
    }
    if let Some(t) = args.access_token.filter(|t| !t.is_empty()) {
        cfg.access_token = t;
    }
    cfg.data_dir = args.data_dir;
    if args.references.is_some() {
        cfg.references_dir = args.references;
    }
    cfg.seed_demo_data = args.seed_demo_data;
    cfg.anonymous_scopes = match args.anonymous_scopes {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => tc_devserver::ANONYMOUS_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let clock = match (&args.clock, &args.clock_offset) {
        (Some(c), _) => tc_devserver::Clock::parse_fixed(c),
        (None, Some(o)) => tc_devserver::Clock::parse_offset(o),
        (None, None) => Ok(tc_devserver::Clock::System),
    };
    cfg.clock = match clock {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tc-devserver: --clock/--clock-offset: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    if let Some(path) = &args.clients {
        let parsed = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
            .and_then(|text| tc_devserver::ClientSeed::parse_json(&text));
        match parsed {
            Ok(list) => cfg.clients = list,
            Err(e) => {
                eprintln!("tc-devserver: --clients {}: {e}", path.display());
                return std::process::ExitCode::from(2);
            }
        }
    }
    let server = match DevServer::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tc-devserver: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let line = format!(
        "{{\"rootUrl\":{},\"clientId\":{},\"accessToken\":{}}}",
        q(&server.root_url()),
        q(server.client_id()),
        q(server.access_token())
    );
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
    eprintln!(
        "tc-devserver: listening on {} (root clientId {})",
        server.root_url(),
        server.client_id()
    );

    let stdin_closed = async {
        if args.exit_on_stdin_close {
            use tokio::io::AsyncReadExt;
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 256];
            loop {
                match stdin.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = shutdown_signal() => eprintln!("tc-devserver: signal received, shutting down"),
        _ = stdin_closed => eprintln!("tc-devserver: stdin closed, shutting down"),
    }
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
