//! Differential test: the same queries against the engine and a real Prometheus backfilled with
//! the same data. Needs Debian's `prometheus` package (`.ci/install-prometheus.sh`).
//!
//! Run with `cargo test -p odyssey-simulator --test promql differential -- --ignored
//! --nocapture`. `PROMQL_DIFF_SEED` and `PROMQL_DIFF_RANDOM` change the random queries' seed and
//! count; `PROMQL_DIFF_SHOW_BYTES` prints every body that is not byte-identical.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use odyssey_simulator::prometheus::{Params, api};
use odyssey_simulator::promql::{Engine, Store};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;

use crate::fixture::{START_MS, sock_shop_store};

/// Queries whose answers differ between Prometheus 2.42 and this engine by design, with why.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[(
    "topk(3, sum by (route) (rate(request_duration_seconds_count{name=\"front-end\"}[5m])))",
    "ties: two routes have exactly the same rate at some steps (integer request counts); \
     Prometheus breaks ties by its heap order, this engine by label order",
)];

/// A running Prometheus; killed and its data removed when dropped, on every path.
struct PrometheusGuard {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for PrometheusGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_loopback_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral loopback port");
    l.local_addr().expect("local address").port()
}

fn curl(url: &str, params: &[(&str, String)]) -> Option<String> {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "--max-time", "30", "--get", url]);
    for (k, v) in params {
        cmd.arg("--data-urlencode").arg(format!("{k}={v}"));
    }
    let out = cmd.output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Backfills `store` into a fresh TSDB and starts Prometheus on loopback.
fn start_prometheus(store: &Store) -> PrometheusGuard {
    let dir = std::env::temp_dir().join(format!("odyssey-promql-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the work folder");
    let om = dir.join("data.om");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&om).expect("create export"));
        store.write_openmetrics(&mut f).expect("export the store");
        f.flush().expect("flush the export");
    }
    let tsdb = dir.join("tsdb");
    let status = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&om)
        .arg(&tsdb)
        .stdout(Stdio::null())
        .status()
        .expect("run promtool");
    assert!(status.success(), "promtool backfill failed");

    let config = dir.join("prometheus.yml");
    std::fs::write(&config, "global:\n  scrape_interval: 15s\n").expect("write config");
    let port = free_loopback_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", tsdb.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--storage.tsdb.retention.time=100y")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus");
    let guard = PrometheusGuard { child, dir, port };

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready = curl(&format!("http://127.0.0.1:{port}/-/ready"), &[])
            .is_some_and(|b| b.contains("Ready"));
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "prometheus did not become ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    guard
}

/// Float equality within a relative 1e-9, NaN equal to NaN.
fn close(a: f64, b: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

fn value_of(v: &Json) -> f64 {
    match v.as_str() {
        Some("NaN") => f64::NAN,
        Some("+Inf") => f64::INFINITY,
        Some("-Inf") => f64::NEG_INFINITY,
        Some(s) => s.parse().unwrap_or(f64::NAN),
        None => f64::NAN,
    }
}

/// Compares two API bodies; `None` when they agree, else a description of the difference.
fn compare_bodies(ours: &str, theirs: &str) -> Option<String> {
    let (a, b): (Json, Json) = match (serde_json::from_str(ours), serde_json::from_str(theirs)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return Some(format!("unparsable body: ours {ours} theirs {theirs}")),
    };
    if a["status"] != b["status"] {
        return Some(format!(
            "status differs: ours {ours}\n      theirs {theirs}"
        ));
    }
    if a["status"] == "error" {
        if a["error"] == b["error"] {
            println!("ERROR TEXT same: {}", a["error"]);
        } else {
            println!(
                "ERROR TEXT differs: ours {} theirs {}",
                a["error"], b["error"]
            );
        }
        return (a["errorType"] != b["errorType"])
            .then(|| format!("error type differs: ours {ours}\n      theirs {theirs}"));
    }
    let (da, db) = (&a["data"], &b["data"]);
    if da["resultType"] != db["resultType"] {
        return Some(format!(
            "result type differs: ours {ours}\n      theirs {theirs}"
        ));
    }
    let points = |r: &Json| -> Vec<(String, Vec<(f64, f64)>)> {
        let one = |e: &Json| -> (String, Vec<(f64, f64)>) {
            let metric = e["metric"].to_string();
            let pts = if let Some(vals) = e["values"].as_array() {
                vals.iter()
                    .map(|p| (p[0].as_f64().unwrap_or(0.0), value_of(&p[1])))
                    .collect()
            } else {
                vec![(
                    e["value"][0].as_f64().unwrap_or(0.0),
                    value_of(&e["value"][1]),
                )]
            };
            (metric, pts)
        };
        match r["resultType"].as_str() {
            Some("scalar") => vec![(
                String::new(),
                vec![(
                    r["result"][0].as_f64().unwrap_or(0.0),
                    value_of(&r["result"][1]),
                )],
            )],
            _ => {
                let mut v: Vec<_> = r["result"]
                    .as_array()
                    .map(|a| a.iter().map(one).collect())
                    .unwrap_or_default();
                v.sort_by(|x, y| x.0.cmp(&y.0));
                v
            }
        }
    };
    let (pa, pb) = (points(da), points(db));
    if pa.len() != pb.len() {
        let names =
            |p: &[(String, Vec<(f64, f64)>)]| p.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        return Some(format!(
            "series differ: ours {:?}\n      theirs {:?}",
            names(&pa),
            names(&pb)
        ));
    }
    for (x, y) in pa.iter().zip(&pb) {
        if x.0 != y.0 {
            return Some(format!("labels differ: ours {} theirs {}", x.0, y.0));
        }
        if x.1.len() != y.1.len() {
            return Some(format!(
                "{}: {} points ours, {} theirs: ours {:?}\n      theirs {:?}",
                x.0,
                x.1.len(),
                y.1.len(),
                x.1,
                y.1
            ));
        }
        for (p, q) in x.1.iter().zip(&y.1) {
            if p.0 != q.0 || !close(p.1, q.1) {
                return Some(format!("{}: ours {:?} theirs {:?}", x.0, p, q));
            }
        }
    }
    None
}

/// Whether a success body carries at least one sample.
fn has_samples(body: &str) -> bool {
    serde_json::from_str::<Json>(body).is_ok_and(|v| match &v["data"]["result"] {
        Json::Array(a) => !a.is_empty(),
        Json::Null => false,
        _ => true,
    })
}

/// The dashboard queries (the `expr` column) with Grafana variables substituted, keeping those
/// that the engine parses.
fn dashboard_queries() -> Vec<String> {
    let text = std::fs::read_to_string(DASHBOARD_TSV).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split('\t').nth(3))
        .map(substitute_variables)
        .filter(|q| !q.is_empty() && odyssey_simulator::promql::parse(q).is_ok())
        .collect()
}

/// Where the shared dashboard extract lives.
const DASHBOARD_TSV: &str = "/work/shared/sockshop/promql-from-dashboards.tsv";

/// Replaces interval variables by `1m` and any other `$var` by `.*`.
fn substitute_variables(q: &str) -> String {
    let q = q
        .trim()
        .replace("$__rate_interval", "1m")
        .replace("$__interval", "1m");
    let mut out = String::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '_')
        {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_')
            {
                chars.next();
            }
            out.push_str(".*");
        } else {
            out.push(c);
        }
    }
    out
}

const AGENT_QUERIES: &[&str] = &[
    r#"histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name="catalogue"}[1m])) by (le))"#,
    r#"histogram_quantile(0.5, sum by (name, le) (rate(request_duration_seconds_bucket[5m])))"#,
    r#"rate(container_cpu_usage_seconds_total{namespace="sock-shop",container="catalogue"}[5m])"#,
    r#"count(up{job="sock-shop/catalogue"})"#,
    r#"sum by (name) (rate(request_duration_seconds_count{status_code="500"}[5m]))"#,
    r#"sum(rate(request_duration_seconds_count[1m])) by (name, status_code)"#,
    r#"rate(request_duration_seconds_sum[5m]) / rate(request_duration_seconds_count[5m])"#,
    r#"up == 0"#,
    r#"avg_over_time(up[10m])"#,
    r#"topk(3, sum by (route) (rate(request_duration_seconds_count{name="front-end"}[5m])))"#,
    r#"increase(request_duration_seconds_count{name="catalogue",status_code="200"}[10m])"#,
    r#"resets(request_duration_seconds_count[1h])"#,
    r#"max_over_time(process_resident_memory_bytes[30m])"#,
    r#"time() - process_start_time_seconds"#,
    r#"sum(rate(request_duration_seconds_count{name="catalogue"}[1m])) / ignoring(status_code) group_left sum by (name) (rate(request_duration_seconds_count[1m]))"#,
    r#"label_replace(up, "svc", "$1", "job", "sock-shop/(.*)")"#,
    r#"absent(up{job="sock-shop/nonexistent"})"#,
    r#"count_values("open", process_open_fds)"#,
    r#"quantile(0.9, rate(container_cpu_usage_seconds_total[5m]))"#,
    r#"deriv(process_resident_memory_bytes[15m])"#,
    r#"predict_linear(container_cpu_usage_seconds_total[30m], 3600)"#,
    r#"max_over_time(rate(request_duration_seconds_count{name="orders"}[1m])[20m:1m])"#,
    r#"sum(rate(request_duration_seconds_count[5m] offset 10m)) by (name)"#,
    r#"rate(request_duration_seconds_count{name="payment"}[5m] @ 1764585000)"#,
    r#"sum(rate({__name__=~"request_duration_seconds_count|request_duration_seconds_sum",name="catalogue"}[5m]))"#,
    r#"label_replace(rate(request_duration_seconds_count{name="payment"}[5m]), "m", "$1", "__name__", "(.+)")"#,
    r#"sum by (__name__) (rate(request_duration_seconds_count{name="payment"}[5m]))"#,
    r#"rate(request_duration_seconds_count{name="payment"}[5m]) > 0.1"#,
    r#"up{name="catalogue"} * on(instance) group_left(name) up"#,
    r#"up + on(instance) up"#,
    r#"sum(up) by (name) / on(name) count(up) by (name)"#,
    r#"vector(1) + on() group_left up"#,
    r#"up{name="catalogue"} and on(instance) up{name="catalogue"}"#,
    r#"up or vector(0)"#,
    r#"up unless up{name="user"}"#,
    r#"stddev by (name) (process_open_fds)"#,
    r#"count_values by (name) ("goroutines", go_goroutines)"#,
    r#"bottomk(2, process_resident_memory_bytes)"#,
    r#"sort_desc(sum by (name) (rate(request_duration_seconds_count[5m])))"#,
    r#"timestamp(up{name="catalogue"})"#,
    r#"day_of_week(vector(time()))"#,
    r#"hour()"#,
    r#"scalar(count(up))"#,
    r#"absent_over_time(up{name="nothing"}[5m])"#,
    r#"changes(process_open_fds[10m])"#,
    r#"idelta(process_open_fds[2m])"#,
    r#"rate(request_duration_seconds_count{name="catalogue"}[30s])"#,
    r#"sum_over_time(rate(request_duration_seconds_count{name="user"}[1m])[5m:30s])"#,
    r#"up{name="catalogue"}[2m]"#,
    r#"rate(up[5m] offset -1m)"#,
    r#"holt_winters(process_resident_memory_bytes[10m], 0.5, 0.3)"#,
    r#"holt_winters(go_goroutines[5m], 2, 0.5)"#,
    // Invalid queries: the error type must agree; the texts are compared and reported.
    "sum(",
    "rate(up)",
    "up[5m",
    "floor(1)",
    "rate(up[5m], 1)",
    "non_existent_function_far_bar()",
    "foo{",
    "invalid][query",
];

/// A seeded generator of queries over the fixture's metrics.
fn random_query(rng: &mut ChaCha8Rng) -> String {
    let pick = |rng: &mut ChaCha8Rng, xs: &[&str]| xs[rng.random_range(0..xs.len())].to_string();
    let names = ["catalogue", "front-end", "orders", "user", "carts"];
    let counters = [
        "request_duration_seconds_count",
        "request_duration_seconds_sum",
        "container_cpu_usage_seconds_total",
        "process_cpu_seconds_total",
    ];
    let gauges = [
        "process_resident_memory_bytes",
        "process_open_fds",
        "go_goroutines",
        "up",
    ];
    let ranges = ["1m", "2m", "5m", "10m", "30m"];
    let selector = |rng: &mut ChaCha8Rng, metric: &str| {
        let name = pick(rng, &names);
        match rng.random_range(0..4) {
            0 => metric.to_string(),
            1 => format!("{metric}{{name=\"{name}\"}}"),
            2 => format!("{metric}{{name=~\"{name}|user\"}}"),
            _ => format!("{metric}{{name!=\"{name}\"}}"),
        }
    };
    let inner = match rng.random_range(0..6) {
        0 | 1 => {
            let f = pick(
                rng,
                &[
                    "rate", "irate", "increase", "delta", "idelta", "resets", "changes",
                ],
            );
            let m = pick(rng, &counters);
            format!("{f}({}[{}])", selector(rng, &m), pick(rng, &ranges))
        }
        2 => {
            let f = pick(
                rng,
                &[
                    "avg_over_time",
                    "min_over_time",
                    "max_over_time",
                    "sum_over_time",
                    "count_over_time",
                    "last_over_time",
                    "stddev_over_time",
                    "stdvar_over_time",
                    "deriv",
                ],
            );
            let m = pick(rng, &gauges);
            format!("{f}({}[{}])", selector(rng, &m), pick(rng, &ranges))
        }
        3 => {
            let m = pick(rng, &gauges);
            selector(rng, &m)
        }
        4 => {
            let q = pick(rng, &["0.5", "0.9", "0.99", "0.75"]);
            let by = pick(rng, &["le", "le, name", "le, route", "le, status_code"]);
            format!(
                "histogram_quantile({q}, sum by ({by}) (rate(request_duration_seconds_bucket{{name=\"{}\"}}[{}])))",
                pick(rng, &names),
                pick(rng, &ranges)
            )
        }
        _ => format!(
            "quantile_over_time({}, {}[{}])",
            pick(rng, &["0.1", "0.5", "0.95"]),
            selector(rng, "process_open_fds"),
            pick(rng, &ranges)
        ),
    };
    match rng.random_range(0..12) {
        8 => format!(
            "sum by (name) ({inner}) {} on(name) group_left count by (name) (up)",
            pick(rng, &["/", "*", "-", ">"])
        ),
        9 => format!(
            "({inner}) {} ({inner})",
            pick(rng, &["and", "or", "unless", "+"])
        ),
        10 => format!(
            "max_over_time(({inner})[{}:{}])",
            pick(rng, &["5m", "10m", "20m"]),
            pick(rng, &["15s", "1m", ""])
        ),
        11 => {
            let m = pick(rng, &counters);
            format!(
                "rate({}[{}] {})",
                selector(rng, &m),
                pick(rng, &ranges),
                pick(
                    rng,
                    &[
                        "offset 5m",
                        "offset 90s",
                        "@ 1764585000",
                        "@ 1764585000 offset 1m"
                    ]
                )
            )
        }
        0 => format!(
            "{} by ({}) ({inner})",
            pick(
                rng,
                &[
                    "sum", "avg", "max", "min", "count", "stddev", "stdvar", "group"
                ]
            ),
            pick(rng, &["name", "instance", "name, instance", "job"])
        ),
        1 => format!(
            "{} without ({}) ({inner})",
            pick(rng, &["sum", "avg", "max", "min", "count"]),
            pick(rng, &["instance", "route", "method"])
        ),
        2 => format!(
            "{inner} {} {}",
            pick(rng, &["*", "+", "-", "/"]),
            rng.random_range(1..100)
        ),
        3 => format!(
            "{inner} {} {}",
            pick(rng, &[">", "<", ">=", "!="]),
            rng.random_range(0..10)
        ),
        4 => format!("{inner} > bool {}", rng.random_range(0..10)),
        5 => format!(
            "{}({inner})",
            pick(
                rng,
                &["abs", "ceil", "floor", "sqrt", "ln", "exp", "round", "sgn"]
            )
        ),
        6 => format!("clamp_max({inner}, {})", rng.random_range(0..50)),
        _ => inner,
    }
}

/// Compares `/series`, `/labels` and `/label/<name>/values` bodies byte for byte.
fn compare_metadata_endpoints(
    store: &Store,
    base: &str,
    disagreements: &mut Vec<String>,
) -> (usize, usize) {
    let selectors = [
        r#"up"#,
        r#"up{name="catalogue"}"#,
        r#"{__name__=~"process_.*",name=~"cat.*|user"}"#,
        r#"request_duration_seconds_count{route="/health"}"#,
        r#"nothing_here"#,
    ];
    let (mut same, mut total) = (0, 0);
    let mut check = |what: String, ours: String, theirs: Option<String>| {
        total += 1;
        let theirs = theirs.unwrap_or_default();
        if ours == theirs {
            same += 1;
        } else {
            disagreements.push(format!("{what}\n    ours   {ours}\n    theirs {theirs}"));
        }
    };
    for sel in selectors {
        let p = [("match[]", sel.to_string())];
        check(
            format!("series {sel}"),
            api::series(store, &Params::from_pairs(p.clone())).body,
            curl(&format!("{base}/series"), &p),
        );
        check(
            format!("labels {sel}"),
            api::labels(store, &Params::from_pairs(p.clone())).body,
            curl(&format!("{base}/labels"), &p),
        );
    }
    for name in ["name", "job", "__name__", "le", "route"] {
        check(
            format!("label values {name}"),
            api::label_values(store, name, &Params::default()).body,
            curl(&format!("{base}/label/{name}/values"), &[]),
        );
    }
    check(
        "series without match[]".to_string(),
        api::series(store, &Params::default()).body,
        curl(&format!("{base}/series"), &[]),
    );
    let series_bad_start = [("match[]", "up".to_string()), ("start", "soon".to_string())];
    check(
        "series with a bad start".to_string(),
        api::series(store, &Params::from_pairs(series_bad_start.clone())).body,
        curl(&format!("{base}/series"), &series_bad_start),
    );
    check(
        "label values of an invalid name".to_string(),
        api::label_values(store, "a-b", &Params::default()).body,
        curl(&format!("{base}/label/a-b/values"), &[]),
    );
    let engine = Engine::default();
    let range_cases: [&[(&str, &str)]; 6] = [
        &[
            ("query", "up"),
            ("start", "100"),
            ("end", "50"),
            ("step", "15"),
        ],
        &[
            ("query", "up"),
            ("start", "0"),
            ("end", "50"),
            ("step", "0"),
        ],
        &[
            ("query", "up"),
            ("start", "0"),
            ("end", "50"),
            ("step", "x"),
        ],
        &[
            ("query", "up"),
            ("start", "0"),
            ("end", "1000000"),
            ("step", "1"),
        ],
        &[
            ("query", "up"),
            ("start", "soon"),
            ("end", "50"),
            ("step", "15"),
        ],
        &[
            ("query", "up["),
            ("start", "0"),
            ("end", "50"),
            ("step", "15"),
        ],
    ];
    for case in range_cases {
        let owned: Vec<(&str, String)> = case.iter().map(|(k, v)| (*k, v.to_string())).collect();
        check(
            format!("query_range {case:?}"),
            api::query_range(&engine, store, &Params::from_pairs(case.iter().copied())).body,
            curl(&format!("{base}/query_range"), &owned),
        );
    }
    let instant_cases: [&[(&str, &str)]; 3] = [
        &[("query", "up"), ("time", "soon")],
        &[("query", "")],
        &[("query", "1"), ("time", "2015-07-01T20:10:51.781Z")],
    ];
    for case in instant_cases {
        let owned: Vec<(&str, String)> = case.iter().map(|(k, v)| (*k, v.to_string())).collect();
        check(
            format!("query {case:?}"),
            api::query(&engine, store, &Params::from_pairs(case.iter().copied()), 0).body,
            curl(&format!("{base}/query"), &owned),
        );
    }
    (same, total)
}

#[test]
#[ignore = "needs Debian's prometheus package (run .ci/install-prometheus.sh), then --ignored"]
fn engine_agrees_with_real_prometheus() {
    for tool in ["prometheus", "promtool", "curl"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is not installed: run .ci/install-prometheus.sh"
        );
    }
    let store = sock_shop_store(42, 60);
    let prom = start_prometheus(&store);
    let base = format!("http://127.0.0.1:{}/api/v1", prom.port);
    let engine = Engine::default();

    let mut queries: Vec<String> = dashboard_queries();
    let dashboards = queries.len();
    queries.extend(AGENT_QUERIES.iter().map(|q| q.to_string()));
    // The seed and count can be changed for a wider sweep; the failure output names both.
    let seed: u64 = std::env::var("PROMQL_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_251_201);
    let random: usize = std::env::var("PROMQL_DIFF_RANDOM")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..random {
        queries.push(random_query(&mut rng));
    }

    let end = START_MS + 3_600_000;
    let (mut agree, mut total, mut nonempty, mut identical) = (0, 0, 0, 0);
    let mut disagreements = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        // Instant queries at a few whole-second times, range query over the last 30 minutes.
        let t = end - 1000 * rng.random_range(0..1800) as i64;
        let t_param = format!("{}", t / 1000);
        let ours = api::query(
            &engine,
            &store,
            &Params::from_pairs([("query", q.as_str()), ("time", t_param.as_str())]),
            t,
        );
        let theirs = curl(
            &format!("{base}/query"),
            &[("query", q.clone()), ("time", t_param.clone())],
        )
        .unwrap_or_default();
        total += 1;
        nonempty += usize::from(has_samples(&theirs));
        identical += usize::from(ours.body == theirs);
        if ours.body != theirs && std::env::var("PROMQL_DIFF_SHOW_BYTES").is_ok() {
            println!("BYTES {q}\n  ours   {}\n  theirs {theirs}", ours.body);
        }
        match compare_bodies(&ours.body, &theirs) {
            None => agree += 1,
            Some(d) => disagreements.push(format!("instant #{i} at {t_param}: {q}\n    {d}")),
        }

        if i % 3 == 0 {
            let (s, e) = (
                format!("{}", (end - 1_800_000) / 1000),
                format!("{}", end / 1000),
            );
            let ours = api::query_range(
                &engine,
                &store,
                &Params::from_pairs([
                    ("query", q.as_str()),
                    ("start", s.as_str()),
                    ("end", e.as_str()),
                    ("step", "60"),
                ]),
            );
            let theirs = curl(
                &format!("{base}/query_range"),
                &[
                    ("query", q.clone()),
                    ("start", s.clone()),
                    ("end", e.clone()),
                    ("step", "60".to_string()),
                ],
            )
            .unwrap_or_default();
            total += 1;
            nonempty += usize::from(has_samples(&theirs));
            identical += usize::from(ours.body == theirs);
            match compare_bodies(&ours.body, &theirs) {
                None => agree += 1,
                Some(d) => disagreements.push(format!("range #{i}: {q}\n    {d}")),
            }
        }
    }

    let (meta_same, meta_total) = compare_metadata_endpoints(&store, &base, &mut disagreements);
    println!("metadata endpoints: {meta_same} of {meta_total} bodies byte-identical");
    println!(
        "query bodies byte-identical to Prometheus's: {identical} of {total} (series order and last-digit rounding may differ)"
    );
    println!(
        "differential: {agree} of {total} queries agree; {nonempty} had a non-empty result in Prometheus ({dashboards} dashboard queries, {} agent queries, {random} random with seed {seed}; instant, plus a range query for every third)",
        AGENT_QUERIES.len()
    );
    let unexpected: Vec<&String> = disagreements
        .iter()
        .filter(|d| !KNOWN_DIFFERENCES.iter().any(|(q, _)| d.contains(q)))
        .collect();
    for d in &disagreements {
        let known = KNOWN_DIFFERENCES.iter().find(|(q, _)| d.contains(q));
        match known {
            Some((_, why)) => println!("DISAGREE (known: {why}) {d}"),
            None => println!("DISAGREE {d}"),
        }
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected disagreements",
        unexpected.len()
    );
}
