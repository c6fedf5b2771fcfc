//! `curl` as an agent uses it against the simulated Prometheus: option parsing, curl's URL
//! globbing (so an unencoded `rate(x[1m])` fails as the real curl fails), `-G
//! --data-urlencode`, form posts, the progress meter on a non-terminal, and curl's error texts
//! and exit codes (3 for a bad URL, 6 for an unknown host, 7 for a closed port, 22 with `-f`).

use crate::kubectl::output::CommandOutput;
use crate::prometheus::form::Params;
use crate::world::{ObjectKey, World};

/// A parsed curl command line.
#[derive(Debug, Default)]
struct Request {
    silent: bool,
    show_error: bool,
    get: bool,
    globoff: bool,
    fail: bool,
    include: bool,
    method: Option<String>,
    data: Vec<String>,
    urls: Vec<String>,
}

const TRY_HELP: &str = "curl: try 'curl --help' or 'curl --manual' for more information\n";

fn usage_error(text: String) -> CommandOutput {
    CommandOutput {
        stdout: String::new(),
        stderr: format!("curl: {text}\n{TRY_HELP}"),
        status: 2,
    }
}

fn parse(args: &[String]) -> Result<Request, CommandOutput> {
    let mut r = Request::default();
    let mut i = 0;
    let value = |i: &mut usize, name: &str| -> Result<String, CommandOutput> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| usage_error(format!("option {name}: requires parameter")))
    };
    while i < args.len() {
        let a = &args[i];
        match a.as_str() {
            "-s" | "--silent" => r.silent = true,
            "-S" | "--show-error" => r.show_error = true,
            "-G" | "--get" => r.get = true,
            "-g" | "--globoff" => r.globoff = true,
            "-f" | "--fail" => r.fail = true,
            "-i" | "--include" => r.include = true,
            "-L" | "--location" | "-k" | "--insecure" | "--compressed" => {}
            "-X" | "--request" => r.method = Some(value(&mut i, a)?),
            "-H" | "--header" | "-m" | "--max-time" | "--connect-timeout" => {
                value(&mut i, a)?;
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                r.data.push(value(&mut i, a)?);
            }
            "--data-urlencode" => {
                let v = value(&mut i, a)?;
                r.data.push(urlencode_arg(&v));
            }
            "--url" => r.urls.push(value(&mut i, a)?),
            s if s.starts_with("--") => {
                return Err(usage_error(format!("option {s}: is unknown")));
            }
            s if s.starts_with('-') && s.len() > 1 => {
                // Bundled short options: -sS, -sG, -sSf ...
                for c in s[1..].chars() {
                    match c {
                        's' => r.silent = true,
                        'S' => r.show_error = true,
                        'G' => r.get = true,
                        'g' => r.globoff = true,
                        'f' => r.fail = true,
                        'i' => r.include = true,
                        'L' | 'k' => {}
                        other => return Err(usage_error(format!("option -{other}: is unknown"))),
                    }
                }
            }
            _ => r.urls.push(a.clone()),
        }
        i += 1;
    }
    if r.urls.is_empty() {
        return Err(usage_error("no URL specified".into()));
    }
    Ok(r)
}

/// `--data-urlencode` content: `name=value` encodes the value, `=value` and `value` encode it
/// all (curl's rules, without the `@file` forms).
fn urlencode_arg(v: &str) -> String {
    match v.split_once('=') {
        Some(("", rest)) => percent_encode(rest),
        Some((name, rest)) => format!("{name}={}", percent_encode(rest)),
        None => percent_encode(v),
    }
}

/// `s` with every byte outside URL's unreserved set (letters, digits, `-._~`) percent-encoded,
/// as curl's `--data-urlencode` encodes a value and as a query parameter's value is sent.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A globbing error at a 1-based position, with curl's message.
#[derive(Debug)]
struct GlobError {
    message: &'static str,
    position: usize,
}

/// Expands curl's URL globs: `{a,b}` sets and `[1-3]` / `[a-c]` ranges.
fn expand_globs(url: &str) -> Result<Vec<String>, GlobError> {
    let chars: Vec<char> = url.chars().collect();
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut literal = String::new();
    let mut sets_before = 0usize;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                literal.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '{' => {
                let start = i;
                let mut items = vec![String::new()];
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(GlobError {
                                message: "unmatched brace",
                                position: start + 1,
                            });
                        }
                        Some('{') => {
                            return Err(GlobError {
                                message: "nested brace",
                                position: i + 1,
                            });
                        }
                        Some('}') => break,
                        Some(',') => items.push(String::new()),
                        Some(c) => items.last_mut().expect("starts with one item").push(*c),
                    }
                    i += 1;
                }
                parts.push(vec![std::mem::take(&mut literal)]);
                parts.push(items);
                sets_before += 1;
            }
            '[' => {
                let start = i;
                let bad = GlobError {
                    message: "bad range",
                    position: start + 2 - sets_before,
                };
                let close = chars[i..].iter().position(|c| *c == ']').map(|p| p + i);
                let Some(close) = close else {
                    return Err(bad);
                };
                let inner: String = chars[i + 1..close].iter().collect();
                if inner.is_empty() {
                    literal.push_str("[]");
                    i = close + 1;
                    continue;
                }
                let items = expand_range(&inner).ok_or(bad)?;
                parts.push(vec![std::mem::take(&mut literal)]);
                parts.push(items);
                i = close;
            }
            ']' | '}' => {
                return Err(GlobError {
                    message: "unmatched close brace/bracket",
                    position: i + 1,
                });
            }
            c => literal.push(c),
        }
        i += 1;
    }
    parts.push(vec![literal]);
    let mut urls = vec![String::new()];
    for part in parts {
        let mut next = Vec::new();
        for prefix in &urls {
            for item in &part {
                next.push(format!("{prefix}{item}"));
            }
        }
        urls = next;
    }
    Ok(urls)
}

/// `1-3`, `01-10`, `a-z`, with an optional `:step`.
fn expand_range(inner: &str) -> Option<Vec<String>> {
    let (range, step) = match inner.split_once(':') {
        Some((r, s)) => (r, s.parse::<usize>().ok()?),
        None => (inner, 1),
    };
    let (a, b) = range.split_once('-')?;
    if a.chars().all(|c| c.is_ascii_digit())
        && b.chars().all(|c| c.is_ascii_digit())
        && !a.is_empty()
        && !b.is_empty()
    {
        let (x, y): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
        let width = if a.starts_with('0') { a.len() } else { 0 };
        return (x <= y && step > 0).then(|| {
            (x..=y)
                .step_by(step)
                .map(|n| format!("{n:0width$}"))
                .collect()
        });
    }
    let (x, y) = (a.chars().next()?, b.chars().next()?);
    (a.len() == 1 && b.len() == 1 && x.is_ascii_alphabetic() && x <= y && step > 0)
        .then(|| (x..=y).step_by(step).map(|c| c.to_string()).collect())
}

/// curl's progress meter as printed to a non-terminal for a transfer of `bytes`.
fn meter(bytes: usize) -> String {
    let head = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";
    let zero = "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0";
    // Virtual transfers take two milliseconds.
    let speed = size5(bytes * 500);
    format!(
        "{head}\r{zero}\r100 {:>5}  100 {:>5}    0     0  {speed:>5}      0 --:--:-- --:--:-- --:--:-- {speed:>5}\n",
        size5(bytes),
        size5(bytes)
    )
}

fn meter_failed(then_newline: bool) -> String {
    let head = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";
    let zero = "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0";
    if then_newline {
        format!("{head}\r{zero}\r{zero}\n")
    } else {
        format!("{head}\r{zero}")
    }
}

/// curl's five-character size column.
fn size5(n: usize) -> String {
    if n < 100_000 {
        format!("{n}")
    } else if n < 10_000 * 1024 {
        format!("{}k", n / 1024)
    } else {
        format!("{}M", n / (1024 * 1024))
    }
}

impl World {
    /// Runs a curl command line (the words after `curl`).
    ///
    /// # Guarantees
    /// Never panics; every input gets curl's own error text and exit status.
    pub fn curl(&mut self, args: &[String]) -> CommandOutput {
        self.advance(crate::kubectl::run::COMMAND_LATENCY);
        let req = match parse(args) {
            Ok(r) => r,
            Err(e) => return e,
        };
        let mut out = CommandOutput::default();
        let show_errors = !req.silent || req.show_error;
        let mut urls: Vec<String> = Vec::new();
        for raw in &req.urls {
            if req.globoff {
                urls.push(raw.clone());
                continue;
            }
            match expand_globs(raw) {
                Ok(u) => urls.extend(u),
                Err(e) => {
                    if show_errors {
                        out.stderr.push_str(&format!(
                            "curl: (3) {} in URL position {}:\n{raw}\n{}^\n",
                            e.message,
                            e.position,
                            " ".repeat(e.position.saturating_sub(1))
                        ));
                    }
                    out.status = 3;
                    return out;
                }
            }
        }
        let several = urls.len() > 1;
        for url in urls {
            if several {
                out.stdout.push_str(&format!("--_curl_--{url}\n"));
            }
            let status = self.curl_one(&req, &url, show_errors, &mut out);
            if status != 0 {
                out.status = status;
            }
        }
        out
    }

    fn curl_one(
        &mut self,
        req: &Request,
        url: &str,
        show_errors: bool,
        out: &mut CommandOutput,
    ) -> i32 {
        let fail =
            |out: &mut CommandOutput, code: i32, msg: String, meter_newline: Option<bool>| {
                if !req.silent
                    && let Some(nl) = meter_newline
                {
                    out.stderr.push_str(&meter_failed(nl));
                }
                if show_errors {
                    out.stderr.push_str(&format!("curl: ({code}) {msg}\n"));
                }
                code
            };
        if url.contains(' ') || url.is_empty() {
            return fail(
                out,
                3,
                "URL using bad/illegal format or missing URL".into(),
                None,
            );
        }
        let (scheme, rest) = match url.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r.to_string()),
            None => ("http".to_string(), url.to_string()),
        };
        if scheme != "http" && scheme != "https" {
            return fail(
                out,
                1,
                format!("Protocol \"{scheme}\" not supported or disabled in libcurl"),
                None,
            );
        }
        let (authority, path_query) = match rest.find('/') {
            Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
            None => (rest.clone(), "/".to_string()),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => match p.parse::<u16>() {
                Ok(p) => (h.to_string(), p),
                Err(_) => {
                    return fail(
                        out,
                        3,
                        "URL using bad/illegal format or missing URL".into(),
                        None,
                    );
                }
            },
            None => (authority.clone(), if scheme == "https" { 443 } else { 80 }),
        };
        let Some(listening) = self.resolve_prometheus(&host) else {
            return fail(
                out,
                6,
                format!("Could not resolve host: {host}"),
                Some(false),
            );
        };
        let serving = match listening {
            Listener::ClusterIp => port == 9090,
            Listener::Node => port == 31090,
        };
        if !serving {
            return fail(
                out,
                7,
                format!(
                    "Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server"
                ),
                Some(true),
            );
        }
        if scheme == "https" {
            return fail(
                out,
                35,
                "OpenSSL/3.0.19: error:0A00010B:SSL routines::wrong version number".into(),
                Some(true),
            );
        }

        let (path, mut query) = match path_query.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (path_query.clone(), String::new()),
        };
        let data = req.data.join("&");
        let body = if req.get || req.method.as_deref() == Some("GET") {
            if !data.is_empty() {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&data);
            }
            None
        } else if req.data.is_empty() {
            None
        } else {
            Some(data)
        };
        let params = Params::from_request(&query, body.as_deref());
        let answer = self.prometheus_api(&path, &params);
        if req.fail && answer.status >= 400 {
            if !req.silent {
                out.stderr.push_str(&meter_failed(false));
                out.stderr.push_str(&format!("{:>5}", ""));
            }
            return fail(
                out,
                22,
                format!("The requested URL returned error: {}", answer.status),
                None,
            );
        }
        if req.include {
            let reason = match answer.status {
                200 => "OK",
                400 => "Bad Request",
                404 => "Not Found",
                405 => "Method Not Allowed",
                422 => "Unprocessable Entity",
                503 => "Service Unavailable",
                _ => "Internal Server Error",
            };
            let kind = if answer.status == 404 {
                "text/plain; charset=utf-8"
            } else {
                "application/json"
            };
            let date = self.clock.now().strftime("%a, %d %b %Y %H:%M:%S GMT");
            out.stdout.push_str(&format!(
                "HTTP/1.1 {} {reason}\r\nContent-Type: {kind}\r\nDate: {date}\r\nContent-Length: {}\r\n\r\n",
                answer.status,
                answer.body.len()
            ));
        }
        if !req.silent {
            out.stderr.push_str(&meter(answer.body.len()));
        }
        out.stdout.push_str(&answer.body);
        0
    }

    /// Where a host name reaches the simulated Prometheus: its service (in-cluster DNS names
    /// and its cluster IP) or a node (its NodePort). `None` when the name does not resolve.
    fn resolve_prometheus(&self, host: &str) -> Option<Listener> {
        let svc = self
            .state
            .services
            .get(&ObjectKey::new("monitoring", "prometheus"))?;
        let cluster_ip = svc
            .spec
            .as_ref()
            .and_then(|s| s.cluster_ip.clone())
            .unwrap_or_default();
        if matches!(
            host,
            "prometheus.monitoring"
                | "prometheus.monitoring.svc"
                | "prometheus.monitoring.svc.cluster.local"
        ) || host == cluster_ip
        {
            return Some(Listener::ClusterIp);
        }
        let node_ip = self.state.nodes.values().any(|n| {
            n.status
                .as_ref()
                .and_then(|s| s.addresses.as_ref())
                .is_some_and(|a| a.iter().any(|a| a.address == host))
        });
        node_ip.then_some(Listener::Node)
    }
}

/// How a host reaches Prometheus.
enum Listener {
    /// The service: port 9090.
    ClusterIp,
    /// A node: the NodePort 31090.
    Node,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn err(url: &str) -> (String, usize) {
        match expand_globs(url) {
            Err(e) => (e.message.to_string(), e.position),
            Ok(u) => panic!("{url} expanded to {u:?}"),
        }
    }

    #[test]
    fn glob_errors_report_the_positions_the_real_curl_reports() {
        // Positions checked against curl 7.88.1.
        assert_eq!(err("http://h/x[1m]"), ("bad range".into(), 12));
        assert_eq!(err("http://h/xy[5m]"), ("bad range".into(), 13));
        assert_eq!(err("http://h/x[30s]"), ("bad range".into(), 12));
        assert_eq!(err("http://h/x{a}[1m]"), ("bad range".into(), 14));
        assert_eq!(err("http://h/x{a,b}[1m]"), ("bad range".into(), 16));
        assert_eq!(err("http://h/q{a=\"b\"}y[5m]"), ("bad range".into(), 19));
        assert_eq!(
            err("http://127.0.0.1:1/a{b"),
            ("unmatched brace".into(), 21)
        );
        assert_eq!(
            err("http://127.0.0.1:1/a{b{c}}"),
            ("nested brace".into(), 23)
        );
        assert_eq!(
            err("http://127.0.0.1:1/a]b"),
            ("unmatched close brace/bracket".into(), 21)
        );
    }

    #[test]
    fn sets_and_ranges_expand_and_single_sets_lose_their_braces() {
        assert_eq!(
            expand_globs("http://h/up{job=\"a\"}").unwrap(),
            vec!["http://h/upjob=\"a\""]
        );
        assert_eq!(
            expand_globs("http://h/{a,b}").unwrap(),
            vec!["http://h/a", "http://h/b"]
        );
        assert_eq!(expand_globs("http://h/[1-3]").unwrap().len(), 3);
        assert_eq!(expand_globs("http://h/x[]").unwrap(), vec!["http://h/x[]"]);
    }

    #[test]
    fn data_urlencode_encodes_the_value_only() {
        assert_eq!(
            urlencode_arg("query=up{job=\"a\"}"),
            "query=up%7Bjob%3D%22a%22%7D"
        );
        assert_eq!(urlencode_arg("=a b"), "a%20b");
    }
}
