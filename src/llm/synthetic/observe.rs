//! Reading command lines and their outputs from prompt text: kubectl tables, Prometheus JSON,
//! and the error messages of kubectl and curl.

use std::collections::BTreeMap;

/// A kubectl table: column headings and rows, sliced at the heading positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<BTreeMap<String, String>>,
}

impl Table {
    /// Reads the first table in `text`: a line of upper-case headings followed by rows.
    pub(crate) fn parse(text: &str) -> Option<Table> {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines.iter().position(|l| is_heading_line(l))?;
        let heading = lines[start];

        // Column starts are where each heading word begins.
        let mut starts = Vec::new();
        let mut columns = Vec::new();
        let mut previous_space = true;
        for (i, c) in heading.char_indices() {
            if c != ' ' && previous_space {
                starts.push(i);
            }
            previous_space = c == ' ';
        }
        for (n, &s) in starts.iter().enumerate() {
            let end = starts.get(n + 1).copied().unwrap_or(heading.len());
            columns.push(heading[s..end].trim().to_owned());
        }

        let mut rows = Vec::new();
        for line in &lines[start + 1..] {
            if line.trim().is_empty() || is_heading_line(line) {
                break;
            }
            let mut row = BTreeMap::new();
            for (n, column) in columns.iter().enumerate() {
                let s = starts[n].min(line.len());
                let e = starts
                    .get(n + 1)
                    .copied()
                    .unwrap_or(line.len())
                    .min(line.len());
                let value = if n + 1 == columns.len() {
                    &line[s..]
                } else {
                    &line[s..e.max(s)]
                };
                row.insert(column.clone(), value.trim().to_owned());
            }
            rows.push(row);
        }
        Some(Table { columns, rows })
    }

    /// The rows whose NAME is `service` or one of its pods or replica sets.
    pub(crate) fn rows_of<'t>(
        &'t self,
        service: &'t str,
    ) -> impl Iterator<Item = &'t BTreeMap<String, String>> {
        self.rows.iter().filter(move |row| {
            row.get("NAME")
                .is_some_and(|name| belongs_to(strip_kind(name), service))
        })
    }
}

fn is_heading_line(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.starts_with("NAME") || (trimmed.starts_with("NAMESPACE") && trimmed.contains("NAME"))
}

/// `deployment.apps/catalogue` → `catalogue`.
pub(crate) fn strip_kind(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Whether an object name is the service itself, or a replica set or pod of it:
/// `catalogue`, `catalogue-6d8f9c7b5`, `catalogue-6d8f9c7b5-x2x9k`, but not `catalogue-db-...`.
pub(crate) fn belongs_to(name: &str, service: &str) -> bool {
    if service.is_empty() {
        return false;
    }
    if name == service {
        return true;
    }
    let Some(rest) = name.strip_prefix(service).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    let hashlike = |p: &str| {
        (5..=10).contains(&p.len())
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars().any(|c| c.is_ascii_digit())
    };
    match parts.as_slice() {
        [hash] => hashlike(hash),
        [hash, suffix] => hashlike(hash) && suffix.len() == 5,
        _ => false,
    }
}

/// What a Prometheus HTTP API answer says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PromOutcome {
    /// A non-empty vector or matrix: each series' labels and its (last) value.
    Values(Vec<(BTreeMap<String, String>, f64)>),
    /// A success with no series.
    Empty,
    /// An error answer.
    Error(String),
}

/// Reads a Prometheus API answer from command output; `None` when it is not one.
pub(crate) fn prom_outcome(output: &str) -> Option<PromOutcome> {
    let start = output.find('{')?;
    let value: serde_json::Value = serde_json::from_str(output[start..].trim()).ok()?;
    let status = value.get("status")?.as_str()?;
    if status != "success" {
        let message = value
            .get("error")
            .and_then(|e| e.as_str())
            .unwrap_or("error");
        return Some(PromOutcome::Error(message.to_owned()));
    }
    let data = value.get("data")?;
    let result = data.get("result")?;
    let series = match result {
        serde_json::Value::Array(items) => items,
        // A scalar result: [time, "value"].
        _ => {
            return Some(PromOutcome::Values(vec![(
                BTreeMap::new(),
                sample_value(result)?,
            )]));
        }
    };
    let mut values = Vec::new();
    for item in series {
        let labels = item
            .get("metric")
            .and_then(|m| m.as_object())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        let sample = item
            .get("value")
            .or_else(|| item.get("values").and_then(|vs| vs.as_array()?.last()));
        if let Some(v) = sample.and_then(sample_value) {
            values.push((labels, v));
        }
    }
    if values.is_empty() {
        Some(PromOutcome::Empty)
    } else {
        Some(PromOutcome::Values(values))
    }
}

fn sample_value(sample: &serde_json::Value) -> Option<f64> {
    sample.as_array()?.get(1)?.as_str()?.parse().ok()
}

/// The namespace a kubectl command line addresses: its `-n`/`--namespace` value, `*` for
/// `-A`/`--all-namespaces`, `default` otherwise.
pub(crate) fn command_namespace(command: &str) -> String {
    let words = words(command);
    for (i, w) in words.iter().enumerate() {
        if w == "-A" || w == "--all-namespaces" {
            return "*".to_owned();
        }
        if (w == "-n" || w == "--namespace") && i + 1 < words.len() {
            return words[i + 1].clone();
        }
        if let Some(v) = w
            .strip_prefix("--namespace=")
            .or_else(|| w.strip_prefix("-n="))
        {
            return v.to_owned();
        }
    }
    "default".to_owned()
}

/// The label key of a `-l key=value` / `--selector key=value` selector whose value is
/// `service`.
pub(crate) fn command_label_key(command: &str, service: &str) -> Option<String> {
    let words = words(command);
    for (i, w) in words.iter().enumerate() {
        let selector = if w == "-l" || w == "--selector" {
            words.get(i + 1).cloned()
        } else {
            w.strip_prefix("--selector=")
                .or_else(|| w.strip_prefix("-l="))
                .map(str::to_owned)
        };
        if let Some(selector) = selector {
            for term in selector.split(',') {
                if let Some((k, v)) = term.split_once('=')
                    && v == service
                {
                    return Some(k.to_owned());
                }
            }
        }
    }
    None
}

/// The PromQL query a curl command line sends, decoded: from `--data-urlencode 'query=...'`,
/// or from a `query=` URL parameter.
pub(crate) fn command_query(command: &str) -> Option<String> {
    if !command.trim_start().starts_with("curl") {
        return None;
    }
    let words = words(command);
    for (i, w) in words.iter().enumerate() {
        if (w == "--data-urlencode" || w == "-d" || w == "--data")
            && let Some(q) = words.get(i + 1).and_then(|v| v.strip_prefix("query="))
        {
            return Some(q.to_owned());
        }
    }
    let url = words.iter().find(|w| w.contains("query="))?;
    let raw = &url[url.find("query=")? + 6..];
    let raw = raw.split('&').next().unwrap_or(raw);
    Some(percent_decode(raw))
}

/// The `scheme://host:port` of the first URL on a curl command line.
pub(crate) fn command_base_url(command: &str) -> Option<String> {
    let words = words(command);
    let url = words
        .iter()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))?;
    base_url(url)
}

/// The `scheme://host[:port]` part of a URL.
pub(crate) fn base_url(url: &str) -> Option<String> {
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let end = rest.find(['/', '?', ' ', '\'', '"']).unwrap_or(rest.len());
    Some(url[..scheme_end + end].to_owned())
}

/// Every URL with a port that appears in `text`, in order (used to find Prometheus's).
pub(crate) fn urls_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("http") {
        let candidate = &text[at..];
        if let Some(base) = base_url(candidate)
            && base[base.find("://").map(|i| i + 3).unwrap_or(0)..].contains(':')
            && !out.contains(&base)
        {
            out.push(base);
        }
    }
    out
}

/// Splits a command line as a POSIX shell would (quotes and backslashes), without running
/// anything. Unbalanced quotes end the last word.
pub(crate) fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    current.push(q);
                }
            }
            '"' => {
                in_word = true;
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => current.extend(chars.next()),
                        _ => current.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                current.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        out.push(current);
    }
    out
}

/// Decodes `%XX` escapes and `+` as a space.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Kinds of failure recognisable in command output or feedback text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// `No resources found in X namespace.`
    NoResources(String),
    /// `Error from server (NotFound): namespaces "X" not found`
    NamespaceNotFound(String),
    /// `Error from server (NotFound): <kind> "<name>" not found`
    ObjectNotFound,
    /// `error: unknown flag` and kubectl's other flag complaints.
    BadFlag,
    /// curl refusing an unencoded URL: `bad range in URL`, `URL using bad/illegal format`.
    BadUrl,
    /// curl reaching nothing: `Could not resolve host`, `Failed to connect`.
    Unreachable,
    /// Any other `error:` or `Error from server` line.
    Other,
}

/// The failure an output reports, if it reports one.
pub(crate) fn failure(output: &str) -> Option<Failure> {
    for line in output.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("No resources found in ") {
            let ns = rest.trim_end_matches('.').trim_end_matches(" namespace");
            return Some(Failure::NoResources(ns.to_owned()));
        }
        if line.starts_with("No resources found") {
            return Some(Failure::NoResources("*".to_owned()));
        }
        if let Some(rest) = line.strip_prefix("Error from server (NotFound): namespaces \"") {
            let ns = rest.split('"').next().unwrap_or("");
            return Some(Failure::NamespaceNotFound(ns.to_owned()));
        }
        if line.starts_with("Error from server (NotFound)") {
            return Some(Failure::ObjectNotFound);
        }
        if line.contains("unknown flag") || line.contains("unknown shorthand flag") {
            return Some(Failure::BadFlag);
        }
        if line.contains("bad range in URL")
            || line.contains("URL using bad/illegal format")
            || line.contains("URL rejected")
            || line.contains("Malformed input to a URL")
        {
            return Some(Failure::BadUrl);
        }
        if line.contains("Could not resolve host")
            || line.contains("Failed to connect")
            || line.contains("Connection refused")
        {
            return Some(Failure::Unreachable);
        }
        if line.starts_with("error:")
            || line.starts_with("Error from server")
            || line.starts_with("curl: (")
        {
            return Some(Failure::Other);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    const PODS: &str =
        "NAME                            READY   STATUS             RESTARTS      AGE
catalogue-6d8f9c7b5-x2x9k       1/1     Running            0             12m
catalogue-db-7f9d8c6b4-abcde    1/1     Running            2 (3m ago)    12m
front-end-5c9b8d7f6-qwert       0/1     CrashLoopBackOff   5 (10s ago)   12m";

    #[test]
    fn tables_are_sliced_at_heading_positions() {
        let table = Table::parse(PODS).unwrap();
        assert_eq!(
            table.columns,
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
        );
        assert_eq!(table.rows[1]["RESTARTS"], "2 (3m ago)");
        let rows: Vec<_> = table.rows_of("catalogue").collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0]["STATUS"], "Running");
    }

    #[test]
    fn prometheus_answers_are_read() {
        let ok = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"sock-shop/catalogue"},"value":[1700000000.5,"0.0123"]}]}}"#;
        let PromOutcome::Values(v) = prom_outcome(ok).unwrap() else {
            panic!("values")
        };
        assert_eq!(v[0].1, 0.0123);
        let empty = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(prom_outcome(empty), Some(PromOutcome::Empty));
        let err = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert_eq!(
            prom_outcome(err),
            Some(PromOutcome::Error("parse error".into()))
        );
        assert_eq!(prom_outcome("not json"), None);
    }

    #[test]
    fn command_lines_are_read_like_a_shell_would() {
        assert_eq!(
            command_namespace("kubectl get pods -n sock-shop"),
            "sock-shop"
        );
        assert_eq!(command_namespace("kubectl get pods --namespace=x"), "x");
        assert_eq!(command_namespace("kubectl get pods"), "default");
        assert_eq!(
            command_label_key("kubectl get pods -l name=catalogue", "catalogue").unwrap(),
            "name"
        );
        let q = "curl -sG http://p:9090/api/v1/query --data-urlencode 'query=up{job=\"a/b\"}'";
        assert_eq!(command_query(q).unwrap(), "up{job=\"a/b\"}");
        let q = "curl -s 'http://p:9090/api/v1/query?query=sum%28up%29'";
        assert_eq!(command_query(q).unwrap(), "sum(up)");
        assert_eq!(command_base_url(q).unwrap(), "http://p:9090");
    }

    #[test]
    fn failures_are_recognised() {
        assert_eq!(
            failure("No resources found in default namespace."),
            Some(Failure::NoResources("default".into()))
        );
        assert_eq!(
            failure("curl: (3) bad range in URL position 60:"),
            Some(Failure::BadUrl)
        );
        assert_eq!(
            failure("error: unknown flag: --replica"),
            Some(Failure::BadFlag)
        );
        assert_eq!(failure("deployment.apps/catalogue scaled"), None);
    }
}
