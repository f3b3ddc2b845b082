//! A scripted fake of the transfer seam: the Rust counterpart of the JS clients' `fake` option.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use super::calls::{ArtifactCalls, ObjectCalls, TransferHost};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync, Runtime, SystemRuntime};
use crate::transport::{default_transport, Transport};
use crate::{Credentials, Error, Result};

/// A call of the transfer seam ([`ObjectCalls`] and [`ArtifactCalls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// [`ObjectCalls::create_upload`].
    CreateUpload,
    /// [`ObjectCalls::finish_upload`].
    FinishUpload,
    /// [`ObjectCalls::start_download`].
    StartDownload,
    /// [`ArtifactCalls::artifact`].
    Artifact,
    /// [`ArtifactCalls::latest_artifact`].
    LatestArtifact,
}

impl Operation {
    /// The API method's name, as in the references (`createUpload`, …).
    pub fn name(self) -> &'static str {
        match self {
            Operation::CreateUpload => "createUpload",
            Operation::FinishUpload => "finishUpload",
            Operation::StartDownload => "startDownload",
            Operation::Artifact => "artifact",
            Operation::LatestArtifact => "latestArtifact",
        }
    }
}

/// One call that a [`FakeCalls`] received.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeRequest {
    /// Which call.
    pub operation: Operation,
    /// The object's name, or the artifact's.
    pub name: String,
    /// The request body; for artifact calls, `{"taskId": …, "runId": …}` (no `runId` for
    /// `latestArtifact`).
    pub request: Value,
}

/// How a [`FakeCalls`] picks the rule that answers a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleMode {
    /// The rules answer in the order they were added: a rule answers every call until its
    /// answers are used up, then the next one takes over. A call that the current rule does not
    /// match fails, naming both.
    Sequential,
    /// The first rule that matches the call and has answers left answers it.
    MatchAny,
}

trait AnswerFn: Fn(&FakeRequest) -> Result<Value> + MaybeSend + MaybeSync {}
impl<F: Fn(&FakeRequest) -> Result<Value> + MaybeSend + MaybeSync> AnswerFn for F {}

trait MatchFn: Fn(&FakeRequest) -> bool + MaybeSend + MaybeSync {}
impl<F: Fn(&FakeRequest) -> bool + MaybeSend + MaybeSync> MatchFn for F {}

/// A scripted answer of a [`FakeCalls`]: which calls it answers, with what, and how many times.
///
/// A new rule answers one call of its [`Operation`] with JSON `null` (all that `finishUpload`
/// needs); [`reply`](Self::reply), [`reply_with`](Self::reply_with) and
/// [`fail_http`](Self::fail_http) set the answer, [`matching`](Self::matching) narrows the calls,
/// and [`times`](Self::times) and [`always`](Self::always) set how often it answers.
#[derive(Clone)]
pub struct FakeRule {
    operation: Operation,
    matcher: Option<Arc<dyn MatchFn>>,
    answer: Arc<dyn AnswerFn>,
    /// How many more calls it answers (`None`: any number).
    left: Option<u32>,
}

impl fmt::Debug for FakeRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeRule")
            .field("operation", &self.operation)
            .field("matcher", &self.matcher.is_some())
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

impl FakeRule {
    /// A rule for calls of `operation`, answering one with `null`.
    pub fn on(operation: Operation) -> Self {
        FakeRule {
            operation,
            matcher: None,
            answer: Arc::new(|_: &FakeRequest| Ok(Value::Null)),
            left: Some(1),
        }
    }

    /// Answers only the calls for which `matches` holds.
    pub fn matching(
        mut self,
        matches: impl Fn(&FakeRequest) -> bool + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.matcher = Some(Arc::new(matches));
        self
    }

    /// Answers with `value`.
    pub fn reply(mut self, value: Value) -> Self {
        self.answer = Arc::new(move |_: &FakeRequest| Ok(value.clone()));
        self
    }

    /// Answers with what `answer` makes of the call (an `Err` is the call's error).
    pub fn reply_with(
        mut self,
        answer: impl Fn(&FakeRequest) -> Result<Value> + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.answer = Arc::new(answer);
        self
    }

    /// Fails as the service would with `status` and the error `body` (see [`Error::http`]).
    pub fn fail_http(mut self, status: u16, body: Value) -> Self {
        let body = body.to_string();
        self.answer = Arc::new(move |_: &FakeRequest| Err(Error::http(status, body.as_bytes())));
        self
    }

    /// Answers `n` calls.
    pub fn times(mut self, n: u32) -> Self {
        self.left = Some(n);
        self
    }

    /// Answers any number of calls.
    pub fn always(mut self) -> Self {
        self.left = None;
        self
    }

    fn matches(&self, call: &FakeRequest) -> bool {
        self.operation == call.operation && self.matcher.as_ref().is_none_or(|m| m(call))
    }
}

/// A fake of the transfer seam with scripted answers: it implements [`ObjectCalls`] and
/// [`ArtifactCalls`] from [`FakeRule`]s, records every call, and makes no API request at all.
/// The data itself goes through its [`transport`](Self::transport) (default: the platform's),
/// timed by its [`runtime`](Self::runtime) (default: [`SystemRuntime`]).
///
/// A call that no rule answers fails with an error naming the call. Clones share the rules and
/// the record, and so does [`object_with`](ArtifactCalls::object_with).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> taskcluster_wasm::Result<()> {
/// use std::sync::Arc;
/// use serde_json::json;
/// use taskcluster_wasm::objects::{self, BytesSource, FakeCalls, FakeRule, Operation, RuleMode};
/// use taskcluster_wasm::transport::RecordingTransport;
/// use taskcluster_wasm::ManualRuntime;
///
/// let storage = RecordingTransport::new();
/// storage.reply(503, &[], "").reply(200, &[], ""); // the PUTs: one failure, then success
/// let put_url = json!({"url": "https://storage.example.com/o?sig=s", "headers": {},
///                      "expires": "2100-01-01T00:00:00.000Z"});
/// let runtime = ManualRuntime::at(0);
/// let fake = FakeCalls::new(RuleMode::Sequential)
///     .rule(FakeRule::on(Operation::CreateUpload).reply(json!({"uploadMethod": {"putUrl": put_url}})))
///     .rule(FakeRule::on(Operation::FinishUpload))
///     .transport(Arc::new(storage.clone()))
///     .runtime(Arc::new(runtime.clone()));
/// let opts = objects::UploadOptions {
///     project_id: "p".into(),
///     name: "o".into(),
///     expires: "2100-01-01T00:00:00.000Z".into(),
///     content_type: "text/plain".into(),
///     content_length: 10_000,
///     ..Default::default()
/// };
/// objects::upload(&fake, &opts, &BytesSource(vec![7; 10_000].into())).await?;
/// let calls: Vec<_> = fake.calls().iter().map(|c| c.operation.name()).collect();
/// assert_eq!(calls, ["createUpload", "finishUpload"]);
/// assert_eq!(fake.unanswered(), 0, "every scripted answer was used");
/// assert_eq!(storage.requests().len(), 2);
/// assert_eq!(runtime.sleeps().len(), 1, "one backoff between the PUTs");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FakeCalls {
    mode: RuleMode,
    state: Arc<Mutex<State>>,
    transport: Arc<dyn Transport>,
    runtime: Arc<dyn Runtime>,
}

#[derive(Default)]
struct State {
    rules: Vec<FakeRule>,
    calls: Vec<FakeRequest>,
}

impl fmt::Debug for FakeCalls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.lock();
        f.debug_struct("FakeCalls")
            .field("mode", &self.mode)
            .field("rules", &s.rules)
            .field("calls", &s.calls)
            .finish_non_exhaustive()
    }
}

impl FakeCalls {
    /// A fake with no rules yet, over the platform's transport and runtime.
    pub fn new(mode: RuleMode) -> Self {
        FakeCalls {
            mode,
            state: Default::default(),
            transport: default_transport(),
            runtime: Arc::new(SystemRuntime),
        }
    }

    /// Adds a rule, after the others.
    pub fn rule(self, rule: FakeRule) -> Self {
        self.lock().rules.push(rule);
        self
    }

    /// The transport for the transfer's data (the PUTs and GETs to storage).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = transport;
        self
    }

    /// The clock, sleeps and randomness of the transfer's retries and timeouts.
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// Every call received so far, in order (answered or not).
    pub fn calls(&self) -> Vec<FakeRequest> {
        self.lock().calls.clone()
    }

    /// How many answers the rules that answer a limited number of calls still hold.
    pub fn unanswered(&self) -> u32 {
        self.lock().rules.iter().filter_map(|r| r.left).sum()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn answer(&self, operation: Operation, name: &str, request: Value) -> Result<Value> {
        let call = FakeRequest {
            operation,
            name: name.to_owned(),
            request,
        };
        let answer = {
            let mut s = self.lock();
            s.calls.push(call.clone());
            let has_answers = |r: &FakeRule| r.left != Some(0);
            let picked = match self.mode {
                RuleMode::Sequential => match s.rules.iter().position(has_answers) {
                    Some(i) if s.rules[i].matches(&call) => Some(i),
                    Some(i) => {
                        return Err(Error::invalid_input(format!(
                            "FakeCalls expected {} next (rule {}), not {}({name:?})",
                            s.rules[i].operation.name(),
                            i + 1,
                            operation.name()
                        )))
                    }
                    None => None,
                },
                RuleMode::MatchAny => s
                    .rules
                    .iter()
                    .position(|r| has_answers(r) && r.matches(&call)),
            };
            let Some(i) = picked else {
                return Err(Error::invalid_input(format!(
                    "FakeCalls has no answer for {}({name:?})",
                    operation.name()
                )));
            };
            let rule = &mut s.rules[i];
            if let Some(left) = rule.left.as_mut() {
                *left -= 1;
            }
            rule.answer.clone()
        };
        answer(&call)
    }
}

impl TransferHost for FakeCalls {
    fn transport(&self) -> Arc<dyn Transport> {
        self.transport.clone()
    }
    fn runtime(&self) -> Arc<dyn Runtime> {
        self.runtime.clone()
    }
}

impl ObjectCalls for FakeCalls {
    fn create_upload<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        let r = self.answer(Operation::CreateUpload, name, request.clone());
        Box::pin(async move { r })
    }
    fn finish_upload<'a>(&'a self, name: &'a str, request: &'a Value) -> BoxFuture<'a, Result<()>> {
        let r = self.answer(Operation::FinishUpload, name, request.clone());
        Box::pin(async move { r.map(|_| ()) })
    }
    fn start_download<'a>(
        &'a self,
        name: &'a str,
        request: &'a Value,
    ) -> BoxFuture<'a, Result<Value>> {
        let r = self.answer(Operation::StartDownload, name, request.clone());
        Box::pin(async move { r })
    }
}

impl ArtifactCalls for FakeCalls {
    fn artifact<'a>(
        &'a self,
        task_id: &'a str,
        run_id: u32,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        let request = json!({"taskId": task_id, "runId": run_id});
        let r = self.answer(Operation::Artifact, name, request);
        Box::pin(async move { r })
    }
    fn latest_artifact<'a>(
        &'a self,
        task_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Value>> {
        let r = self.answer(Operation::LatestArtifact, name, json!({"taskId": task_id}));
        Box::pin(async move { r })
    }
    fn object_with(&self, _credentials: Credentials) -> Result<Box<dyn ObjectCalls>> {
        Ok(Box::new(self.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(fake: &FakeCalls, op: Operation, name: &str) -> Result<Value> {
        fake.answer(op, name, json!({}))
    }

    #[test]
    fn sequential_rules_answer_in_order() {
        let fake = FakeCalls::new(RuleMode::Sequential)
            .rule(
                FakeRule::on(Operation::StartDownload)
                    .reply(json!(1))
                    .times(2),
            )
            .rule(FakeRule::on(Operation::StartDownload).fail_http(503, json!({"code": "X"})))
            .rule(FakeRule::on(Operation::CreateUpload).reply(json!(3)));
        assert_eq!(call(&fake, Operation::StartDownload, "a").unwrap(), 1);
        assert_eq!(call(&fake, Operation::StartDownload, "b").unwrap(), 1);
        let e = call(&fake, Operation::StartDownload, "c").unwrap_err();
        assert_eq!((e.status(), e.code()), (Some(503), Some("X")));
        let e = call(&fake, Operation::StartDownload, "d").unwrap_err();
        assert!(
            e.message()
                .contains("expected createUpload next (rule 3), not startDownload(\"d\")"),
            "{e}"
        );
        assert_eq!(call(&fake, Operation::CreateUpload, "e").unwrap(), 3);
        let e = call(&fake, Operation::CreateUpload, "f").unwrap_err();
        assert!(e.message().contains("no answer for createUpload(\"f\")"));
        let names: Vec<String> = fake.calls().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(fake.unanswered(), 0);
    }

    #[test]
    fn match_any_rules_answer_by_match() {
        let fake = FakeCalls::new(RuleMode::MatchAny)
            .rule(
                FakeRule::on(Operation::StartDownload)
                    .matching(|c| c.name == "special")
                    .reply(json!("special")),
            )
            .rule(
                FakeRule::on(Operation::StartDownload)
                    .reply_with(|c| Ok(json!(format!("any:{}", c.name))))
                    .always(),
            )
            .rule(FakeRule::on(Operation::FinishUpload).times(3));
        assert_eq!(call(&fake, Operation::StartDownload, "x").unwrap(), "any:x");
        assert_eq!(
            call(&fake, Operation::StartDownload, "special").unwrap(),
            "special"
        );
        assert_eq!(
            call(&fake, Operation::StartDownload, "special").unwrap(),
            "any:special",
            "the first rule is used up: the catch-all answers"
        );
        assert!(call(&fake, Operation::CreateUpload, "u").is_err());
        assert_eq!(fake.unanswered(), 3, "finishUpload's three answers");
    }
}
