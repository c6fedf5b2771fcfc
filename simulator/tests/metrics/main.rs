//! The metrics model and the simulated Prometheus behind `curl`: latency and CPU respond to
//! load, replicas and faults; targets follow the cluster; agents' queries fail and succeed as
//! they would against the real tools.

use std::sync::Arc;

use odyssey_simulator::clock::Millis;
use odyssey_simulator::fault::{Fault, FaultKind};
use odyssey_simulator::promql::Value;
use odyssey_simulator::{Scenario, World};

fn world_with(seed: u64, workload: &str) -> World {
    let mut scenario = Scenario::embedded_sock_shop();
    scenario.file.workload = workload.to_string();
    World::new(Arc::new(scenario), seed).expect("the reference scenario builds")
}

fn scalar(w: &World, query: &str) -> f64 {
    match w.promql(query).unwrap_or_else(|e| panic!("{query}: {e}")) {
        Value::Vector(v) if !v.is_empty() => v[0].value,
        Value::Scalar(s) => s,
        other => panic!("{query}: unexpected {other:?}"),
    }
}

const P99: &str = r#"histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name="catalogue",route!~"health|metrics"}[1m])) by (le))"#;

#[test]
fn heavy_load_raises_catalogue_p99_past_300ms_and_light_load_keeps_it_low() {
    let heavy = world_with(1, "heavy");
    let light = world_with(1, "light");
    let (h, l) = (scalar(&heavy, P99), scalar(&light, P99));
    assert!(h > 0.3, "heavy P99 {h}");
    assert!(l < 0.15, "light P99 {l}");
    assert!(h > 2.0 * l);
    let truth = heavy
        .true_p99_seconds("sock-shop", "catalogue")
        .expect("traffic");
    assert!(
        (truth - h).abs() / h < 0.05,
        "oracle {truth} vs dashboard query {h}"
    );
}

#[test]
fn more_replicas_lower_p99_under_heavy_load() {
    let mut w = world_with(2, "heavy");
    let before = scalar(&w, P99);
    let out = w.run_line("kubectl scale deployment catalogue --replicas=3 -n sock-shop");
    assert!(out.success(), "{}", out.stderr);
    w.advance(Millis::from_secs(180));
    let after = scalar(&w, P99);
    assert!(
        after < 0.3 && after < before / 2.0,
        "before {before}, after {after}"
    );
    assert_eq!(scalar(&w, r#"count(up{job="sock-shop/catalogue"})"#), 3.0);
}

#[test]
fn cpu_stress_raises_latency_and_cpu() {
    let mut w = world_with(3, "light");
    let p99 = scalar(&w, P99);
    let cpu = w.true_cpu_cores("sock-shop", "catalogue");
    w.inject_fault(Fault {
        kind: FaultKind::CpuStress {
            load: 50,
            workers: 2,
        },
        target: "catalogue".into(),
        namespace: "sock-shop".into(),
    });
    w.advance(Millis::from_secs(180));
    assert!(
        scalar(&w, P99) > p99 * 1.15,
        "p99 {p99} -> {}",
        scalar(&w, P99)
    );
    assert!(w.true_cpu_cores("sock-shop", "catalogue") > cpu * 2.0);
}

#[test]
fn a_failed_pod_drops_up_and_its_series_go_stale() {
    let mut w = world_with(4, "moderate");
    assert_eq!(scalar(&w, r#"up{job="sock-shop/catalogue"}"#), 1.0);
    w.inject_fault(Fault {
        kind: FaultKind::PodFailure,
        target: "catalogue".into(),
        namespace: "sock-shop".into(),
    });
    w.advance(Millis::from_secs(60));
    assert_eq!(scalar(&w, r#"up{job="sock-shop/catalogue"}"#), 0.0);
    match w.promql(r#"request_duration_seconds_count{name="catalogue"}"#) {
        Ok(Value::Vector(v)) => assert!(v.is_empty(), "stale series still returned: {v:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn deleted_pods_leave_the_target_list_and_new_ones_join_it() {
    let mut w = world_with(5, "light");
    let before = w
        .run_line(r#"curl -s http://prometheus.monitoring:9090/api/v1/targets"#)
        .stdout;
    w.run_line("kubectl rollout restart deployment/catalogue -n sock-shop");
    w.run_line("kubectl rollout status deployment/catalogue -n sock-shop");
    w.advance(Millis::from_secs(30));
    let after = w
        .run_line(r#"curl -s http://prometheus.monitoring:9090/api/v1/targets"#)
        .stdout;
    assert_ne!(before, after);
    assert_eq!(
        scalar(&w, r#"count(up{job="sock-shop/catalogue"} == 1)"#),
        1.0
    );
}

#[test]
fn databases_and_queue_master_are_scraped_but_down_as_on_the_reference_cluster() {
    let w = world_with(6, "light");
    assert_eq!(scalar(&w, r#"sum(up{job=~"sock-shop/.*-db"})"#), 0.0);
    assert_eq!(scalar(&w, r#"up{job="sock-shop/queue-master"}"#), 0.0);
    assert_eq!(
        scalar(
            &w,
            r#"sum(up{job=~"sock-shop/(catalogue|carts|front-end|orders|payment|shipping|user|rabbitmq)"})"#
        ),
        8.0
    );
}

#[test]
fn an_hour_of_history_is_there_for_range_queries() {
    let w = world_with(7, "moderate");
    let hour_ago = scalar(
        &w,
        r#"sum(rate(request_duration_seconds_count{name="catalogue"}[5m] offset 55m))"#,
    );
    assert!(hour_ago > 0.0);
}

#[test]
fn curl_fails_on_unencoded_ranges_and_succeeds_with_data_urlencode() {
    let mut w = world_with(8, "moderate");
    let bad = w.run_line(r#"curl 'http://prometheus.monitoring:9090/api/v1/query?query=rate(request_duration_seconds_count[1m])'"#);
    assert_eq!(bad.status, 3);
    assert!(
        bad.stderr
            .starts_with("curl: (3) bad range in URL position 90:\n"),
        "{}",
        bad.stderr
    );
    let good = w.run_line(r#"curl -sG http://prometheus.monitoring:9090/api/v1/query --data-urlencode 'query=sum(rate(request_duration_seconds_count{name="catalogue"}[1m]))'"#);
    assert_eq!(good.status, 0);
    assert!(
        good.stdout.starts_with(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["#
        ),
        "{}",
        good.stdout
    );
    let unknown = w.run_line("curl -sS http://prometheus:9090/api/v1/query?query=up");
    assert_eq!(
        (unknown.status, unknown.stderr.as_str()),
        (6, "curl: (6) Could not resolve host: prometheus\n")
    );
    let option = w.run_line("curl --frobnicate http://x");
    assert_eq!(option.status, 2);
}

#[test]
fn metrics_are_a_pure_function_of_the_seed() {
    let a = world_with(9, "heavy");
    let b = world_with(9, "heavy");
    let q = r#"sum by (instance, route) (rate(request_duration_seconds_sum[5m]))"#;
    assert_eq!(format!("{:?}", a.promql(q)), format!("{:?}", b.promql(q)));
    let c = world_with(10, "heavy");
    assert_ne!(format!("{:?}", a.promql(q)), format!("{:?}", c.promql(q)));
}

#[test]
fn a_series_costs_little_memory() {
    let w = world_with(11, "moderate");
    let store = &w.metrics().store;
    let per_series = store.heap_bytes() / store.len();
    println!("{} series, {} bytes per series", store.len(), per_series);
    assert!(per_series < 16 * 1024);
}

/// The real curl as an oracle for what it decides before any connection: globbing errors and
/// option errors. Skips with a message when curl is not installed.
#[test]
fn client_side_curl_errors_match_the_real_curl_byte_for_byte() {
    let Ok(version) = std::process::Command::new("curl").arg("--version").output() else {
        println!("curl not installed: skipping the oracle comparison");
        return;
    };
    assert!(version.status.success());
    let mut w = world_with(12, "light");
    let cases = [
        r#"http://prometheus.monitoring:9090/api/v1/query?query=rate(request_duration_seconds_count[1m])"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name="catalogue"}[1m])) by (le))"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=sum(rate(x{a="b"}[5m]))"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=x{a{b}}"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=x{a"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=x]"#,
        r#"http://prometheus.monitoring:9090/api/v1/query?query=x[1h:5m]"#,
    ];
    let mut agreed = 0;
    for url in cases {
        for silent in [false, true] {
            let mut args: Vec<String> = Vec::new();
            if silent {
                args.push("-s".into());
            }
            args.push(url.into());
            let real = std::process::Command::new("curl")
                .args(&args)
                .output()
                .expect("curl runs");
            let real_code = real.status.code().unwrap_or(-1);
            if real_code != 3 {
                // Only errors decided before connecting are comparable offline.
                continue;
            }
            let sim = w.curl(&args);
            assert_eq!(sim.status, real_code, "{url}");
            assert_eq!(sim.stderr, String::from_utf8_lossy(&real.stderr), "{url}");
            assert_eq!(sim.stdout, String::from_utf8_lossy(&real.stdout), "{url}");
            agreed += 1;
        }
    }
    for option in ["--frobnicate", "--no-such-option"] {
        let args: Vec<String> = vec![option.into(), "http://x".into()];
        let real = std::process::Command::new("curl")
            .args(&args)
            .output()
            .expect("curl runs");
        let sim = w.curl(&args);
        assert_eq!(sim.status, real.status.code().unwrap_or(-1), "{option}");
        assert_eq!(
            sim.stderr,
            String::from_utf8_lossy(&real.stderr),
            "{option}"
        );
        agreed += 1;
    }
    println!("{agreed} curl command lines agree with the real curl");
    assert!(agreed >= 10);
}
