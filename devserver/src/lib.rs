//! `tc-devserver`: a local Taskcluster-compatible server for testing Taskcluster clients.
//!
//! One root URL (`http://127.0.0.1:<port>`) serves `/api/<service>/v1/...` for the auth,
//! secrets, queue, object and index services, answering as the real services do: Hawk
//! headers and bewits are verified with the `hawk` crate, temporary credentials and
//! `authorizedScopes` are checked as the Taskcluster auth service does, errors carry the real
//! `{code, message, requestInfo}` bodies and CORS preflights are answered like the real
//! deployment.
//!
//! For tests it adds fault injection ([`Fault`]) and a request log ([`RequestRecord`]),
//! available in process ([`DevServer`]) and over HTTP under `/__devserver/`:
//!
//! * `POST /__devserver/faults` (a [`Fault`] as JSON), `GET` lists, `DELETE` clears;
//! * `GET /__devserver/requests[?pathPrefix=...]` (array of [`RequestRecord`]), `DELETE` clears.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = tc_devserver::DevServer::start(tc_devserver::Config::default()).await?;
//! println!("{} {}", server.root_url(), server.client_id());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod api;
mod errors;
mod faults;
mod hawkauth;
mod index;
mod object;
mod queue;
mod references;
mod scopes;
mod server;
mod services;
mod state;
mod util;

pub use faults::{Fault, FaultAction, HawkInfo, RequestRecord};

use state::{lock, Client, Db, State};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Port to bind on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// clientId of the root client (scopes `["*"]`).
    pub client_id: String,
    /// accessToken of the root client.
    pub access_token: String,
    /// Where object bytes are stored; `None` = a temporary directory removed on drop.
    pub data_dir: Option<PathBuf>,
    /// Seed a few demo entities (a secret, a role, an indexed task with an artifact).
    pub seed_demo_data: bool,
    /// Directory holding `manifest.json` and the service references (served under
    /// `/references/`); `None` = not served (404).
    pub references_dir: Option<PathBuf>,
}

impl Default for Config {
    /// Port 0, clientId `static/taskcluster/root` and a random 44-character accessToken
    /// (or `TC_DEVSERVER_CLIENT_ID` / `TC_DEVSERVER_ACCESS_TOKEN` when set), a temporary
    /// data directory, and `<crate>/../references` when that directory exists.
    fn default() -> Self {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let refs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../references");
        Config {
            port: 0,
            client_id: env("TC_DEVSERVER_CLIENT_ID")
                .unwrap_or_else(|| "static/taskcluster/root".to_string()),
            access_token: env("TC_DEVSERVER_ACCESS_TOKEN")
                .unwrap_or_else(|| util::random_token(44)),
            data_dir: None,
            seed_demo_data: false,
            references_dir: refs.is_dir().then_some(refs),
        }
    }
}

/// A running server. Stops on [`DevServer::shutdown`] or when dropped.
#[derive(Debug)]
pub struct DevServer {
    state: Arc<State>,
    shutdown_tx: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    client_id: String,
    access_token: String,
    _tempdir: Option<tempfile::TempDir>,
}

impl DevServer {
    /// Bind `127.0.0.1:<port>` and start serving in the background (on the current tokio
    /// runtime).
    pub async fn start(cfg: Config) -> std::io::Result<DevServer> {
        let (tempdir, data_dir) = match &cfg.data_dir {
            Some(d) => {
                std::fs::create_dir_all(d)?;
                (None, d.clone())
            }
            None => {
                let t = tempfile::Builder::new().prefix("tc-devserver-").tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", cfg.port)).await?;
        let port = listener.local_addr()?.port();
        let root_url = format!("http://127.0.0.1:{port}");
        let (tx, rx) = watch::channel(false);

        let mut db = Db::default();
        db.clients.insert(
            cfg.client_id.clone(),
            Client::new(&cfg.client_id, &cfg.access_token, vec!["*".to_string()]),
        );
        let queue_client_id = "static/taskcluster/queue".to_string();
        let queue_access_token = util::random_token(44);
        if queue_client_id != cfg.client_id {
            db.clients.insert(
                queue_client_id.clone(),
                Client::new(&queue_client_id, &queue_access_token, vec!["*".to_string()]),
            );
        }
        let state = Arc::new(State {
            db: Mutex::new(db),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            root_url: root_url.clone(),
            data_dir,
            references_dir: cfg.references_dir.clone(),
            shutdown: rx.clone(),
            storage_key: util::random_bytes(32),
            queue_client_id,
            queue_access_token,
        });
        if cfg.seed_demo_data {
            seed_demo(&state).await;
        }
        let app = server::router(state.clone());
        let task = tokio::spawn(server::serve(listener, app, rx));
        Ok(DevServer {
            state,
            shutdown_tx: tx,
            task: Some(task),
            client_id: cfg.client_id,
            access_token: cfg.access_token,
            _tempdir: tempdir,
        })
    }

    /// `http://127.0.0.1:<port>` (no trailing slash).
    pub fn root_url(&self) -> String {
        self.state.root_url.clone()
    }

    /// The root client's clientId.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The root client's accessToken.
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// Add a fault rule (applied in insertion order, first match wins).
    pub fn add_fault(&self, fault: Fault) {
        server::push_fault(&self.state, fault);
    }

    /// Remove all fault rules.
    pub fn clear_faults(&self) {
        lock(&self.state.faults).clear();
    }

    /// The request log, oldest first (admin routes and CORS preflights are not logged).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.state.log).clone()
    }

    /// Clear the request log.
    pub fn clear_requests(&self) {
        lock(&self.state.log).clear();
    }

    /// Stop serving: closes the listener and all connections (hung requests are released).
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
    }
}

async fn seed_demo(state: &Arc<State>) {
    let far = util::now_ms() + 365 * 24 * 3600 * 1000;
    let mut db = lock(&state.db);
    db.secrets.insert(
        "project/devserver/demo".to_string(),
        state::Secret {
            secret: serde_json::json!({"hello": "world"}),
            expires_ms: far,
        },
    );
    db.roles.insert(
        "project:devserver:demo".to_string(),
        state::Role {
            scopes: vec!["secrets:get:project/devserver/*".to_string()],
            description: "demo role".to_string(),
            created_ms: util::now_ms(),
            last_modified_ms: util::now_ms(),
        },
    );
}
