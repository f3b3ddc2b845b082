//! The services, one module each. Every service exports its endpoint table and handler as a
//! [`crate::call::Service`] (`SERVICE`); the server assembles them into the router
//! ([`crate::server`]). A service knows the call and reply types ([`crate::call`]) and the
//! state ([`crate::state`]), never the dispatcher. The queue uses the object service's
//! operations for object artifacts; hooks create tasks through the queue's operations; no
//! service uses hooks.

pub(crate) mod auth;
pub(crate) mod credentials;
pub(crate) mod hooks;
pub(crate) mod index;
pub(crate) mod object;
pub(crate) mod queue;
pub(crate) mod secrets;
pub(crate) mod workers;
