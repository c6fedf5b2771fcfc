//! Grafana-style use of the Prometheus API: the dashboards' queries over HTTP, and the caps.

use odyssey_simulator::prometheus::form::Params;
use odyssey_simulator::server::{Limits, lock};

use super::{TestServer, http, world};

/// The dashboards' PromQL expressions, one per line, extracted from Grafana JSON.
const DASHBOARD_TSV: &str = "/work/shared/sockshop/promql-from-dashboards.tsv";

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn dashboard_queries_over_http_answer_as_in_process_and_carry_sock_shop_data() {
    let Ok(tsv) = std::fs::read_to_string(DASHBOARD_TSV) else {
        println!("skipped: {DASHBOARD_TSV} is absent");
        return;
    };
    let server = TestServer::start(world(), Limits::default());
    let addr = server.running().prom_addr;
    let now = lock(&server.world).clock().now().as_second();
    let (start, end) = ((now - 600).to_string(), now.to_string());

    let (mut supported, mut with_data, mut expected, mut total) = (0, 0, 0, 0);
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let Some(expr) = line.split('\t').nth(3) else {
            continue;
        };
        if !line.contains("sock-shop") || expr.contains('$') {
            continue;
        }
        total += 1;
        let pairs = [
            ("query", expr),
            ("start", start.as_str()),
            ("end", end.as_str()),
            ("step", "15"),
        ];
        let want =
            lock(&server.world).prometheus_api("/api/v1/query_range", &Params::from_pairs(pairs));
        let body = form(&pairs);
        let (status, got) = server
            .rt
            .block_on(http(
                addr,
                "POST",
                "/api/v1/query_range",
                &[("Content-Type", "application/x-www-form-urlencoded")],
                body.as_bytes(),
            ))
            .expect("the server answers");
        assert_eq!(
            (status, got.as_str()),
            (want.status, want.body.as_str()),
            "{expr}"
        );
        if status == 200 {
            supported += 1;
            // The docker-compose dashboards select `job="cart"`, which the Kubernetes
            // relabelling never produces, and error-rate panels are empty without faults:
            // data is required of the Kubernetes dashboards' traffic panels.
            let must_have_data =
                line.starts_with("grafana-dashboards-k8s/") && !expr.contains("4.+|5.+");
            if must_have_data {
                expected += 1;
                if got.contains("\"result\":[]") {
                    println!("no data: {expr}");
                } else {
                    with_data += 1;
                }
            }
        }
    }
    println!(
        "dashboard queries: {total} from Sock Shop dashboards, {supported} supported and identical over HTTP; {with_data} of {expected} Kubernetes traffic panels have data"
    );
    assert!(total > 0 && supported > 0);
    assert_eq!(
        with_data, expected,
        "every Kubernetes traffic panel has data"
    );
}

#[test]
fn prometheus_caps_answer_with_prometheus_errors() {
    let limits = Limits {
        max_query_len: 64,
        max_series: 3,
        max_body: 1024,
    };
    let server = TestServer::start(world(), limits);
    let addr = server.running().prom_addr;
    let get = |path: &str| {
        server
            .rt
            .block_on(http(addr, "GET", path, &[], b""))
            .expect("answer")
    };

    let long = format!("/api/v1/query?query={}", "up".repeat(40));
    let (status, body) = get(&long);
    assert_eq!(status, 400);
    assert!(body.contains("\"errorType\":\"bad_data\""), "{body}");

    let (status, body) = get("/api/v1/query?query=up");
    assert_eq!(status, 422);
    assert!(body.contains("\"errorType\":\"execution\""), "{body}");

    let end = odyssey_simulator::server::lock(&server.world)
        .clock()
        .now()
        .as_second();
    let (status, body) = get(&format!(
        "/api/v1/query_range?query=up&start={}&end={end}&step=15",
        end - 300
    ));
    assert_eq!(status, 422, "the series cap holds for ranges too: {body}");
    assert!(body.contains("\"errorType\":\"execution\""), "{body}");

    let form = format!("query={}", "up".repeat(40));
    let (status, body) = server
        .rt
        .block_on(http(
            addr,
            "POST",
            "/api/v1/query",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            form.as_bytes(),
        ))
        .expect("answer");
    assert_eq!(
        status, 400,
        "the length cap holds for form bodies too: {body}"
    );

    let big = vec![b'a'; 4096];
    let (status, body) = server
        .rt
        .block_on(http(addr, "POST", "/api/v1/query", &[], &big))
        .expect("answer");
    assert_eq!(status, 413, "{body}");

    let (status, body) = server
        .rt
        .block_on(http(
            server.running().kube_addr,
            "POST",
            "/api/v1/namespaces",
            &[],
            &big,
        ))
        .expect("answer");
    assert_eq!(status, 413);
    assert!(body.contains("\"kind\":\"Status\""), "{body}");

    let (status, body) = get("/api/v1/status/buildinfo");
    assert_eq!(status, 200, "{body}");
}
