//! Deciding when feedback is due: suspicious command outputs and results that do not fit
//! their expected format.

use serde_json::Value;

use crate::llm::protocol::{ResultFields, extract_json};
use crate::ops::OpsOutput;

/// Why an output looks failed, or `None` when it looks fine: a non-zero status, an error on
/// stderr, kubectl's "No resources found", or a Prometheus answer that is an error or empty.
pub fn suspicious(output: &OpsOutput) -> Option<String> {
    let first = |text: &str| {
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    if output.status != 0 {
        let text = if output.stderr.trim().is_empty() {
            &output.stdout
        } else {
            &output.stderr
        };
        return Some(format!("exit status {}: {}", output.status, first(text)));
    }
    if output.stderr.contains("No resources found") {
        return Some(first(&output.stderr));
    }
    if output.stderr.to_lowercase().contains("error") {
        return Some(first(&output.stderr));
    }
    let stdout = output.stdout.trim_start();
    if stdout.starts_with('{')
        && let Ok(json) = serde_json::from_str::<Value>(stdout)
    {
        if json.get("status").and_then(Value::as_str) == Some("error") {
            let error = json
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error");
            return Some(format!("Prometheus answered with an error: {error}"));
        }
        if json
            .pointer("/data/result")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            return Some("Prometheus returned no series for this query".to_owned());
        }
    }
    None
}

/// What a result lacks against its expected format: keys missing or null, and values whose
/// JSON type differs from the example's (a sentence where a number or a boolean was asked).
/// Returns `None` when it fits (or when the expected format is not a JSON object).
pub fn peer_check(result: &ResultFields, expected_format: &str) -> Option<String> {
    let Some(Value::Object(expected)) = extract_json(expected_format) else {
        return None;
    };
    let mut problems: Vec<String> = Vec::new();
    let missing: Vec<&str> = expected
        .keys()
        .filter(|k| result.get(*k).is_none_or(Value::is_null))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing {}", missing.join(", ")));
    }
    for (key, example) in &expected {
        let Some(value) = result.get(key).filter(|v| !v.is_null()) else {
            continue;
        };
        let wanted = match example {
            Value::Bool(_) if !value.is_boolean() => "a boolean",
            Value::Number(_) if !value.is_number() => "a number",
            _ => continue,
        };
        problems.push(format!("{key} must be {wanted}, not {value}"));
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "Your result does not match the expected result format: {}. Reply with a result that has exactly the keys and value types of the expected format {expected_format}.",
        problems.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn empty_and_failed_outputs_are_suspicious() {
        let out = |stdout: &str, stderr: &str, status| OpsOutput {
            stdout: stdout.into(),
            stderr: stderr.into(),
            status,
        };
        assert!(suspicious(&out("", "No resources found in default namespace.\n", 0)).is_some());
        assert!(
            suspicious(&out("", "error: unknown flag: --replica\n", 1))
                .unwrap()
                .starts_with("exit status 1")
        );
        assert!(
            suspicious(&out(
                "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
                "",
                0
            ))
            .is_some()
        );
        assert!(suspicious(&out("NAME READY\ncatalogue 1/1\n", "", 0)).is_none());
    }

    #[test]
    fn missing_keys_are_named() {
        let mut result = ResultFields::new();
        result.insert("component".into(), Value::from("catalogue"));
        let why = peer_check(
            &result,
            "{\"service\": \"catalogue\", \"ready_replicas\": 0}",
        )
        .unwrap();
        assert!(why.contains("missing ready_replicas, service"), "{why}");
        result.insert("service".into(), Value::from("catalogue"));
        result.insert("ready_replicas".into(), Value::from(1));
        assert!(
            peer_check(
                &result,
                "{\"service\": \"catalogue\", \"ready_replicas\": 0}"
            )
            .is_none()
        );
        assert!(peer_check(&result, "").is_none());
        result.insert("ready_replicas".into(), Value::from("one replica"));
        let why = peer_check(&result, "{\"ready_replicas\": 0}").unwrap();
        assert!(why.contains("ready_replicas must be a number"), "{why}");
    }
}
