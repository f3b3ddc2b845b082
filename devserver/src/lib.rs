//! `tc-devserver`: a local Taskcluster-compatible server for testing Taskcluster clients.
//!
//! One root URL (`http://127.0.0.1:<port>`) serves `/api/<service>/v1/...` for the auth,
//! secrets, queue, object and index services, answering as the real services do: Hawk
//! headers and bewits are verified with the `hawk` crate, temporary credentials and
//! `authorizedScopes` are checked as the Taskcluster auth service does, errors carry the real
//! `{code, message, requestInfo}` bodies and CORS preflights are answered like the real
//! deployment. Every API method of those services is served (hooks too): request bodies get
//! their input schema's defaults and are validated as v106's ajv does, URL parameters are
//! checked against each service's patterns, and every 200 answer is checked against its output
//! schema. The queue keeps v106's worker metadata (task queues, worker types, provisioners,
//! workers seen when they claim, declared or quarantined), the auth service its audit history;
//! the auth methods that hand out AWS, Azure, GCP, Sentry or GitHub credentials answer as a
//! deployment without those backends does (`websocktunnelToken` signs a real JWT).
//! `tests/js/real/conformance.mjs` compares the answers with a real v106 deployment.
//!
//! Object bytes (object-service uploads and `s3` queue artifacts) live on disk under the data
//! directory and are served by the same server from presigned, expiring blob-store URLs
//! `/__storage/<key>?expires=<unix ms>&sig=<hmac>` (PUT URLs bind `Content-Type` and, for
//! object uploads, `Content-Length`; GET supports `Range`). Requests are streamed, so large
//! objects do not grow memory. `claimWork` long-polls for at most one second.
//!
//! For tests it adds fault injection ([`Fault`]) and a request log ([`RequestRecord`]),
//! available in process ([`DevServer`]) and over HTTP under `/__devserver/`:
//!
//! * `POST /__devserver/faults` (a [`Fault`] as JSON), `GET` lists, `DELETE` clears;
//! * `GET /__devserver/requests[?pathPrefix=...]` (array of [`RequestRecord`]), `DELETE` clears;
//! * `GET /__devserver/clock` answers the server clock (`{mode, nowMs, now}`); `PUT` sets it
//!   (`{"fixed": <RFC 3339 or ms>}`, `{"offset": "-90s" or ms}` or `{"system": true}`), see
//!   [`Clock`];
//! * `POST /__devserver/clients` adds or replaces clients (the JSON of
//!   [`ClientSeed::parse_json`]);
//! * `POST /__devserver/objects` puts a finished object (`{name, projectId?, data: <base64>,
//!   contentType?, contentEncoding?}`, see [`DevServer::put_object`] and [`ObjectSeed`]);
//!   `GET /__devserver/objects?name=<name>` answers a [`StoredObject`] (404 if absent).
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

// Layers, each using only those below it (`cargo xtask check-cycles`):
// lib (this file: the public API, demo data) > server (HTTP, admin routes, assembles the
// router) > api (dispatch over endpoint tables) and services::* (one module per service) >
// call (request/reply types), storage, references, admin, tempcreds > state > hawkauth,
// errors, validate, faults, support, clock, scopes > util.
mod admin;
mod api;
mod call;
mod clock;
mod errors;
mod faults;
mod hawkauth;
mod livelog;
mod references;
mod schema;
mod scopes;
mod server;
mod services;
mod state;
mod storage;
mod support;
mod tempcreds;
mod util;
mod validate;

pub use admin::{StoredBlob, StoredObject};
pub use clock::Clock;
pub use faults::{Fault, FaultAction, HawkInfo, RequestRecord};
pub use support::ClientSeed;

use admin::{add_client, stored_object};
use services::{hooks, index, object, queue};
use state::{Client, Db, State};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use util::lock;

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
    /// Seed demo data: a secret, a role, an `anonymous` role with [`ANONYMOUS_SCOPES`] when
    /// `anonymous_scopes` is empty, a task group with a completed task (one artifact of
    /// every storage type), a pending and a running task, index entries, demo hooks with
    /// their role, and a client; see [`DEMO_TASK_GROUP_ID`] and friends.
    pub seed_demo_data: bool,
    /// Directory holding `manifest.json` and the service references (served under
    /// `/references/`); `None` = not served (404).
    pub references_dir: Option<PathBuf>,
    /// The scopes of the `anonymous` role, which every caller holds. Empty by default, so
    /// tests see exact scope sets; the CLI uses [`ANONYMOUS_SCOPES`], like a real deployment.
    pub anonymous_scopes: Vec<String>,
    /// The clock the server runs on (default: the system clock); fixed or offset clocks let
    /// requests signed at a known time be replayed. Changeable later with
    /// [`DevServer::set_clock`].
    pub clock: Clock,
    /// Permanent clients to create besides the root client (a client with the root client's
    /// id replaces it).
    pub clients: Vec<ClientSeed>,
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
            anonymous_scopes: Vec::new(),
            clock: Clock::System,
            clients: Vec::new(),
        }
    }
}

/// An object for [`DevServer::put_object`].
#[derive(Debug, Clone, Default)]
pub struct ObjectSeed {
    /// Object name.
    pub name: String,
    /// projectId.
    pub project_id: String,
    /// The object's bytes (its hashes are computed over these).
    pub data: Vec<u8>,
    /// `Content-Type` served with the blob; empty for none.
    pub content_type: String,
    /// `Content-Encoding` of the stored blob, served verbatim: `None` or `identity` (bytes as
    /// they are), `gzip` or `deflate` (the blob is that encoding of `data`), or any other label
    /// (the bytes as they are, under that label: an encoding clients cannot decode).
    pub content_encoding: Option<String>,
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
        for c in &cfg.clients {
            c.validate()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        }
        let clock = Arc::new(clock::ClockCell::new(cfg.clock));
        clock::with_clock(clock.clone(), Self::start_inner(cfg, clock)).await
    }

    async fn start_inner(cfg: Config, clock: Arc<clock::ClockCell>) -> std::io::Result<DevServer> {
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
        let mut queue_access_token = util::random_token(44);
        if queue_client_id == cfg.client_id {
            queue_access_token = cfg.access_token.clone();
        } else {
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
            work: tokio::sync::Notify::new(),
            clock,
        });
        for c in &cfg.clients {
            add_client(&state, c);
        }
        if !cfg.anonymous_scopes.is_empty() {
            seed_anonymous_role(&state, &cfg.anonymous_scopes);
        }
        if cfg.seed_demo_data {
            seed_demo(&state).await;
        }
        let app = server::router(state.clone());
        let task = tokio::spawn(server::serve(listener, app, rx, state.clock.clone()));
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

    /// The server's clock.
    pub fn clock(&self) -> Clock {
        self.state.clock.get()
    }

    /// Set the server's clock (applies to the requests that start after the call).
    pub fn set_clock(&self, clock: Clock) {
        self.state.clock.set(clock);
    }

    /// The current time by the server's clock, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        self.state.clock.now_ms()
    }

    /// Add a permanent client, or replace the one with the same clientId. Fails (naming the
    /// problem) on an invalid clientId, an empty accessToken or a scope that is not printable
    /// ASCII.
    pub fn add_client(&self, client: ClientSeed) -> Result<(), String> {
        client.validate()?;
        add_client(&self.state, &client);
        Ok(())
    }

    /// Add a fault rule (applied in insertion order, first match wins).
    pub fn add_fault(&self, fault: Fault) {
        admin::push_fault(&self.state, fault);
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

    /// Put a finished object straight into the object service, as if it had been uploaded
    /// (test support, e.g. for objects stored content-encoded, which no client uploads).
    /// Its hashes are those of `seed.data`; the blob holds the data in `seed.content_encoding`.
    pub async fn put_object(&self, seed: ObjectSeed) -> std::io::Result<()> {
        let now = self.now_ms();
        clock::with_clock(
            self.state.clock.clone(),
            object::put_finished(
                &self.state,
                &seed.name,
                &seed.project_id,
                now + 24 * 3600 * 1000,
                &seed.data,
                &seed.content_type,
                seed.content_encoding.as_deref(),
            ),
        )
        .await
    }

    /// What the object service holds under `name` (test support): the hashes it recorded and
    /// what its blob store received.
    pub fn stored_object(&self, name: &str) -> Option<StoredObject> {
        stored_object(&self.state, name)
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

/// taskGroupId of the seeded demo tasks.
pub const DEMO_TASK_GROUP_ID: &str = "DemoGrupQ0e0TaskGroupA";
/// taskId of the seeded completed demo task: artifacts `public/hello.txt` (s3, text/plain),
/// `public/hello-gzip.txt` (s3, served with `Content-Encoding: gzip`), `private/secret.txt`
/// (s3), `public/object.txt` (object), `public/reference`, `public/link` (→
/// `public/hello.txt`), `public/error`, and for dashboards `public/logs/live_backing.log`
/// (s3, a finished log with ANSI colours), `public/logs/live.log` (link to it),
/// `public/data.json` (s3, JSON) and `public/image.png` (s3, PNG).
pub const DEMO_COMPLETED_TASK_ID: &str = "DemoTaskQ0e0CompletedA";
/// taskId of the seeded pending demo task.
pub const DEMO_PENDING_TASK_ID: &str = "DemoTaskQ1e00PendingxA";
/// taskId of the seeded running demo task: its `public/logs/live.log` is a `reference`
/// artifact to `/__devserver/live-log`, a log that grows by a line every 250 ms.
pub const DEMO_RUNNING_TASK_ID: &str = "DemoTaskQ2e00RunningxA";
/// Index path of the seeded index entry (pointing at the completed demo task).
pub const DEMO_INDEX_PATH: &str = "project.devserver.demo.latest";
/// Index paths seeded besides [`DEMO_INDEX_PATH`] (for browsing the index), with the tasks
/// they point at.
pub const DEMO_INDEX_ENTRIES: &[(&str, &str)] = &[
    ("project.devserver.demo.pending", DEMO_PENDING_TASK_ID),
    ("project.devserver.demo.running", DEMO_RUNNING_TASK_ID),
    ("project.devserver.builds.v1.linux", DEMO_COMPLETED_TASK_ID),
    ("project.devserver.builds.v1.windows", DEMO_PENDING_TASK_ID),
    ("project.devserver.builds.v2.linux", DEMO_RUNNING_TASK_ID),
];
/// Hook group of the seeded demo hooks: `hello` (a `message` in the trigger payload is
/// echoed by the task; its role `hook-id:project-devserver/*` may create it) and
/// `nightly/build` (a schedule, which the devserver never fires).
pub const DEMO_HOOK_GROUP_ID: &str = "project-devserver";
/// A seeded hook whose role has no scopes: triggering it fails with `InsufficientScopes`.
pub const DEMO_HOOK_WITHOUT_SCOPES: (&str, &str) = ("other-team", "no-scopes");
/// A seeded client with a role among its scopes (for showing expanded scopes).
pub const DEMO_CLIENT_ID: &str = "project/devserver/ci";

/// The `anonymous` role of the CLI (and of demo data): like real deployments, public reads work
/// without credentials (task definitions and status, public artifacts, the index, client and
/// role records, scope expansion).
pub const ANONYMOUS_SCOPES: &[&str] = &[
    "auth:current-scopes",
    "auth:expand-scopes",
    "auth:get-client:*",
    "auth:get-role:*",
    "auth:list-clients",
    "auth:list-roles",
    "index:find-task:*",
    "index:list-namespaces:*",
    "index:list-tasks:*",
    "queue:get-artifact:public/*",
    "queue:get-task:*",
    "queue:list-artifacts:*",
    "queue:list-dependent-tasks:*",
    "queue:list-task-group:*",
    "queue:status:*",
];

fn seed_anonymous_role(state: &Arc<State>, scopes: &[String]) {
    let now = clock::now_ms();
    lock(&state.db).roles_mut().insert(
        "anonymous".to_string(),
        state::Role {
            scopes: scopes.to_vec(),
            description: "what callers without credentials may do".to_string(),
            created_ms: now,
            last_modified_ms: now,
        },
    );
}

async fn seed_demo(state: &Arc<State>) {
    let now = clock::now_ms();
    if !lock(&state.db).roles().contains_key("anonymous") {
        let scopes: Vec<String> = ANONYMOUS_SCOPES.iter().map(|s| s.to_string()).collect();
        seed_anonymous_role(state, &scopes);
    }
    let far = now + 365 * 24 * 3600 * 1000;
    {
        let mut db = lock(&state.db);
        db.secrets.insert(
            "project/devserver/demo".to_string(),
            state::Secret {
                secret: serde_json::json!({"hello": "world"}),
                expires_ms: far,
            },
        );
        db.roles_mut().insert(
            "project:devserver:demo".to_string(),
            state::Role {
                scopes: vec!["secrets:get:project/devserver/*".to_string()],
                description: "demo role".to_string(),
                created_ms: now,
                last_modified_ms: now,
            },
        );
    }
    if let Err(e) = seed_tasks(state).await {
        eprintln!("tc-devserver: seeding demo tasks failed: {e}");
    }
    if let Err(e) = seed_hooks(state) {
        eprintln!("tc-devserver: seeding demo hooks failed: {e}");
    }
}

/// Demo hooks, the role their tasks are created with, more index entries and a client.
fn seed_hooks(state: &Arc<State>) -> Result<(), String> {
    use serde_json::json;
    let now = clock::now_ms();
    let mut db = lock(&state.db);
    let hook_scopes = [
        "queue:create-task:project:devserver",
        "queue:scheduler-id:-",
        "queue:create-task:lowest:proj-devserver/*",
    ];
    db.roles_mut().insert(
        format!("hook-id:{DEMO_HOOK_GROUP_ID}/*"),
        state::Role {
            scopes: hook_scopes.iter().map(|s| s.to_string()).collect(),
            description: "what the demo hooks' tasks may do".to_string(),
            created_ms: now,
            last_modified_ms: now,
        },
    );
    let template = |name: &str| {
        json!({
            "taskQueueId": "proj-devserver/demo",
            "schedulerId": "-",
            "projectId": "devserver",
            "payload": {
                "command": ["echo", {"$eval": "payload.message"}],
                "firedBy": "${firedBy}",
            },
            "metadata": {
                "name": format!("{name} (${{firedBy}})"),
                "description": "created by a tc-devserver demo hook",
                "owner": "devserver@example.com",
                "source": "https://github.com/taskcluster/taskcluster",
            },
            "tags": {"kind": "hook"},
        })
    };
    let message_schema = json!({
        "type": "object",
        "properties": {"message": {"type": "string", "description": "echoed by the task"}},
        "required": ["message"],
        "additionalProperties": false,
    });
    let hooks = [
        (
            DEMO_HOOK_GROUP_ID,
            "hello",
            json!({
                "metadata": {"name": "Hello", "description": "Echoes the `message` of the trigger payload.", "owner": "devserver@example.com", "emailOnError": false},
                "task": template("demo hook: hello"),
                "triggerSchema": message_schema,
            }),
        ),
        (
            DEMO_HOOK_GROUP_ID,
            "nightly/build",
            json!({
                "metadata": {"name": "Nightly build", "description": "A scheduled hook (the devserver does not run schedules; trigger it by hand).", "owner": "devserver@example.com"},
                "schedule": ["0 0 3 * * *"],
                "task": template("demo hook: nightly build"),
                "triggerSchema": message_schema,
            }),
        ),
        (
            DEMO_HOOK_WITHOUT_SCOPES.0,
            DEMO_HOOK_WITHOUT_SCOPES.1,
            json!({
                "metadata": {"name": "Without scopes", "description": "Its role grants nothing, so triggering it fails.", "owner": "devserver@example.com"},
                "task": template("demo hook: no scopes"),
                "triggerSchema": message_schema,
            }),
        ),
    ];
    for (group, id, def) in hooks {
        hooks::put_hook(&mut db, group, id, &def).map_err(|e| e.message)?;
    }
    for (path, task_id) in DEMO_INDEX_ENTRIES {
        index::insert(
            &mut db.index,
            path,
            state::index::Entry {
                task_id: task_id.to_string(),
                rank: 0.0,
                data: json!({"demo": true}),
                expires_ms: now + 30 * 24 * 3600 * 1000,
            },
        );
    }
    let mut client = Client::new(
        DEMO_CLIENT_ID,
        &util::random_token(44),
        vec![
            "assume:project:devserver:demo".to_string(),
            format!("assume:hook-id:{DEMO_HOOK_GROUP_ID}/*"),
            "hooks:trigger-hook:project-devserver/*".to_string(),
        ],
    );
    client.description = "a demo CI client: roles expand into its scopes".to_string();
    db.clients.insert(DEMO_CLIENT_ID.to_string(), client);
    Ok(())
}

async fn seed_tasks(state: &Arc<State>) -> Result<(), String> {
    use serde_json::json;
    let now = clock::now_ms();
    let task = |name: &str, queue: &str| {
        json!({
            "taskQueueId": queue,
            "taskGroupId": DEMO_TASK_GROUP_ID,
            "schedulerId": "-",
            "projectId": "devserver",
            "created": util::iso(now),
            "deadline": util::iso(now + 24 * 3600 * 1000),
            "expires": util::iso(now + 30 * 24 * 3600 * 1000),
            "scopes": [],
            "payload": {"command": ["echo", name]},
            "metadata": {
                "name": name,
                "description": format!("tc-devserver demo task: {name}"),
                "owner": "devserver@example.com",
                "source": "https://github.com/taskcluster/taskcluster",
            },
            "tags": {"kind": "demo"},
        })
    };
    let expires = util::iso(now + 7 * 24 * 3600 * 1000);
    let done = DEMO_COMPLETED_TASK_ID;
    {
        let mut db = lock(&state.db);
        let q = &mut db.queue;
        let e = |e: errors::TcError| e.message;
        queue::create_task_unchecked(q, done, &task("demo: completed", "proj-devserver/demo"))
            .map_err(e)?;
        queue::create_task_unchecked(
            q,
            DEMO_RUNNING_TASK_ID,
            &task("demo: running", "proj-devserver/demo"),
        )
        .map_err(e)?;
        queue::claim(state, q, done, "demo-group", "demo-worker");
        queue::claim(state, q, DEMO_RUNNING_TASK_ID, "demo-group", "demo-worker");
        // created after the claims, so it stays pending
        queue::create_task_unchecked(
            q,
            DEMO_PENDING_TASK_ID,
            &task("demo: pending", "proj-devserver/demo"),
        )
        .map_err(e)?;
    }
    let artifacts = [
        (
            "public/hello.txt",
            json!({"storageType": "s3", "expires": expires, "contentType": "text/plain"}),
        ),
        (
            "public/hello-gzip.txt",
            json!({"storageType": "s3", "expires": expires, "contentType": "text/plain"}),
        ),
        (
            "private/secret.txt",
            json!({"storageType": "s3", "expires": expires, "contentType": "text/plain"}),
        ),
        (
            "public/object.txt",
            json!({"storageType": "object", "expires": expires, "contentType": "text/plain"}),
        ),
        (
            "public/reference",
            json!({"storageType": "reference", "expires": expires, "url": "https://www.example.com/", "contentType": "text/html"}),
        ),
        (
            "public/link",
            json!({"storageType": "link", "expires": expires, "artifact": "public/hello.txt"}),
        ),
        (
            "public/error",
            json!({"storageType": "error", "expires": expires, "reason": "file-missing-on-worker", "message": "demo error artifact: the file was not found"}),
        ),
    ];
    let finished_log = livelog::text(80);
    let data_json = serde_json::to_vec_pretty(&json!({
        "demo": true,
        "task": done,
        "results": {"passed": 12, "failed": 1, "names": ["alpha", "beta", "<gamma>"]},
    }))
    .unwrap_or_default();
    let png = livelog::demo_png();
    let viewable: [(&str, &str, &[u8]); 3] = [
        (
            "public/logs/live_backing.log",
            "text/plain; charset=utf-8",
            finished_log.as_bytes(),
        ),
        ("public/data.json", "application/json", &data_json),
        ("public/image.png", "image/png", &png),
    ];
    for (name, content_type, bytes) in viewable {
        let req = json!({"storageType": "s3", "expires": expires, "contentType": content_type});
        let key = {
            let mut db = lock(&state.db);
            queue::put_artifact(state, &mut db, done, 0, name, &req, &[]).map_err(|e| e.message)?;
            match &db.queue.artifacts[&(done.to_string(), 0, name.to_string())].details {
                state::queue::Details::S3 { key } => key.clone(),
                _ => return Err(format!("{name} is not an s3 artifact")),
            }
        };
        storage::store_bytes(state, &key, bytes, Some(content_type), None)
            .await
            .map_err(|e| e.to_string())?;
    }
    {
        let link = json!({"storageType": "link", "expires": expires, "artifact": "public/logs/live_backing.log", "contentType": "text/plain; charset=utf-8"});
        let live = json!({"storageType": "reference", "expires": expires, "contentType": "text/plain; charset=utf-8",
            "url": format!("{}/__devserver/live-log?lines=120&intervalMs=250", state.root_url)});
        let mut db = lock(&state.db);
        queue::put_artifact(state, &mut db, done, 0, "public/logs/live.log", &link, &[])
            .map_err(|e| e.message)?;
        queue::put_artifact(
            state,
            &mut db,
            DEMO_RUNNING_TASK_ID,
            0,
            "public/logs/live.log",
            &live,
            &[],
        )
        .map_err(|e| e.message)?;
    }
    for (name, req) in &artifacts {
        let key = {
            let mut db = lock(&state.db);
            queue::put_artifact(state, &mut db, done, 0, name, req, &[]).map_err(|e| e.message)?;
            match &db.queue.artifacts[&(done.to_string(), 0, name.to_string())].details {
                state::queue::Details::S3 { key } => Some(key.clone()),
                _ => None,
            }
        };
        if let Some(key) = key {
            let text = format!("hello, world (tc-devserver demo artifact {name})\n");
            let (bytes, encoding) = if name.ends_with("-gzip.txt") {
                (
                    util::encode(text.as_bytes(), "gzip").expect("gzip"),
                    Some("gzip"),
                )
            } else {
                (text.into_bytes(), None)
            };
            storage::store_bytes(state, &key, &bytes, Some("text/plain"), encoding)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let oname = state::queue::object_name(done, 0, "public/object.txt");
    let expires_ms = util::parse_iso(&expires).unwrap_or(now);
    object::put_finished(
        state,
        &oname,
        "devserver",
        expires_ms,
        b"hello from the object service (tc-devserver demo)\n",
        "text/plain",
        None,
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut db = lock(&state.db);
    if let Some(a) =
        db.queue
            .artifacts
            .get_mut(&(done.to_string(), 0, "public/object.txt".to_string()))
    {
        a.present = true;
        a.details = state::queue::Details::Object { upload_id: None };
    }
    queue::resolve_last_run(&mut db.queue, done, "completed", "completed");
    index::insert(
        &mut db.index,
        DEMO_INDEX_PATH,
        state::index::Entry {
            task_id: done.to_string(),
            rank: 0.0,
            data: json!({"demo": true}),
            expires_ms: now + 30 * 24 * 3600 * 1000,
        },
    );
    Ok(())
}
