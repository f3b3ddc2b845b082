//! Pulse exchanges and routing-key bindings, as the Events classes of the JS client compute them.

use std::borrow::Cow;

use crate::{Error, Result};

/// One element of an exchange's routing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingKeyElement {
    /// The element's name (`taskId`).
    pub name: Cow<'static, str>,
    /// Whether it may hold several dot-separated words (matched by `#`, else `*`).
    pub multiple_words: bool,
    /// Whether publishers always fill it in.
    pub required: bool,
    /// A constant value (`primary` for `routingKeyKind`).
    pub constant: Option<Cow<'static, str>>,
}

/// A topic exchange, as its reference describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The method name (`taskCompleted`).
    pub name: Cow<'static, str>,
    /// The exchange suffix (`task-completed`).
    pub exchange: Cow<'static, str>,
    /// The routing key, element by element.
    pub routing_key: Cow<'static, [RoutingKeyElement]>,
}

/// What to bind a queue with: the exchange and a routing-key pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The full exchange name.
    pub exchange: String,
    /// The routing-key pattern (`primary.<taskId>.*.*.*.*.*.*.*.#`).
    pub routing_key_pattern: String,
}

/// The binding for `exchange` under `prefix`, with `pattern` giving values by element name.
/// Constants are always used; elements not given match anything (`*`, or `#` for multi-word
/// elements). A single-word element must not contain a dot; unknown names are refused.
pub fn binding(prefix: &str, exchange: &Exchange, pattern: &[(&str, &str)]) -> Result<Binding> {
    for (name, _) in pattern {
        if !exchange.routing_key.iter().any(|k| k.name == *name) {
            let names: Vec<&str> = exchange
                .routing_key
                .iter()
                .map(|k| k.name.as_ref())
                .collect();
            return Err(Error::invalid_input(format!(
                "{} has no routing-key element {name:?}; it has {}",
                exchange.name,
                names.join(", ")
            )));
        }
    }
    let mut parts = Vec::with_capacity(exchange.routing_key.len());
    for key in exchange.routing_key.iter() {
        if let Some(c) = &key.constant {
            parts.push(c.to_string());
            continue;
        }
        match pattern.iter().find(|(n, _)| *n == key.name) {
            Some((_, v)) => {
                if !key.multiple_words && v.contains('.') {
                    return Err(Error::invalid_input(format!(
                        "routingKey value {v:?} for {} cannot contain dots as it does not hold multiple words",
                        key.name
                    )));
                }
                parts.push(v.to_string());
            }
            None => parts.push(if key.multiple_words { "#" } else { "*" }.to_string()),
        }
    }
    Ok(Binding {
        exchange: format!("{prefix}{}", exchange.exchange),
        routing_key_pattern: parts.join("."),
    })
}
