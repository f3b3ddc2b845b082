//! Describing API calls: reference entries, arguments and URL building. No I/O here.

use std::borrow::Cow;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::{Error, Result};

/// Everything except `A–Z a–z 0–9 - . _ ~` is percent-encoded, in path arguments and query
/// components alike, so no URL parser re-encodes what was signed.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything but `A–Z a–z 0–9 - . _ ~`.
pub fn encode_component(s: &str) -> Cow<'_, str> {
    utf8_percent_encode(s, UNRESERVED).into()
}

/// A string list that can live in a `static` or be built at run time.
pub type Names = Cow<'static, [Cow<'static, str>]>;

/// One API method, as its service's reference describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The method name, as in the reference (`createTask`).
    pub name: Cow<'static, str>,
    /// The HTTP method, lowercase (`get`, `post`, `put`, `delete`).
    pub method: Cow<'static, str>,
    /// The route, with `<arg>` placeholders (`/task/<taskId>`).
    pub route: Cow<'static, str>,
    /// The placeholders of the route, in order.
    pub args: Names,
    /// The query-string keys the method accepts.
    pub query: Names,
    /// Whether the method takes a JSON payload.
    pub input: bool,
}

impl Entry {
    /// Whether the service also serves `arg` empty. Only the index's `listNamespaces` and
    /// `listTasks` do: their routes are `/namespaces{/:namespace}` and `/tasks{/:namespace}`
    /// (v106, services/index/src/api.js; the only optional route parameters there are), so
    /// `listNamespaces("")` lists the root namespaces. References print these routes as
    /// `/namespaces/<namespace>` and do not say so; this knows it for bundled, discovered and
    /// hand-written entries alike.
    pub fn serves_empty(&self, service: &Service, arg: &str) -> bool {
        service.name == "index"
            && arg == "namespace"
            && matches!(&*self.name, "listNamespaces" | "listTasks")
            && self.route.ends_with("/<namespace>")
    }
}

/// A service: its name in URLs and its API version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service name (`queue`, `worker-manager`).
    pub name: Cow<'static, str>,
    /// The API version (`v1`).
    pub version: Cow<'static, str>,
}

/// How service URLs are formed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ServiceDiscoveryScheme {
    /// `<rootUrl>/api/<service>/<version>/…`
    #[default]
    Default,
    /// Inside a Kubernetes deployment: `http://taskcluster-<service>/api/<service>/<version>/…`
    /// (URL builders marked *external* still use the root URL).
    K8sDns,
}

impl ServiceDiscoveryScheme {
    /// Parses `default` or `k8s-dns`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "default" => Ok(Self::Default),
            "k8s-dns" => Ok(Self::K8sDns),
            other => Err(Error::invalid_input(format!(
                "Invalid Taskcluster client service discovery scheme: {other}"
            ))),
        }
    }
}

/// One call: an entry of a service with its arguments.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    /// The service.
    pub service: &'a Service,
    /// The method.
    pub entry: &'a Entry,
    /// The route arguments, in the order of `entry.args`.
    pub args: Vec<Cow<'a, str>>,
    /// Query parameters; each key must be one of `entry.query`.
    pub query: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// The JSON payload, already serialized.
    pub payload: Option<bytes::Bytes>,
}

impl<'a> Call<'a> {
    /// A call with no arguments, query or payload yet.
    pub fn new(service: &'a Service, entry: &'a Entry) -> Self {
        Call {
            service,
            entry,
            args: Vec::new(),
            query: Vec::new(),
            payload: None,
        }
    }

    /// Adds a route argument.
    pub fn arg(mut self, value: impl Into<Cow<'a, str>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the payload from any `Serialize`.
    pub fn payload<T: serde::Serialize + ?Sized>(mut self, payload: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(payload).map_err(|e| {
            Error::invalid_input(format!(
                "the payload of {} is not serializable: {e}",
                self.entry.name
            ))
        })?;
        self.payload = Some(bytes.into());
        Ok(self)
    }

    /// The HTTP method.
    pub fn method(&self) -> Result<http::Method> {
        http::Method::from_bytes(self.entry.method.to_ascii_uppercase().as_bytes()).map_err(|_| {
            Error::invalid_input(format!(
                "{} has an invalid HTTP method {:?}",
                self.entry.name, self.entry.method
            ))
        })
    }

    /// Checks the call against its entry: argument count, non-empty arguments, declared query
    /// keys, payload presence.
    pub fn validate(&self) -> Result<()> {
        let e = self.entry;
        if self.args.len() != e.args.len() {
            return Err(Error::invalid_input(format!(
                "{} takes {} URL argument{} ({}), but was given {}",
                e.name,
                e.args.len(),
                if e.args.len() == 1 { "" } else { "s" },
                e.args.join(", "),
                self.args.len()
            )));
        }
        for (name, value) in e.args.iter().zip(&self.args) {
            if value.is_empty() && !e.serves_empty(self.service, name) {
                return Err(Error::invalid_input(format!(
                    "URL parameter {name} of {} must not be empty",
                    e.name
                )));
            }
            // URL parsers resolve `.` and `..` (even as %2E) as dot-segments, which would send
            // the request to another path.
            if value == "." || value == ".." {
                return Err(Error::invalid_input(format!(
                    "URL parameter {name} of {} cannot be {value:?}: URLs treat it as a path step",
                    e.name
                )));
            }
        }
        for (key, _) in &self.query {
            if !e.query.iter().any(|q| q == key) {
                return Err(Error::invalid_input(if e.query.is_empty() {
                    format!("{} takes no query options, but was given {key}", e.name)
                } else {
                    format!(
                        "{} takes options: {} but was given {key}",
                        e.name,
                        e.query.join(", ")
                    )
                }));
            }
        }
        if self.payload.is_some() && !e.input {
            return Err(Error::invalid_input(format!("{} takes no payload", e.name)));
        }
        Ok(())
    }

    /// Appends the path and query after `<root>/api/<service>/<version>/`, encoded.
    fn write_route_and_query(&self, out: &mut String) {
        let push_encoded = |out: &mut String, s: &str| {
            if s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
            {
                out.push_str(s);
            } else {
                out.extend(utf8_percent_encode(s, UNRESERVED));
            }
        };
        // `/` is always encoded and only an optional argument, which ends its route, can be
        // empty, so the built route starts with a `/` exactly when the template does.
        let mut rest: &str = self.entry.route.trim_start_matches('/');
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>').map(|c| open + c) else {
                break;
            };
            out.push_str(&rest[..open]);
            let name = &rest[open + 1..close];
            match self.entry.args.iter().position(|a| a == name) {
                Some(i) => push_encoded(out, &self.args[i]),
                None => out.push_str(&rest[open..=close]),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        for (i, (k, v)) in self.query.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            push_encoded(out, k);
            out.push('=');
            push_encoded(out, v);
        }
    }

    /// The URL of this call under `root` (already normalized, see [`normalize_root_url`]), as
    /// text: built in one buffer, with no URL parser involved.
    ///
    /// Every argument and query component is percent-encoded outside `A–Z a–z 0–9 - . _ ~`, so
    /// the URL is plain ASCII that no URL parser (WHATWG `fetch`, reqwest's `url`) rewrites:
    /// what is signed is what is sent.
    pub fn url_text(&self, root: &str, scheme: ServiceDiscoveryScheme) -> Result<String> {
        self.validate()?;
        let args: usize = self.args.iter().map(|a| a.len()).sum();
        let query: usize = self.query.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut s = String::with_capacity(
            root.len() + 32 + self.entry.route.len() + self.service.name.len() + args + query,
        );
        match scheme {
            ServiceDiscoveryScheme::Default => s.push_str(root),
            ServiceDiscoveryScheme::K8sDns => {
                s.push_str(K8S_PREFIX);
                s.push_str(&self.service.name);
            }
        }
        for part in ["/api/", &self.service.name, "/", &self.service.version, "/"] {
            s.push_str(part);
        }
        self.write_route_and_query(&mut s);
        Ok(s)
    }

    /// [`url_text`](Self::url_text), parsed.
    pub fn url(&self, root: &str, scheme: ServiceDiscoveryScheme) -> Result<http::Uri> {
        let s = self.url_text(root, scheme)?;
        s.parse::<http::Uri>()
            .map_err(|e| Error::invalid_input(format!("cannot build a URL from {s:?}: {e}")))
    }
}

/// The start of a service's URL under `k8s-dns`, followed by the service name.
pub(crate) const K8S_PREFIX: &str = "http://taskcluster-";

/// Checks a root URL and normalizes it: lowercase scheme and host, no trailing slashes. It
/// must be an absolute `http` or `https` URL with a host, and may have a path
/// (`https://example.com/taskcluster`). Hosts must be ASCII (write international names in
/// punycode), and the path may only hold characters that every URL parser keeps as they are.
pub fn normalize_root_url(root_url: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid_input(format!("rootUrl {root_url:?} {why}"));
    let trimmed = root_url.trim_end_matches('/');
    if trimmed.contains(['?', '#']) {
        return Err(bad("must not have a query or a fragment"));
    }
    let uri: http::Uri = trimmed.parse().map_err(|e| {
        bad(&format!(
            "is not an absolute ASCII URL ({e}); write international host names in punycode"
        ))
    })?;
    let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(bad("must be an http or https URL"));
    }
    let authority = uri
        .authority()
        .ok_or_else(|| bad("must have a host"))?
        .as_str();
    if authority.contains('@') || uri.host().is_none_or(str::is_empty) {
        return Err(bad("must have a host and no user name or password"));
    }
    let path = uri.path().trim_end_matches('/');
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(*c)))
    {
        return Err(bad(&format!("has {c:?} in its path; percent-encode it")));
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad("must not contain . or .. path segments"));
    }
    Ok(format!(
        "{}://{}{path}",
        scheme.unwrap_or_default(),
        authority.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        route: &'static str,
        args: &'static [Cow<'static, str>],
        query: &'static [Cow<'static, str>],
    ) -> Entry {
        Entry {
            name: "m".into(),
            method: "get".into(),
            route: route.into(),
            args: Cow::Borrowed(args),
            query: Cow::Borrowed(query),
            input: false,
        }
    }

    const SVC: Service = Service {
        name: Cow::Borrowed("queue"),
        version: Cow::Borrowed("v1"),
    };

    #[test]
    fn root_urls() {
        for r in [
            "https://tc.example.com",
            "https://tc.example.com/",
            "https://tc.example.com//",
        ] {
            assert_eq!(normalize_root_url(r).unwrap(), "https://tc.example.com");
        }
        assert_eq!(
            normalize_root_url("https://whatever.net/taskcluster").unwrap(),
            "https://whatever.net/taskcluster"
        );
        assert_eq!(
            normalize_root_url("HTTPS://TC.Example.COM/").unwrap(),
            "https://tc.example.com"
        );
        for bad in [
            "12345",
            "",
            "ftp://x",
            "https://x/?a=1",
            "/api",
            "https://u:p@x",
            "https://x/a b",
            "https://caf\u{e9}.example",
            "https://x/a/../b",
            "https://x/{a}",
        ] {
            assert!(normalize_root_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn urls_and_encoding() {
        static ARGS: [Cow<'static, str>; 2] = [Cow::Borrowed("taskId"), Cow::Borrowed("name")];
        static Q: [Cow<'static, str>; 1] = [Cow::Borrowed("limit")];
        let e = entry("/task/<taskId>/artifacts/<name>", &ARGS, &Q);
        let c = Call::new(&SVC, &e)
            .arg("abc")
            .arg("public/it's a! ü/x~")
            .query("limit", "1 0");
        let url = c
            .url(
                "https://whatever.net/taskcluster",
                ServiceDiscoveryScheme::Default,
            )
            .unwrap();
        assert_eq!(
            url.to_string(),
            "https://whatever.net/taskcluster/api/queue/v1/task/abc/artifacts/public%2Fit%27s%20a%21%20%C3%BC%2Fx~?limit=1%200"
        );
        let k8s = c
            .url("https://x.example", ServiceDiscoveryScheme::K8sDns)
            .unwrap();
        assert_eq!(k8s.to_string(), "http://taskcluster-queue/api/queue/v1/task/abc/artifacts/public%2Fit%27s%20a%21%20%C3%BC%2Fx~?limit=1%200");
    }

    #[test]
    fn dot_segments_are_refused_and_dots_kept() {
        static ARGS: [Cow<'static, str>; 1] = [Cow::Borrowed("name")];
        let e = entry("/secret/<name>", &ARGS, &[]);
        for arg in [".", ".."] {
            let err = Call::new(&SVC, &e)
                .arg(arg)
                .url("https://x.example", ServiceDiscoveryScheme::Default)
                .unwrap_err();
            assert!(err.message().contains("path step"), "{err}");
        }
        for arg in ["...", "a.b", ".x"] {
            let url = Call::new(&SVC, &e)
                .arg(arg)
                .url("https://x.example", ServiceDiscoveryScheme::Default)
                .unwrap();
            assert_eq!(
                url.to_string(),
                format!("https://x.example/api/queue/v1/secret/{arg}")
            );
        }
    }

    #[test]
    fn validation() {
        static ARGS: [Cow<'static, str>; 1] = [Cow::Borrowed("taskId")];
        static Q: [Cow<'static, str>; 2] =
            [Cow::Borrowed("limit"), Cow::Borrowed("continuationToken")];
        let e = entry("/task/<taskId>", &ARGS, &Q);
        let err = Call::new(&SVC, &e).validate().unwrap_err();
        assert!(
            err.message()
                .contains("takes 1 URL argument (taskId), but was given 0"),
            "{err}"
        );
        let err = Call::new(&SVC, &e).arg("").validate().unwrap_err();
        assert!(err.message().contains("taskId"), "{err}");
        let err = Call::new(&SVC, &e)
            .arg("a")
            .query("prefix", "x")
            .validate()
            .unwrap_err();
        assert_eq!(
            err.message(),
            "m takes options: limit, continuationToken but was given prefix"
        );
        let err = Call::new(&SVC, &e)
            .arg("a")
            .payload(&1)
            .unwrap()
            .validate()
            .unwrap_err();
        assert!(err.message().contains("takes no payload"));
    }

    #[test]
    fn only_optional_arguments_may_be_empty() {
        static ARGS: [Cow<'static, str>; 1] = [Cow::Borrowed("namespace")];
        let index = Service {
            name: "index".into(),
            version: "v1".into(),
        };
        let mut e = entry("/namespaces/<namespace>", &ARGS, &[]);
        let err = Call::new(&index, &e).arg("").validate().unwrap_err();
        assert_eq!(
            err.message(),
            "URL parameter namespace of m must not be empty"
        );
        for (name, route, url) in [
            ("listNamespaces", "/namespaces/<namespace>", "namespaces/"),
            ("listTasks", "/tasks/<namespace>", "tasks/"),
        ] {
            e.name = name.into();
            e.route = route.into();
            let built = Call::new(&index, &e)
                .arg("")
                .url_text("https://x.example", ServiceDiscoveryScheme::Default)
                .unwrap();
            assert_eq!(built, format!("https://x.example/api/index/v1/{url}"));
            // not the same method of another service, nor a route it does not end
            assert!(Call::new(&SVC, &e).arg("").validate().is_err());
        }
        e.route = "/tasks/<namespace>/x".into();
        assert!(Call::new(&index, &e).arg("").validate().is_err());
    }
}
