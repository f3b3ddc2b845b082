//! Reading JS values with errors that name the offending option.

use std::time::Duration;

use js_sys::{Array, Date, Object, Reflect, JSON};
use wasm_bindgen::{JsCast, JsValue};

use super::error::{input_error, to_js_error, JsResult};
use crate::{Credentials, RetryPolicy};

/// A property, or `None` when it is `undefined` or `null`.
pub(super) fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// JavaScript's `typeof`.
pub(super) fn js_type(v: &JsValue) -> String {
    v.js_typeof()
        .as_string()
        .unwrap_or_else(|| "unknown".into())
}

pub(super) fn get_string(target: &JsValue, key: &str) -> JsResult<Option<String>> {
    match get(target, key) {
        None => Ok(None),
        Some(v) => v.as_string().map(Some).ok_or_else(|| {
            input_error(format!(
                "options.{key} must be a string, but we received a: {}",
                js_type(&v)
            ))
        }),
    }
}

pub(super) fn number_field(target: &JsValue, key: &str) -> JsResult<Option<f64>> {
    match get(target, key) {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| {
            input_error(format!(
                "options.{key} must be a number, but we received a: {}",
                js_type(&v)
            ))
        }),
    }
}

/// The longest duration any option takes, in milliseconds: 8.64e15 (100,000,000 days, the
/// range of a JS `Date`). Longer values are rejected with an error naming the option. A wait
/// beyond what one host timer takes (2^31 − 1 ms, 24.8 days) waits 24.8 days (see
/// `platform::wasm` and the fetch transport).
pub(super) const MAX_DURATION_MS: f64 = 8.64e15;

/// `target[key]` as a number that `ok` accepts; `None` when it is `undefined` or `null`.
/// Otherwise the error reads `"{prefix}.{key} must be {expected}, got …"`, with the value (a
/// number) or its type.
fn number_in(
    target: &JsValue,
    key: &str,
    prefix: &str,
    ok: fn(f64) -> bool,
    expected: &str,
) -> JsResult<Option<f64>> {
    let Some(v) = get(target, key) else {
        return Ok(None);
    };
    let got = match v.as_f64() {
        Some(n) if ok(n) => return Ok(Some(n)),
        Some(n) => number_to_string(n),
        None => format!("a {}", js_type(&v)),
    };
    Err(input_error(format!(
        "{prefix}.{key} must be {expected}, got {got}"
    )))
}

/// `target[key]` as a duration in milliseconds: a number from 0 to [`MAX_DURATION_MS`] (so
/// never NaN, infinite or negative); `None` when it is `undefined` or `null`. `prefix` names
/// the object in messages: `"options"` gives `"options.timeout must be a number of
/// milliseconds from 0 to 8640000000000000, got Infinity"`. Every duration option of the
/// package goes through here, so none reaches a panicking conversion.
pub(super) fn duration_field(
    target: &JsValue,
    key: &str,
    prefix: &str,
) -> JsResult<Option<Duration>> {
    let ms = number_in(
        target,
        key,
        prefix,
        |n| (0.0..=MAX_DURATION_MS).contains(&n),
        "a number of milliseconds from 0 to 8640000000000000",
    )?;
    // ≤ 8.64e18 µs: inside u64, so the conversion is exact to the microsecond.
    Ok(ms.map(|n| Duration::from_micros((n * 1000.0) as u64)))
}

/// `target[key]` as a whole number from 0 to `u32::MAX`; `None` when `undefined` or `null`.
pub(super) fn count_field(target: &JsValue, key: &str, prefix: &str) -> JsResult<Option<u32>> {
    let n = number_in(
        target,
        key,
        prefix,
        |n| (0.0..=f64::from(u32::MAX)).contains(&n) && n.fract() == 0.0,
        "a whole number from 0 to 4294967295",
    )?;
    Ok(n.map(|n| n as u32))
}

/// The retry options of the Node client (`retries`, `delayFactor`, `randomizationFactor`,
/// `maxDelay`, all optional) over `base`, each checked, naming `prefix.key` when one is wrong:
/// `retries` through [`count_field`], the two delays through [`duration_field`], and
/// `randomizationFactor` in `[0, 1)`.
pub(super) fn retry_policy(
    options: &JsValue,
    base: RetryPolicy,
    prefix: &str,
) -> JsResult<RetryPolicy> {
    let mut retry = base;
    if let Some(n) = count_field(options, "retries", prefix)? {
        retry.retries = n;
    }
    if let Some(d) = duration_field(options, "delayFactor", prefix)? {
        retry.delay_factor = d;
    }
    if let Some(d) = duration_field(options, "maxDelay", prefix)? {
        retry.max_delay = d;
    }
    if let Some(rf) = number_in(
        options,
        "randomizationFactor",
        prefix,
        |n| (0.0..1.0).contains(&n),
        "between 0 and 1 (at least 0, less than 1)",
    )? {
        retry.randomization_factor = rf;
    }
    Ok(retry)
}

pub(super) fn string_array(v: &JsValue, what: &str) -> JsResult<Vec<String>> {
    if !Array::is_array(v) {
        return Err(input_error(format!("{what} must be an array of strings")));
    }
    Array::from(v)
        .iter()
        .map(|s| {
            s.as_string().ok_or_else(|| {
                input_error(format!(
                    "{what} must be an array of strings, but holds a {}",
                    js_type(&s)
                ))
            })
        })
        .collect()
}

/// A number as JavaScript's `String(n)` writes it (integers without `.0`). Formatting goes
/// through JS: Rust's float formatting would add kilobytes to the module.
pub(super) fn number_to_string(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_else(|_| "NaN".into())
}

/// `JSON.stringify(v)` as text, or an error saying `what` cannot be serialised. `JSON.stringify`
/// gives `undefined` for a function, a symbol or a `toJSON` that returns nothing, and throws for
/// a BigInt or a cycle: all are errors here. (js-sys's `String::from(JsString)` would throw
/// through the wasm frames instead, which leaks the module's stack.)
pub(super) fn json_text(v: &JsValue, what: &str) -> JsResult<String> {
    JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| input_error(format!("{what} cannot be serialized to JSON")))
}

/// The time value of a `Date`, read with the intrinsic `Date.prototype.getTime`, so that a
/// subclass overriding `getTime` cannot throw through the wasm frames. NaN when invalid.
pub(super) fn date_time(d: &Date) -> f64 {
    let intrinsic = Reflect::get(&Date::new_0(), &JsValue::from_str("getTime"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    intrinsic
        .and_then(|f| Reflect::apply(&f, d, &Array::new()).ok())
        .and_then(|t| t.as_f64())
        .unwrap_or(f64::NAN)
}

/// Milliseconds since the epoch of a `Date` (or a number of milliseconds).
pub(super) fn date_ms(v: &JsValue, what: &str) -> JsResult<f64> {
    let ms = if let Some(d) = v.dyn_ref::<Date>() {
        date_time(d)
    } else if let Some(n) = v.as_f64() {
        n
    } else {
        return Err(input_error(format!("options.{what} must be a Date")));
    };
    if ms.is_nan() {
        return Err(input_error(format!("options.{what} is an invalid Date")));
    }
    Ok(ms)
}

/// Node-client credentials: used only when both `clientId` and `accessToken` are set; the
/// certificate may be a JSON string or an object.
pub(super) fn credentials(v: &JsValue) -> JsResult<Option<Credentials>> {
    if !v.is_object() {
        return Err(input_error("options.credentials must be an object"));
    }
    let id = get_string(v, "clientId")?.unwrap_or_default();
    let token = get_string(v, "accessToken")?.unwrap_or_default();
    if id.is_empty() || token.is_empty() {
        return Ok(None);
    }
    let creds = Credentials::new(id, token);
    let cert = match get(v, "certificate") {
        None => return Ok(Some(creds)),
        Some(c) => match c.as_string() {
            Some(s) => {
                if JSON::parse(&s).is_err() {
                    return Err(input_error(
                        "JSON.parse(): Failed for configured certificate",
                    ));
                }
                s
            }
            None if c.is_object() => json_text(&c, "credentials.certificate")?,
            None => {
                return Err(input_error(
                    "credentials.certificate must be a string or an object",
                ))
            }
        },
    };
    creds
        .with_certificate(&cert)
        .map(Some)
        .map_err(|e| to_js_error(&e))
}

pub(super) fn credentials_to_js(c: &Credentials) -> JsResult<JsValue> {
    let out = Object::new();
    Reflect::set(&out, &"clientId".into(), &c.client_id().into())?;
    Reflect::set(&out, &"accessToken".into(), &c.access_token().into())?;
    if let Some(cert) = c.certificate() {
        Reflect::set(&out, &"certificate".into(), &cert.as_json().into())?;
    }
    Ok(out.into())
}
