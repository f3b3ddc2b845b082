//! The client: options, signing, the retry loop and URL builders.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::auth::{self, hawk};
use crate::call::{normalize_root_url, Call, ServiceDiscoveryScheme};
use crate::platform::{BoxFuture, MaybeSend, Runtime, SystemRuntime};
use crate::retry::{self, Attempts, RetryPolicy};
use crate::transport::{default_transport, Body, HttpRequest, Timeout, Transport};
use crate::{Credentials, Error, Result};

/// The header a trace ID travels in (never sent from browsers, where CORS forbids it).
pub const TRACE_HEADER: &str = "x-taskcluster-trace-id";

/// The plain option values of a builder (no transport or runtime, which may hold JS handles that
/// cannot live in a `static` on wasm32).
#[derive(Clone)]
struct Defaults {
    root_url: String,
    credentials: Option<Credentials>,
    authorized_scopes: Option<Vec<String>>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    trace_id: Option<String>,
    scheme: ServiceDiscoveryScheme,
    validate: bool,
}

static DEFAULTS: std::sync::RwLock<Option<Defaults>> = std::sync::RwLock::new(None);

/// Sets process-wide client defaults (the Node client's `config()`): later
/// [`ClientBuilder::from_config`] and [`ClientBuilder::from_env`] calls start from the option
/// values of `defaults` (its transport and runtime, if any, are not kept).
///
/// ```
/// use taskcluster_wasm::{config, ClientBuilder};
/// config(ClientBuilder::new("https://tc.example.com").retries(2));
/// let client = ClientBuilder::from_config().build().unwrap();
/// assert_eq!(client.root_url(), "https://tc.example.com");
/// assert_eq!(client.retry_policy().retries, 2);
/// ```
pub fn config(defaults: ClientBuilder) {
    let d = Defaults {
        root_url: defaults.root_url,
        credentials: defaults.credentials,
        authorized_scopes: defaults.authorized_scopes,
        timeout: defaults.timeout,
        retry: defaults.retry,
        trace_id: defaults.trace_id,
        scheme: defaults.scheme,
        validate: defaults.validate,
    };
    *DEFAULTS.write().unwrap_or_else(|e| e.into_inner()) = Some(d);
}

/// Builds a [`Client`]. Defaults follow the Node client: a 30 s per-attempt timeout and the
/// [`RetryPolicy`] defaults.
#[derive(Clone)]
pub struct ClientBuilder {
    root_url: String,
    credentials: Option<Credentials>,
    authorized_scopes: Option<Vec<String>>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
    trace_id: Option<String>,
    scheme: ServiceDiscoveryScheme,
    /// Whether payloads are checked against their schema (only settable with the `validate` feature).
    validate: bool,
    transport: Option<Arc<dyn Transport>>,
    runtime: Option<Arc<dyn Runtime>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("root_url", &self.root_url)
            .field("credentials", &self.credentials)
            .field("authorized_scopes", &self.authorized_scopes)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("trace_id", &self.trace_id)
            .field("scheme", &self.scheme)
            .field("validate", &self.validate)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for a deployment's root URL, e.g. `https://tc.example.com`.
    pub fn new(root_url: impl Into<String>) -> Self {
        ClientBuilder {
            root_url: root_url.into(),
            credentials: None,
            authorized_scopes: None,
            timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
            trace_id: None,
            scheme: ServiceDiscoveryScheme::Default,
            validate: false,
            transport: None,
            runtime: None,
        }
    }

    /// A builder from the standard environment variables (the Rust `fromEnvVars`):
    /// `TASKCLUSTER_ROOT_URL` and credentials from `TASKCLUSTER_CLIENT_ID`,
    /// `TASKCLUSTER_ACCESS_TOKEN` and `TASKCLUSTER_CERTIFICATE`. Inside a task with the
    /// Taskcluster proxy (`TASKCLUSTER_PROXY_URL`), the proxy URL is the root URL and no
    /// credentials are used: the proxy signs requests itself. Other options start from
    /// [`config`]'s defaults.
    pub fn from_env() -> Result<ClientBuilder> {
        let env = crate::util::env::EnvVars::read();
        let builder = Self::from_config();
        if let Some(proxy) = env.proxy_url {
            return Ok(builder.root_url(proxy).credentials(None));
        }
        let builder = match env.root_url {
            Some(root) => builder.root_url(root),
            None => builder,
        };
        Ok(match Credentials::from_env()? {
            Some(c) => builder.credentials(c),
            None => builder,
        })
    }

    /// A builder holding the defaults set with [`config`] (or the library defaults, with no
    /// root URL, when `config` was never called).
    pub fn from_config() -> ClientBuilder {
        let defaults = DEFAULTS.read().unwrap_or_else(|e| e.into_inner()).clone();
        match defaults {
            None => ClientBuilder::new(""),
            Some(d) => ClientBuilder {
                root_url: d.root_url,
                credentials: d.credentials,
                authorized_scopes: d.authorized_scopes,
                timeout: d.timeout,
                retry: d.retry,
                trace_id: d.trace_id,
                scheme: d.scheme,
                validate: d.validate,
                transport: None,
                runtime: None,
            },
        }
    }

    /// Sets the root URL.
    pub fn root_url(mut self, root_url: impl Into<String>) -> Self {
        self.root_url = root_url.into();
        self
    }

    /// Signs requests with these credentials (without them, calls are anonymous).
    pub fn credentials(mut self, credentials: impl Into<Option<Credentials>>) -> Self {
        self.credentials = credentials.into();
        self
    }

    /// Restricts requests to these scopes (`authorizedScopes`). An empty list is meaningful: it
    /// leaves only the anonymous scopes.
    pub fn authorized_scopes<I, S>(mut self, scopes: Option<I>) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_scopes = scopes.map(|s| s.into_iter().map(Into::into).collect());
        self
    }

    /// The per-attempt timeout (`None`: none).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The number of retries after the first attempt.
    pub fn retries(mut self, retries: u32) -> Self {
        self.retry.retries = retries;
        self
    }

    /// A trace ID sent as `x-taskcluster-trace-id` (not from browsers).
    pub fn trace_id(mut self, trace_id: Option<String>) -> Self {
        self.trace_id = trace_id;
        self
    }

    /// The service discovery scheme.
    pub fn service_discovery_scheme(mut self, scheme: ServiceDiscoveryScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// Whether each call's payload is checked against its method's JSON schema (the vendored
    /// Taskcluster schemas) before any request: a payload that does not match fails with an
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) error naming the schema and
    /// each failing field. Off by default; needs the `validate` cargo feature.
    ///
    /// ```
    /// use taskcluster_wasm::{ClientBuilder, ErrorKind, Queue};
    /// # async fn example() {
    /// let queue = Queue::new(ClientBuilder::new("https://tc.example.com").validate(true).build().unwrap());
    /// let err = queue.create_task_raw("fN1SbArXTPSVFNUvaOlinQ", &serde_json::json!({})).await.unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput);
    /// assert!(err.to_string().contains("/provisionerId: is required"));
    /// # }
    /// ```
    #[cfg(feature = "validate")]
    pub fn validate(mut self, validate: bool) -> Self {
        self.validate = validate;
        self
    }

    /// The transport (default: [`default_transport`]).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock, sleep and random source (default: [`SystemRuntime`]).
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// Checks every option and builds the client. Errors name the option that is wrong.
    pub fn build(self) -> Result<Client> {
        if self.root_url.is_empty() {
            return Err(Error::invalid_input("Must provide a rootUrl"));
        }
        let root_url = normalize_root_url(&self.root_url)?;
        self.retry.validate()?;
        if let Some(c) = &self.credentials {
            c.check()?;
        }
        if let Some(s) = &self.authorized_scopes {
            auth::check_scopes("authorizedScopes", s)?;
        }
        if self.timeout == Some(Duration::ZERO) {
            return Err(Error::invalid_input("timeout must be greater than 0"));
        }
        if let Some(t) = &self.trace_id {
            if http::HeaderValue::from_str(t).is_err() {
                return Err(Error::invalid_input("traceId must be printable ASCII"));
            }
        }
        let ext = self.credentials.as_ref().and_then(|c| {
            auth::ext(
                c.certificate().map(|cert| cert.as_json()),
                self.authorized_scopes.as_deref(),
            )
        });
        let parsed: http::Uri = root_url
            .parse()
            .map_err(|e| Error::invalid_input(format!("rootUrl {root_url:?}: {e}")))?;
        // The normalized root is `scheme://authority[path]`.
        let root_path_at = parsed.scheme_str().map_or(0, |s| s.len() + 3)
            + parsed.authority().map_or(0, |a| a.as_str().len());
        Ok(Client {
            inner: Arc::new(Inner {
                root: hawk::Target::of(&parsed),
                root_path_at,
                root_url,
                ext,
                key: self
                    .credentials
                    .as_ref()
                    .map(|c| hawk::Key::new(c.access_token())),
                transport: self.transport.clone().unwrap_or_else(default_transport),
                runtime: self
                    .runtime
                    .clone()
                    .unwrap_or_else(|| Arc::new(SystemRuntime)),
                options: self,
            }),
        })
    }
}

/// A Taskcluster client for one deployment. Cheap to clone; clones share the transport.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    root_url: String,
    /// The Hawk target of the root URL: its host and port, and where its path begins, read
    /// once so that signing a URL parses nothing.
    root: hawk::Target,
    root_path_at: usize,
    ext: Option<String>,
    /// The Hawk key of the credentials, computed once.
    key: Option<hawk::Key>,
    transport: Arc<dyn Transport>,
    runtime: Arc<dyn Runtime>,
    options: ClientBuilder,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("root_url", &self.inner.root_url)
            .field("credentials", &self.inner.options.credentials)
            .field("authorized_scopes", &self.inner.options.authorized_scopes)
            .field("transport", &self.inner.transport)
            .finish_non_exhaustive()
    }
}

/// A successful (2xx or 3xx) response.
#[derive(Debug, Clone)]
pub struct Response {
    status: http::StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Response {
    /// The status (a 3xx is a success: Taskcluster puts the result in a redirect's body).
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// The headers.
    pub fn headers(&self) -> &http::HeaderMap {
        &self.headers
    }

    /// The raw body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Whether the body is JSON (`Content-Type: application/json…`) and not empty.
    pub fn is_json(&self) -> bool {
        !self.body.is_empty()
            && self
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| {
                    ct.trim_start()
                        .to_ascii_lowercase()
                        .starts_with("application/json")
                })
    }

    /// The body as JSON: `null` when the response has no JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        let body: &[u8] = if self.is_json() { &self.body } else { b"null" };
        serde_json::from_slice(body).map_err(|e| {
            Error::decode(format!("the response is not the expected JSON: {e}")).with_source(e)
        })
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`].
    pub fn builder(root_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(root_url)
    }

    /// A client with default options.
    pub fn new(root_url: impl Into<String>) -> Result<Client> {
        ClientBuilder::new(root_url).build()
    }

    /// This client's options, to derive another client from (the Node client's `use()`).
    pub fn to_builder(&self) -> ClientBuilder {
        self.inner.options.clone()
    }

    /// The normalized root URL.
    pub fn root_url(&self) -> &str {
        &self.inner.root_url
    }

    /// The credentials, if any.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.inner.options.credentials.as_ref()
    }

    /// The runtime (clock, sleep and randomness) this client uses.
    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        &self.inner.runtime
    }

    /// The transport this client uses.
    pub fn transport(&self) -> &Arc<dyn Transport> {
        &self.inner.transport
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.options.retry
    }

    /// The `Authorization` header for a request, with a fresh timestamp and nonce; `None` for
    /// anonymous clients. Fails if the header would exceed the server's 4096-character limit.
    pub fn authorization(&self, method: &str, url: &http::Uri) -> Result<Option<String>> {
        if self.inner.key.is_none() {
            return Ok(None);
        }
        self.authorization_for(method, &hawk::Target::of(url))
    }

    /// [`authorization`](Self::authorization) for a target already known (see
    /// [`url_and_target`](Self::url_and_target)).
    pub(crate) fn authorization_for(
        &self,
        method: &str,
        target: &hawk::Target,
    ) -> Result<Option<String>> {
        let (Some(creds), Some(key)) = (&self.inner.options.credentials, &self.inner.key) else {
            return Ok(None);
        };
        let rt = &self.inner.runtime;
        let mut nonce = [0u8; 6];
        rt.fill_random(&mut nonce);
        let nonce = hawk::b64(&URL_SAFE_NO_PAD, &nonce);
        let header = hawk::header_with(
            creds.client_id(),
            key,
            &hawk::Artifacts {
                ts: rt.now_ms() / 1000,
                nonce: &nonce,
                method,
                target,
                hash: None,
                ext: self.inner.ext.as_deref(),
                app: None,
            },
        );
        if header.len() > hawk::MAX_HEADER_LENGTH {
            return Err(Error::invalid_input(format!(
                "the Authorization header would be {} characters, over the server's limit of {}; \
                 use fewer certificate scopes or authorizedScopes",
                header.len(),
                hawk::MAX_HEADER_LENGTH
            )));
        }
        Ok(Some(header))
    }

    /// The URL of a call, without signing (the internal form under `k8s-dns`).
    pub fn build_url(&self, call: &Call<'_>) -> Result<String> {
        Ok(call
            .url(&self.inner.root_url, self.inner.options.scheme)?
            .to_string())
    }

    /// The URL of a call under the root URL, whatever the discovery scheme.
    pub fn external_build_url(&self, call: &Call<'_>) -> Result<String> {
        Ok(call
            .url(&self.inner.root_url, ServiceDiscoveryScheme::Default)?
            .to_string())
    }

    /// A URL for a GET call with a bewit valid for `ttl`, usable without credentials.
    pub fn build_signed_url(&self, call: &Call<'_>, ttl: Duration) -> Result<String> {
        self.signed_url(call, ttl, self.inner.options.scheme)
    }

    /// [`build_signed_url`](Self::build_signed_url) under the root URL, whatever the scheme.
    pub fn external_build_signed_url(&self, call: &Call<'_>, ttl: Duration) -> Result<String> {
        self.signed_url(call, ttl, ServiceDiscoveryScheme::Default)
    }

    /// A signed URL for a GET call whose bewit expires at `exp` (seconds since the epoch; a time
    /// in the past gives an already-expired URL, which tests use). `external` builds it under
    /// the root URL whatever the discovery scheme.
    pub fn build_signed_url_until(
        &self,
        call: &Call<'_>,
        exp: u64,
        external: bool,
    ) -> Result<String> {
        let scheme = if external {
            ServiceDiscoveryScheme::Default
        } else {
            self.inner.options.scheme
        };
        let signable = self.signable(call, scheme)?;
        self.sign_url_until(signable, exp)
    }

    fn signable(
        &self,
        call: &Call<'_>,
        scheme: ServiceDiscoveryScheme,
    ) -> Result<(&Credentials, &hawk::Key, String, hawk::Target)> {
        if !call.entry.method.eq_ignore_ascii_case("get") {
            return Err(Error::invalid_input(format!(
                "buildSignedUrl only works for GET requests, and {} is {}",
                call.entry.name,
                call.entry.method.to_ascii_uppercase()
            )));
        }
        let (url, target) = self.url_and_target(call, scheme)?;
        let (Some(creds), Some(key)) = (&self.inner.options.credentials, &self.inner.key) else {
            return Err(Error::invalid_input("credentials must be given"));
        };
        Ok((creds, key, url, target))
    }

    /// The URL of a call as text and the Hawk target it is signed for, with no URL parsing:
    /// the host and port come from the root URL (or the `k8s-dns` service name).
    pub(crate) fn url_and_target(
        &self,
        call: &Call<'_>,
        scheme: ServiceDiscoveryScheme,
    ) -> Result<(String, hawk::Target)> {
        let url = call.url_text(&self.inner.root_url, scheme)?;
        let target = match scheme {
            ServiceDiscoveryScheme::Default => hawk::Target {
                resource: url[self.inner.root_path_at..].to_owned(),
                host: self.inner.root.host.clone(),
                port: self.inner.root.port,
            },
            ServiceDiscoveryScheme::K8sDns => {
                let at = crate::call::K8S_PREFIX.len() + call.service.name.len();
                hawk::Target {
                    resource: url[at..].to_owned(),
                    host: url["http://".len()..at].to_ascii_lowercase(),
                    port: 80,
                }
            }
        };
        Ok((url, target))
    }

    fn signed_url(
        &self,
        call: &Call<'_>,
        ttl: Duration,
        scheme: ServiceDiscoveryScheme,
    ) -> Result<String> {
        let signable = self.signable(call, scheme)?;
        let ttl_s = ttl.as_secs();
        if ttl_s == 0 {
            return Err(Error::invalid_input(
                "a signed URL's expiration must be at least 1 second",
            ));
        }
        let exp = self.inner.runtime.now_ms() / 1000 + ttl_s;
        self.sign_url_until(signable, exp)
    }

    /// Adds a bewit expiring at `exp` (seconds since the epoch) to a URL of this deployment.
    fn sign_url_until(
        &self,
        (creds, key, url, target): (&Credentials, &hawk::Key, String, hawk::Target),
        exp: u64,
    ) -> Result<String> {
        let mut signed = url;
        // The bewit is base64url of `id\exp\mac\ext` (the MAC is 44 characters): room for it,
        // so appending never reallocates.
        let ext_len = self.inner.ext.as_deref().map_or(0, str::len);
        signed.reserve(8 + (creds.client_id().len() + ext_len + 68).div_ceil(3) * 4);
        let sep = if signed.contains('?') { '&' } else { '?' };
        signed.push(sep);
        signed.push_str("bewit=");
        let bewit_at = signed.len();
        hawk::append_bewit_with(
            &mut signed,
            creds.client_id(),
            key,
            &target,
            exp,
            self.inner.ext.as_deref(),
        );
        let resource_len = target.resource.len() + "?bewit=".len() + signed.len() - bewit_at;
        if resource_len > hawk::MAX_HEADER_LENGTH {
            return Err(Error::invalid_input(format!(
                "the signed URL's path and query would be {resource_len} characters, over the \
                 server's limit of {}; use fewer certificate scopes or authorizedScopes",
                hawk::MAX_HEADER_LENGTH
            )));
        }
        Ok(signed)
    }

    /// Makes a call: validates it, then sends it, signing each attempt afresh and retrying
    /// network errors, timeouts and 5xx responses. A 3xx is returned, not followed.
    pub async fn call(&self, call: &Call<'_>) -> Result<Response> {
        let method = call.method()?;
        let (text, target) = self.call_url_and_target(call)?;
        let url: http::Uri = text
            .parse()
            .map_err(|e| Error::invalid_input(format!("cannot build a URL from {text:?}: {e}")))?;
        #[cfg(feature = "validate")]
        if self.inner.options.validate {
            crate::validate::check(call)?;
        }
        // Sign once before any I/O so that header problems surface without a request.
        let mut authorization = self.authorization_for(method.as_str(), &target)?;
        self.send_with_retries(&method, &url, call.payload.clone(), &mut authorization)
            .await
    }

    /// Sends a request to any URL of the deployment, signed like a call and retried by the same
    /// policy: for endpoints that are not in a reference (and the JS `makeRequest`).
    pub async fn request_url(
        &self,
        method: &str,
        url: &str,
        payload: Option<Bytes>,
    ) -> Result<Response> {
        let method = http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| Error::invalid_input(format!("{method:?} is not an HTTP method")))?;
        // Messages show the URL without its query, which may hold a bewit.
        let shown = crate::error::without_query(url);
        let url: http::Uri = url
            .parse()
            .map_err(|e| Error::invalid_input(format!("{shown:?} is not a valid URL: {e}")))?;
        if url.scheme().is_none() || url.host().is_none() {
            return Err(Error::invalid_input(format!(
                "{shown} is not an absolute URL"
            )));
        }
        let mut authorization = self.authorization(method.as_str(), &url)?;
        self.send_with_retries(&method, &url, payload, &mut authorization)
            .await
    }

    /// [`call`](Self::call), then the body as JSON.
    pub async fn call_json<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T> {
        self.call(call).await?.json()
    }

    async fn send_with_retries(
        &self,
        method: &http::Method,
        url: &http::Uri,
        payload: Option<Bytes>,
        first_authorization: &mut Option<String>,
    ) -> Result<Response> {
        self.with_retries(method, url, first_authorization.take(), |authorization| {
            self.attempt(method, url, payload.clone(), authorization)
        })
        .await
    }

    /// An API request under the retry loop ([`retry::run`]): runs `attempt` with a fresh
    /// `Authorization` header each time (the first one is `first_authorization`), retrying
    /// network errors, timeouts and 5xx as the client's policy says.
    pub(crate) async fn with_retries<T, F>(
        &self,
        method: &http::Method,
        url: &http::Uri,
        first_authorization: Option<String>,
        attempt: impl FnMut(Option<String>) -> F + MaybeSend,
    ) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>> + MaybeSend,
        T: MaybeSend,
    {
        let mut job = Signed {
            client: self,
            method,
            url,
            authorization: first_authorization,
            attempt,
            output: None,
        };
        let policy = &self.inner.options.retry;
        retry::run(policy, self.inner.runtime.as_ref(), &mut job).await?;
        retry::output(job.output)
    }

    /// The per-attempt timeout.
    pub(crate) fn attempt_timeout(&self) -> Option<Duration> {
        self.inner.options.timeout
    }

    /// The trace ID to send, if any (never from browsers, where CORS forbids the header).
    pub(crate) fn trace_header(&self) -> Option<&str> {
        self.inner
            .options
            .trace_id
            .as_deref()
            .filter(|_| !crate::platform::is_browser())
    }

    /// [`url_and_target`](Self::url_and_target) under the client's discovery scheme.
    pub(crate) fn call_url_and_target(&self, call: &Call<'_>) -> Result<(String, hawk::Target)> {
        self.url_and_target(call, self.inner.options.scheme)
    }

    async fn attempt(
        &self,
        method: &http::Method,
        url: &http::Uri,
        payload: Option<Bytes>,
        authorization: Option<String>,
    ) -> Result<Response> {
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(url.clone());
        if let Some(a) = authorization {
            builder = builder.header(http::header::AUTHORIZATION, a);
        }
        if let Some(t) = self.trace_header() {
            const TRACE: http::HeaderName = http::HeaderName::from_static(TRACE_HEADER);
            builder = builder.header(TRACE, t);
        }
        let body = match payload {
            Some(p) => {
                builder = builder.header(http::header::CONTENT_TYPE, "application/json");
                Body::Bytes(p)
            }
            None => {
                if *method == http::Method::POST || *method == http::Method::PUT {
                    builder = builder.header(http::header::CONTENT_LENGTH, "0");
                }
                Body::Empty
            }
        };
        let mut request: HttpRequest = builder
            .body(body)
            .map_err(|e| Error::invalid_input(format!("cannot build the request: {e}")))?;
        if let Some(t) = self.attempt_timeout() {
            request.extensions_mut().insert(Timeout(t));
        }
        let response = self.inner.transport.send(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.bytes().await?;
        if parts.status.as_u16() >= 400 {
            let id = parts
                .headers
                .get(const { http::HeaderName::from_static("x-for-request-id") })
                .and_then(|v| v.to_str().ok());
            return Err(Error::http(parts.status.as_u16(), &body).with_request_id(id));
        }
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }
}

/// The attempts of an API request: each one signed afresh.
struct Signed<'a, A, T> {
    client: &'a Client,
    method: &'a http::Method,
    url: &'a http::Uri,
    /// The header for the next attempt.
    authorization: Option<String>,
    attempt: A,
    output: Option<T>,
}

impl<'a, T, F, A> Attempts for Signed<'a, A, T>
where
    A: FnMut(Option<String>) -> F + MaybeSend,
    F: std::future::Future<Output = Result<T>> + MaybeSend + 'a,
    T: MaybeSend,
{
    fn request(&self) -> (&str, String) {
        (self.method.as_str(), self.url.to_string())
    }

    fn prepare(&mut self, n: u32) -> BoxFuture<'_, Result<()>> {
        // The first attempt's header was made before any I/O.
        let signed = match n {
            1 => Ok(()),
            _ => (self.client)
                .authorization(self.method.as_str(), self.url)
                .map(|a| self.authorization = a),
        };
        Box::pin(std::future::ready(signed))
    }

    fn attempt(&mut self, _n: u32) -> BoxFuture<'_, Result<()>> {
        let sent = (self.attempt)(self.authorization.take());
        Box::pin(async move {
            self.output = Some(sent.await?);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::call::{Entry, Service};

    /// The text path (no URL parser) gives what parsing the URL gives: the same URL back and
    /// the same Hawk target, for every shape of root URL and both discovery schemes.
    #[test]
    fn url_and_target_agree_with_the_parser() {
        let svc = Service {
            name: "worker-manager".into(),
            version: "v1".into(),
        };
        const ARGS: &[Cow<'static, str>] = &[Cow::Borrowed("a"), Cow::Borrowed("b")];
        const QUERY: &[Cow<'static, str>] = &[Cow::Borrowed("limit")];
        let entry = Entry {
            name: "m".into(),
            method: "get".into(),
            route: "/x/<a>/y/<b>".into(),
            args: Cow::Borrowed(ARGS),
            query: Cow::Borrowed(QUERY),
            input: false,
        };
        let roots = [
            "https://tc.example.com",
            "https://TC.Example.COM/",
            "http://tc.example.com",
            "http://127.0.0.1:8080/deploy/tc/",
            "https://x.example:443",
            "http://[::1]:9/p",
            "https://[2001:DB8::1]",
        ];
        for root in roots {
            let client = Client::builder(root)
                .credentials(Credentials::new("c", "t"))
                .build()
                .unwrap();
            for scheme in [
                ServiceDiscoveryScheme::Default,
                ServiceDiscoveryScheme::K8sDns,
            ] {
                for query in [None, Some("a b/ü")] {
                    let mut call = Call::new(&svc, &entry).arg("t/1 ü").arg("0");
                    if let Some(q) = query {
                        call = call.query("limit", q);
                    }
                    let (url, target) = client.url_and_target(&call, scheme).unwrap();
                    let uri: http::Uri = url.parse().unwrap();
                    assert_eq!(uri.to_string(), url, "{root} {scheme:?}");
                    assert_eq!(
                        target,
                        hawk::Target::of(&uri),
                        "{root} {scheme:?} {query:?}"
                    );
                }
            }
        }
    }
}
