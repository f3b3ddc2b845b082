//! Scope satisfaction, scope expressions and role expansion (taskcluster-lib-scopes semantics).

use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};

/// Whether `s` is a valid scope: printable ASCII (0x20–0x7E).
pub(crate) fn valid_scope(s: &str) -> bool {
    s.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// Whether the held scope `held` satisfies `required`.
pub(crate) fn scope_satisfies(held: &str, required: &str) -> bool {
    if held == required {
        return true;
    }
    match held.strip_suffix('*') {
        Some(prefix) => required.starts_with(prefix),
        None => false,
    }
}

/// Whether `scopes` satisfy `required`.
pub(crate) fn satisfies(scopes: &[String], required: &str) -> bool {
    scopes.iter().any(|s| scope_satisfies(s, required))
}

/// Whether `scopes` satisfy every scope in `required`.
pub(crate) fn satisfies_all(scopes: &[String], required: &[String]) -> bool {
    required.iter().all(|r| satisfies(scopes, r))
}

/// A concrete scope expression (after parameter substitution).
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    Scope(String),
    AnyOf(Vec<Expr>),
    AllOf(Vec<Expr>),
}

impl Expr {
    /// Evaluate against a scope set.
    pub(crate) fn satisfied(&self, scopes: &[String]) -> bool {
        match self {
            Expr::Scope(s) => satisfies(scopes, s),
            Expr::AnyOf(v) => v.iter().any(|e| e.satisfied(scopes)),
            Expr::AllOf(v) => v.iter().all(|e| e.satisfied(scopes)),
        }
    }

    /// The part of the expression that is not satisfied, as an expression.
    pub(crate) fn unsatisfied(&self, scopes: &[String]) -> Option<Expr> {
        match self {
            Expr::Scope(s) => (!satisfies(scopes, s)).then(|| self.clone()),
            Expr::AllOf(v) => {
                let missing: Vec<Expr> = v.iter().filter_map(|e| e.unsatisfied(scopes)).collect();
                match missing.len() {
                    0 => None,
                    1 => missing.into_iter().next(),
                    _ => Some(Expr::AllOf(missing)),
                }
            }
            Expr::AnyOf(v) => {
                if v.iter().any(|e| e.satisfied(scopes)) {
                    None
                } else {
                    let mut missing: Vec<Expr> =
                        v.iter().filter_map(|e| e.unsatisfied(scopes)).collect();
                    // removeGivenScopes: a single alternative stands for itself
                    if missing.len() == 1 {
                        missing.pop()
                    } else {
                        Some(Expr::AnyOf(missing))
                    }
                }
            }
        }
    }

    /// JSON form (`"scope"`, `{"AnyOf": [..]}`, `{"AllOf": [..]}`).
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Expr::Scope(s) => json!(s),
            Expr::AnyOf(v) => json!({"AnyOf": v.iter().map(|e| e.to_json()).collect::<Vec<_>>()}),
            Expr::AllOf(v) => json!({"AllOf": v.iter().map(|e| e.to_json()).collect::<Vec<_>>()}),
        }
    }
}

/// Substitute `<param>` in a template string. Errors with the name of a missing param.
fn subst(tmpl: &str, params: &Map<String, Value>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = tmpl;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        match params.get(name) {
            Some(Value::String(s)) => out.push_str(s),
            Some(Value::Number(n)) => out.push_str(&n.to_string()),
            Some(Value::Bool(b)) => out.push_str(&b.to_string()),
            _ => return Err(name.to_string()),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Render a reference-style scope expression template with parameters.
pub(crate) fn render(tmpl: &Value, params: &Map<String, Value>) -> Result<Expr, String> {
    match tmpl {
        Value::String(s) => Ok(Expr::Scope(subst(s, params)?)),
        Value::Object(o) => {
            if let Some(Value::Array(a)) = o.get("AnyOf") {
                return Ok(Expr::AnyOf(render_list(a, params)?));
            }
            if let Some(Value::Array(a)) = o.get("AllOf") {
                return Ok(Expr::AllOf(render_list(a, params)?));
            }
            if let (Some(Value::String(each)), Some(Value::String(var)), Some(Value::String(inp))) =
                (o.get("each"), o.get("for"), o.get("in"))
            {
                let list = match params.get(inp) {
                    Some(Value::Array(a)) => a.clone(),
                    _ => return Err(inp.clone()),
                };
                let mut out = Vec::new();
                for item in list {
                    let mut p = params.clone();
                    p.insert(var.clone(), item);
                    out.push(Expr::Scope(subst(each, &p)?));
                }
                // "each" expands inside its parent AllOf/AnyOf; as a standalone it is AllOf
                return Ok(Expr::AllOf(out));
            }
            if let Some(Value::String(cond)) = o.get("if") {
                // a condition not given yet is a missing parameter: the handler supplies it
                let truthy = match params.get(cond) {
                    Some(Value::Bool(b)) => *b,
                    Some(Value::Null) => false,
                    Some(_) => true,
                    None => return Err(cond.clone()),
                };
                let branch = if truthy { o.get("then") } else { o.get("else") };
                return match branch {
                    Some(b) => render(b, params),
                    None => Ok(Expr::AllOf(vec![])),
                };
            }
            Err("<invalid scope expression>".into())
        }
        _ => Err("<invalid scope expression>".into()),
    }
}

fn render_list(a: &[Value], params: &Map<String, Value>) -> Result<Vec<Expr>, String> {
    let mut out = Vec::new();
    for t in a {
        let is_each = t.as_object().is_some_and(|o| o.contains_key("each"));
        match render(t, params)? {
            // an `each` inside a list splices its scopes into that list
            Expr::AllOf(v) if is_each => out.extend(v),
            e => out.push(e),
        }
    }
    Ok(out)
}

/// Role table: roleId → scopes. Expansion follows `assume:<roleId>` with `*` suffixes on both
/// sides, to a fixed point, and returns a normalized (sorted, non-redundant) set.
pub(crate) fn expand(scopes: &[String], roles: &HashMap<String, Vec<String>>) -> Vec<String> {
    let mut set: BTreeSet<String> = scopes.iter().cloned().collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    loop {
        let mut added = false;
        let current: Vec<String> = set.iter().cloned().collect();
        for s in &current {
            if done.contains(s) {
                continue;
            }
            done.insert(s.clone());
            for (role_id, role_scopes) in roles {
                let assume = format!("assume:{role_id}");
                // a held scope grants the role if it satisfies `assume:<roleId>`; a role id
                // ending in `*` is granted by any `assume:<prefix>...` scope
                let granted = scope_satisfies(s, &assume)
                    || assume
                        .strip_suffix('*')
                        .is_some_and(|p| s.starts_with(p) && p.len() >= "assume:".len());
                if granted {
                    for rs in role_scopes {
                        if set.insert(rs.clone()) {
                            added = true;
                        }
                    }
                }
            }
        }
        if !added {
            break;
        }
    }
    normalize(set.into_iter().collect())
}

/// Sort, de-duplicate and drop scopes implied by another `*` scope.
pub(crate) fn normalize(scopes: Vec<String>) -> Vec<String> {
    let set: BTreeSet<String> = scopes.into_iter().collect();
    let all: Vec<String> = set.iter().cloned().collect();
    set.into_iter()
        .filter(|s| {
            !all.iter()
                .any(|o| o != s && o.ends_with('*') && scope_satisfies(o, s))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn satisfaction() {
        let held = vec!["queue:*".to_string(), "a:b".to_string()];
        assert!(satisfies(&held, "queue:get"));
        assert!(satisfies(&held, "queue:"));
        assert!(!satisfies(&held, "queue"));
        assert!(satisfies(&held, "a:b"));
        assert!(!satisfies(&held, "a:bc"));
        assert!(satisfies(&["*".to_string()], "anything"));
    }

    #[test]
    fn expressions() {
        let t: Value = serde_json::from_str(
            r#"{"AllOf":["auth:create-client:<clientId>",{"each":"<scope>","for":"scope","in":"scopes"}]}"#,
        )
        .unwrap();
        let p = json!({"clientId": "x", "scopes": ["a", "b"]});
        let e = render(&t, p.as_object().unwrap()).unwrap();
        assert!(e.satisfied(&["auth:create-client:x".into(), "a".into(), "b".into()]));
        assert!(!e.satisfied(&["auth:create-client:x".into(), "a".into()]));
    }

    #[test]
    fn roles() {
        let mut r = HashMap::new();
        r.insert("anonymous".to_string(), vec!["ping:*".to_string()]);
        r.insert("proj:*".to_string(), vec!["secrets:get:proj".to_string()]);
        let e = expand(&["assume:anonymous".into(), "assume:proj:x".into()], &r);
        assert_eq!(
            e,
            vec![
                "assume:anonymous",
                "assume:proj:x",
                "ping:*",
                "secrets:get:proj"
            ]
        );
    }
}
