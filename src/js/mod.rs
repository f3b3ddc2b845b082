#![allow(unreachable_pub)] // wasm-bindgen exports are reached from JavaScript, not Rust.
//! The JavaScript facade (cargo feature `js`, wasm32 only): what the npm package calls.
//!
//! Names and behaviour follow the official Node client: argument checks and their messages,
//! option defaults and validation, and errors that are real `Error`s with `code`,
//! `statusCode`, `body` and `requestInfo`. The hand-written ESM in `js/` wraps these exports.

mod convert;
mod error;
mod objects;

use std::borrow::Cow;
use std::rc::Rc;

use js_sys::{Array, Date, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;

use crate::call::{Call, Entry, Service, ServiceDiscoveryScheme};
use crate::transport::FetchTransport;
use crate::util::{env::EnvVars, slugid, time};
use crate::{Client, RetryPolicy, TemporaryOptions};
use convert::{get, get_string, js_type};
pub use error::to_js_error;
use error::{input_error, JsResult};

/// Builds a core client from Node-client options (already merged with `config()` defaults).
fn client_from_options(options: &JsValue) -> JsResult<Client> {
    if !options.is_object() {
        return Err(input_error("options must be an object"));
    }
    for (key, message) in [
        ("baseUrl", "baseUrl has been deprecated!"),
        ("exchangePrefix", "exchangePrefix has been deprecated!"),
        ("stats", "monitoring client calls is no longer supported"),
        ("monitor", "monitoring client calls is no longer supported"),
    ] {
        if get(options, key).is_some() {
            return Err(input_error(message));
        }
    }
    let root_url = get_string(options, "rootUrl")?.unwrap_or_default();
    let mut builder = Client::builder(root_url);
    if let Some(c) = get(options, "credentials") {
        builder = builder.credentials(convert::credentials(&c)?);
    }
    match get(options, "authorizedScopes") {
        None => {}
        Some(v) if Array::is_array(&v) => {
            builder =
                builder.authorized_scopes(Some(convert::string_array(&v, "authorizedScopes")?))
        }
        Some(_) => {
            return Err(input_error(
                "options.authorizedScopes must be an array of scopes",
            ))
        }
    }
    builder = builder.retry(convert::retry_policy(
        options,
        RetryPolicy::default(),
        "options",
    )?);
    if let Some(t) = convert::duration_field(options, "timeout", "options")? {
        builder = builder.timeout((!t.is_zero()).then_some(t));
    }
    if let Some(t) = get_string(options, "traceId")? {
        builder = builder.trace_id(Some(t));
    }
    if let Some(s) = get_string(options, "serviceDiscoveryScheme")? {
        builder = builder.service_discovery_scheme(
            ServiceDiscoveryScheme::parse(&s).map_err(|e| to_js_error(&e))?,
        );
    }
    builder.build().map_err(|e| to_js_error(&e))
}

/// A reference entry plus its service, as JS passes it.
#[derive(Debug)]
struct JsEntry {
    service: Service,
    entry: Entry,
}

fn entry_from_js(entry: &JsValue) -> JsResult<JsEntry> {
    let field = |k: &str| -> JsResult<String> {
        get_string(entry, k)?.ok_or_else(|| input_error(format!("the API entry has no {k}")))
    };
    let names = |k: &str| -> JsResult<Cow<'static, [Cow<'static, str>]>> {
        Ok(match get(entry, k) {
            None => Cow::Borrowed(&[]),
            Some(v) => Cow::Owned(
                convert::string_array(&v, k)?
                    .into_iter()
                    .map(Cow::Owned)
                    .collect(),
            ),
        })
    };
    Ok(JsEntry {
        service: Service {
            name: field("serviceName")?.into(),
            version: get_string(entry, "apiVersion")?
                .unwrap_or_else(|| "v1".into())
                .into(),
        },
        entry: Entry {
            name: field("name")?.into(),
            method: field("method")?.into(),
            route: field("route")?.into(),
            args: names("args")?,
            query: names("query")?,
            input: get(entry, "input").is_some(),
        },
    })
}

/// How positional arguments are laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Args {
    /// A method call: URL arguments, the payload (if the method takes one), the query.
    Call,
    /// `buildUrl`: URL arguments and the query, never a payload.
    Url,
}

/// Checks positional arguments exactly as the Node client does and builds the call, plus the
/// payload as JSON text (`undefined` without one). The call only records that there is a
/// payload: its bytes stay in JS, where `fetch` takes them.
fn build_call<'a>(e: &'a JsEntry, args: &Array, layout: Args) -> JsResult<(Call<'a>, JsValue)> {
    let entry = &e.entry;
    let with_payload = layout == Args::Call && entry.input;
    let n = entry.args.len() + usize::from(with_payload);
    let given = args.length() as usize;
    if given != n && (entry.query.is_empty() || given != n + 1) {
        return Err(input_error(match layout {
            Args::Call => format!(
                "Function {} takes {n} arguments, but was given {given} arguments",
                entry.name
            ),
            Args::Url => format!(
                "Function {}buildUrl() takes {} arguments, but was given {} arguments",
                entry.name,
                n + 1,
                given + 1
            ),
        }));
    }
    let mut call = Call::new(&e.service, entry);
    for (i, name) in entry.args.iter().enumerate() {
        let v = args.get(i as u32);
        let s = if let Some(s) = v.as_string() {
            s
        } else if let Some(n) = v.as_f64() {
            convert::number_to_string(n)
        } else {
            return Err(input_error(format!(
                "URL parameter {name} must be a string, but we received a: {}",
                js_type(&v)
            )));
        };
        call = call.arg(s);
    }
    let mut body = JsValue::UNDEFINED;
    if with_payload {
        let payload = args.get((n - 1) as u32);
        if !payload.is_undefined() {
            body = convert::json_text(&payload, &format!("the payload of {}", entry.name))?.into();
            call.payload = Some(bytes::Bytes::new());
        }
    }
    let query = args.get(n as u32);
    if query.is_truthy() {
        for key in Object::keys(query.unchecked_ref::<Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !entry.query.iter().any(|q| *q == key) {
                return Err(input_error(format!(
                    "Function {} takes options: {} but was given {key}",
                    entry.name,
                    entry.query.join(", ")
                )));
            }
            let v = Reflect::get(&query, &JsValue::from_str(&key))?;
            if v.is_undefined() || v.is_null() {
                continue;
            }
            let Some(value) = query_value(&v) else {
                return Err(input_error(format!(
                    "query option {key} of {} must be a string, number or boolean, but we received a: {}",
                    entry.name,
                    js_type(&v)
                )));
            };
            call = call.query(key, value);
        }
    }
    Ok((call, body))
}

/// A query value as the Node client sends it: a string, a number or a boolean, as text.
fn query_value(v: &JsValue) -> Option<String> {
    v.as_string()
        .or_else(|| v.as_f64().map(convert::number_to_string))
        .or_else(|| v.as_bool().map(|b| b.to_string()))
}

/// The response body as the Node client returns it: parsed JSON, or `undefined`.
fn response_value(response: &crate::Response) -> JsResult<JsValue> {
    if !response.is_json() {
        return Ok(JsValue::UNDEFINED);
    }
    let text = std::str::from_utf8(response.body())
        .map_err(|_| to_js_error(&crate::Error::decode("the response is not UTF-8")))?;
    JSON::parse(text)
        .map_err(|_| to_js_error(&crate::Error::decode("the response is not valid JSON")))
}

/// A reference entry, parsed once when a service class is built.
#[wasm_bindgen(js_name = WasmEntry)]
#[derive(Debug, Clone)]
pub struct JsEntryHandle {
    inner: Rc<JsEntry>,
}

#[wasm_bindgen(js_class = WasmEntry)]
impl JsEntryHandle {
    /// Parses a reference entry plus `serviceName` (and optionally `apiVersion`).
    #[wasm_bindgen(constructor)]
    pub fn new(entry: JsValue) -> JsResult<JsEntryHandle> {
        Ok(JsEntryHandle {
            inner: Rc::new(entry_from_js(&entry)?),
        })
    }
}

/// A configured client, wrapped by the package's service classes.
#[wasm_bindgen(js_name = WasmClient)]
#[derive(Debug)]
pub struct JsClient {
    client: Client,
}

#[wasm_bindgen(js_class = WasmClient)]
impl JsClient {
    /// Validates Node-client options and builds a client.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> JsResult<JsClient> {
        Ok(JsClient {
            client: client_from_options(&options)?,
        })
    }

    /// A call to `entry` with positional `args` (URL arguments, then the payload, then the
    /// query); throws synchronously on bad arguments.
    ///
    /// Without `failure`, only the first attempt, in one crossing: signs and hands the request
    /// to the host's `fetchJson`, whose promise it returns as is (the success path runs no Rust
    /// future at all). That promise resolves to the parsed body, and rejects with what
    /// `fetchJson` rejects with, or an `Error` when signing failed.
    ///
    /// With the `failure` of that first attempt, the rest of the call: the same retry loop as
    /// every call, whose first attempt is the one that failed (counted, and judged retryable or
    /// not, as if it had run here) and whose later attempts are signed afresh. Resolves to the
    /// parsed body or rejects with the package's error.
    ///
    /// With `failure` null, only the checks, for fake clients: nothing is sent, and nothing is
    /// returned.
    pub fn call(&self, entry: &JsEntryHandle, args: Array, failure: JsValue) -> JsResult<JsValue> {
        let (call, body) = build_call(&entry.inner, &args, Args::Call)?;
        let client = &self.client;
        let js_err = |err: crate::Error| to_js_error(&err);
        let method = call.method().map_err(js_err)?;
        // The URL as text and its Hawk target, with no URL parser: the first attempt needs
        // nothing else.
        let (text, target) = client.call_url_and_target(&call).map_err(js_err)?;
        if failure.is_null() {
            return Ok(JsValue::UNDEFINED);
        }
        if failure.is_undefined() {
            return Ok(match client.authorization_for(method.as_str(), &target) {
                Ok(auth) => crate::transport::start_json(
                    &text,
                    method.as_str(),
                    auth,
                    client.trace_header(),
                    &body,
                    client.attempt_timeout(),
                ),
                Err(err) => Promise::reject(&js_err(err)),
            }
            .into());
        }
        let client = client.clone();
        let url: http::Uri = text
            .parse()
            .map_err(|e| input_error(format!("cannot build a URL from {text:?}: {e}")))?;
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let m = method.as_str();
            let (trace, timeout) = (client.trace_header(), client.attempt_timeout());
            // The first attempt replays `failure` through the same mapping as any attempt:
            // given it as its body (an object, never a string), `fetchJson` rejects with it,
            // sending nothing.
            let (first, body, mut replaying) = (&failure, &body, true);
            client
                .with_retries(&method, &url, None, |auth| {
                    let body = if std::mem::take(&mut replaying) {
                        first
                    } else {
                        body
                    };
                    FetchTransport::call_json(&text, m, auth, trace, body, timeout)
                })
                .await
                .map_err(js_err)
        })
        .into())
    }

    /// The URL of a call from `buildUrl`-style arguments (`external`: under the root URL even
    /// with `k8s-dns`).
    #[wasm_bindgen(js_name = buildUrl)]
    pub fn build_url(
        &self,
        entry: &JsEntryHandle,
        args: Array,
        external: bool,
    ) -> JsResult<String> {
        let (call, _) = build_call(&entry.inner, &args, Args::Url)?;
        let r = if external {
            self.client.external_build_url(&call)
        } else {
            self.client.build_url(&call)
        };
        r.map_err(|err| to_js_error(&err))
    }

    /// A signed URL for a GET call, expiring `expiration` seconds from now (a negative value
    /// gives an already-expired URL, as in the Node client).
    #[wasm_bindgen(js_name = buildSignedUrl)]
    pub fn build_signed_url(
        &self,
        entry: &JsEntryHandle,
        args: Array,
        expiration: f64,
        external: bool,
    ) -> JsResult<String> {
        let (call, _) = build_call(&entry.inner, &args, Args::Url)?;
        self.signed_url_of(&call, expiration, external)
    }

    /// [`build_signed_url`](Self::build_signed_url) with the URL arguments as one string,
    /// joined by NUL (the JS side passes only strings that hold none): one crossing, no array.
    #[wasm_bindgen(js_name = buildSignedUrlText)]
    pub fn build_signed_url_text(
        &self,
        entry: &JsEntryHandle,
        args: &str,
        expiration: f64,
        external: bool,
    ) -> JsResult<String> {
        let e = &entry.inner;
        let mut call = Call::new(&e.service, &e.entry);
        if !e.entry.args.is_empty() {
            for a in args.split('\0') {
                call = call.arg(a);
            }
        }
        self.signed_url_of(&call, expiration, external)
    }

    fn signed_url_of(&self, call: &Call<'_>, expiration: f64, external: bool) -> JsResult<String> {
        if !expiration.is_finite() {
            return Err(input_error("options.expiration must be a number"));
        }
        let now_s = (self.client.runtime().now_ms() / 1000) as f64;
        let exp = (now_s + expiration.trunc()).max(0.0) as u64;
        self.client
            .build_signed_url_until(call, exp, external)
            .map_err(|err| to_js_error(&err))
    }

    /// One signed request to an absolute URL, without retries: resolves to
    /// `{statusCode, headers, body}` below 400 and rejects with an error otherwise.
    #[wasm_bindgen(js_name = makeRequest)]
    pub fn make_request(
        &self,
        method: String,
        url: String,
        payload: JsValue,
        query: JsValue,
    ) -> JsResult<Promise> {
        let mut url = url;
        if query.is_truthy() {
            let mut pairs = Vec::new();
            for key in Object::keys(query.unchecked_ref::<Object>()).iter() {
                let key = key.as_string().unwrap_or_default();
                let v = Reflect::get(&query, &JsValue::from_str(&key))?;
                if v.is_undefined() || v.is_null() {
                    continue;
                }
                let value = query_value(&v).unwrap_or_default();
                pairs.push(format!(
                    "{}={}",
                    crate::call::encode_component(&key),
                    crate::call::encode_component(&value)
                ));
            }
            if !pairs.is_empty() {
                url.push(if url.contains('?') { '&' } else { '?' });
                url.push_str(&pairs.join("&"));
            }
        }
        let body = if payload.is_undefined() {
            None
        } else {
            let text = convert::json_text(&payload, "the payload")?;
            Some(text.into_bytes().into())
        };
        let client = self
            .client
            .to_builder()
            .retries(0)
            .build()
            .map_err(|e| to_js_error(&e))?;
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let response = client
                .request_url(&method, &url, body)
                .await
                .map_err(|err| to_js_error(&err))?;
            let out = Object::new();
            Reflect::set(&out, &"statusCode".into(), &response.status().into())?;
            let headers = Object::new();
            for (k, v) in response.headers() {
                if let Ok(v) = v.to_str() {
                    Reflect::set(&headers, &k.as_str().into(), &v.into())?;
                }
            }
            Reflect::set(&out, &"headers".into(), &headers)?;
            Reflect::set(&out, &"body".into(), &response_value(&response)?)?;
            Ok(out.into())
        }))
    }
}

fn reference_ms(reference: &JsValue) -> JsResult<Option<time::Timestamp>> {
    if reference.is_undefined() || reference.is_null() {
        return Ok(None);
    }
    let ms = convert::date_ms(reference, "reference")?;
    time::Timestamp::from_millis(ms as i64)
        .map(Some)
        .map_err(|e| to_js_error(&e))
}

/// `fromNow(offset, reference = new Date())`: a `Date` offset by a time expression.
#[wasm_bindgen(js_name = fromNow)]
pub fn from_now(offset: Option<String>, reference: JsValue) -> JsResult<Date> {
    let t = time::from_now_at(offset.as_deref().unwrap_or(""), reference_ms(&reference)?)
        .map_err(|e| to_js_error(&e))?;
    Ok(Date::new(&JsValue::from_f64(t.as_millis() as f64)))
}

/// `fromNowJSON(offset, reference)`: `fromNow(...).toJSON()`.
#[wasm_bindgen(js_name = fromNowJSON)]
pub fn from_now_json(offset: Option<String>, reference: JsValue) -> JsResult<String> {
    time::from_now_at(offset.as_deref().unwrap_or(""), reference_ms(&reference)?)
        .map(|t| t.to_string())
        .map_err(|e| to_js_error(&e))
}

/// A nice slugid.
#[wasm_bindgen(js_name = slugidNice)]
pub fn slugid_nice() -> String {
    slugid::nice()
}

/// A v4 slugid.
#[wasm_bindgen(js_name = slugidV4)]
pub fn slugid_v4() -> String {
    slugid::v4()
}

/// `createTemporaryCredentials({start, expiry, scopes, clientId, credentials})`.
#[wasm_bindgen(js_name = createTemporaryCredentials)]
pub fn create_temporary_credentials(options: JsValue) -> JsResult<JsValue> {
    if !options.is_object() {
        return Err(input_error("options are required"));
    }
    let creds = get(&options, "credentials")
        .ok_or_else(|| input_error("options.credentials is required"))?;
    let issuer = convert::credentials(&creds)?.ok_or_else(|| {
        input_error("options.credentials must have a clientId and an accessToken")
    })?;
    let expiry =
        get(&options, "expiry").ok_or_else(|| input_error("options.expiry must be a Date"))?;
    let scopes = match get(&options, "scopes") {
        None => Vec::new(),
        Some(v) => convert::string_array(&v, "scopes")?,
    };
    let temp = TemporaryOptions {
        start: match get(&options, "start") {
            None => None,
            Some(v) => Some(convert::date_ms(&v, "start")? as u64),
        },
        expiry: convert::date_ms(&expiry, "expiry")? as u64,
        scopes,
        client_id: get_string(&options, "clientId")?,
    };
    let result = issuer
        .create_temporary(&temp, &crate::SystemRuntime)
        .map_err(|e| to_js_error(&e))?;
    convert::credentials_to_js(&result)
}

/// `fromEnvVars()`: `{rootUrl, credentials}` from the standard environment variables, with
/// only the keys whose variables are set. With `TASKCLUSTER_PROXY_URL` set, the proxy URL is
/// the root URL and no credentials are returned (the proxy signs requests).
#[wasm_bindgen(js_name = fromEnvVars)]
pub fn from_env_vars() -> JsResult<JsValue> {
    let env = EnvVars::read();
    let out = Object::new();
    if let Some(proxy) = env.proxy_url {
        Reflect::set(&out, &"rootUrl".into(), &proxy.into())?;
        return Ok(out.into());
    }
    if let Some(root) = env.root_url {
        Reflect::set(&out, &"rootUrl".into(), &root.into())?;
    }
    let creds = Object::new();
    let mut any = false;
    for (key, value) in [
        ("clientId", env.client_id),
        ("accessToken", env.access_token),
        ("certificate", env.certificate),
    ] {
        if let Some(v) = value {
            Reflect::set(&creds, &key.into(), &v.into())?;
            any = true;
        }
    }
    if any {
        Reflect::set(&out, &"credentials".into(), &creds)?;
    }
    Ok(out.into())
}
