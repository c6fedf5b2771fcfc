//! A deterministic Sock-Shop-like store: request histograms, `up`, container CPU and process
//! metrics for several services, scraped every 15 s. Shared by the tests and the benchmark.

use odyssey_simulator::promql::{Labels, Store};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 2025-12-01T10:00:00Z, the first scrape round.
pub(crate) const START_MS: i64 = 1_764_583_200_000;
/// The scrape interval.
const SCRAPE_MS: i64 = 15_000;
/// Histogram bucket bounds of `request_duration_seconds`.
const BUCKETS: [&str; 12] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf",
];

/// One instrumented service.
struct Service {
    name: &'static str,
    instances: usize,
    routes: &'static [&'static str],
    methods: &'static [&'static str],
    /// Mean latency in seconds.
    latency: f64,
}

const SERVICES: [Service; 7] = [
    Service {
        name: "catalogue",
        instances: 2,
        routes: &[
            "/catalogue",
            "/catalogue/size",
            "/tags",
            "/catalogue/*",
            "/health",
        ],
        methods: &["GET"],
        latency: 0.012,
    },
    Service {
        name: "front-end",
        instances: 2,
        routes: &[
            "/",
            "/catalogue",
            "/cart",
            "/orders",
            "/login",
            "/basket.html",
        ],
        methods: &["GET", "POST"],
        latency: 0.04,
    },
    Service {
        name: "carts",
        instances: 1,
        routes: &[
            "/carts/{customerId}/items",
            "/carts/{customerId}",
            "/health",
        ],
        methods: &["GET", "POST", "DELETE"],
        latency: 0.02,
    },
    Service {
        name: "orders",
        instances: 1,
        routes: &["/orders", "/orders/{id}", "/health"],
        methods: &["GET", "POST"],
        latency: 0.08,
    },
    Service {
        name: "payment",
        instances: 1,
        routes: &["/paymentAuth", "/health"],
        methods: &["POST", "GET"],
        latency: 0.005,
    },
    Service {
        name: "user",
        instances: 2,
        routes: &["/login", "/customers", "/cards", "/addresses"],
        methods: &["GET", "POST"],
        latency: 0.01,
    },
    Service {
        name: "shipping",
        instances: 1,
        routes: &["/shipping", "/health"],
        methods: &["POST", "GET"],
        latency: 0.006,
    },
];

/// The state of one request-histogram series group.
struct HistogramState {
    labels: Vec<(String, String)>,
    buckets: [f64; 12],
    sum: f64,
    count: f64,
    rate: f64,
}

fn labels(base: &[(String, String)], extra: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(
        base.iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
    )
}

/// Builds the store: `minutes` of history for every service (about 2000 series in all).
///
/// Scrapes happen at a per-target offset with a non-zero millisecond part, so evaluation
/// times on whole seconds never coincide with a sample (the boundary rules of Prometheus 2 and
/// 3 then agree). One catalogue instance restarts half-way, resetting its counters.
pub(crate) fn sock_shop_store(seed: u64, minutes: i64) -> Store {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut store = Store::new();
    let scrapes = minutes * 60_000 / SCRAPE_MS;

    let mut groups: Vec<(usize, i64, HistogramState)> = Vec::new();
    let mut targets: Vec<(String, String, i64)> = Vec::new();
    for service in &SERVICES {
        for i in 0..service.instances {
            let instance = format!("10.244.{}.{}:80", 1 + i, 10 + groups.len() % 200);
            let offset = 1_000 + rng.random_range(0..13_000) + 7;
            targets.push((service.name.to_string(), instance.clone(), offset));
            for route in service.routes {
                for method in service.methods {
                    for status in ["200", "500"] {
                        let base = vec![
                            ("job".to_string(), format!("sock-shop/{}", service.name)),
                            ("name".to_string(), service.name.to_string()),
                            ("instance".to_string(), instance.clone()),
                            ("method".to_string(), method.to_string()),
                            ("route".to_string(), route.to_string()),
                            ("status_code".to_string(), status.to_string()),
                        ];
                        let rate = if status == "200" {
                            rng.random_range(0.5..8.0)
                        } else {
                            rng.random_range(0.0..0.3)
                        };
                        groups.push((
                            groups.len() % SERVICES.len(),
                            offset,
                            HistogramState {
                                labels: base,
                                buckets: [0.0; 12],
                                sum: 0.0,
                                count: 0.0,
                                rate,
                            },
                        ));
                    }
                }
            }
        }
    }

    let latency_of = |name: &str| {
        SERVICES
            .iter()
            .find(|s| s.name == name)
            .map_or(0.01, |s| s.latency)
    };
    let mut cpu: Vec<f64> = vec![0.0; targets.len()];
    let restart_at = scrapes / 2;
    for k in 0..scrapes {
        for (_, offset, g) in &mut groups {
            let t = START_MS + k * SCRAPE_MS + *offset;
            let restarted = k == restart_at && g.labels[2].1 == targets[0].1;
            if restarted {
                g.buckets = [0.0; 12];
                g.sum = 0.0;
                g.count = 0.0;
            }
            let mean = latency_of(&g.labels[1].1);
            let n = (g.rate * 15.0 * rng.random_range(0.6..1.4)).round() as usize;
            for _ in 0..n {
                let u: f64 = rng.random_range(1e-9..1.0);
                let latency = -u.ln() * mean;
                for (b, bound) in BUCKETS.iter().enumerate() {
                    let le: f64 = bound.parse().unwrap_or(f64::INFINITY);
                    if latency <= le {
                        g.buckets[b] += 1.0;
                    }
                }
                g.sum += latency;
                g.count += 1.0;
            }
            for (b, bound) in BUCKETS.iter().enumerate() {
                let l = labels(
                    &g.labels,
                    &[
                        ("__name__", "request_duration_seconds_bucket"),
                        ("le", bound),
                    ],
                );
                store.append(&l, t, g.buckets[b]).expect("in order");
            }
            let l = labels(&g.labels, &[("__name__", "request_duration_seconds_sum")]);
            store.append(&l, t, g.sum).expect("in order");
            let l = labels(&g.labels, &[("__name__", "request_duration_seconds_count")]);
            store.append(&l, t, g.count).expect("in order");
        }

        for (i, (name, instance, offset)) in targets.iter().enumerate() {
            let t = START_MS + k * SCRAPE_MS + offset;
            let job = format!("sock-shop/{name}");
            let base = vec![
                ("job".to_string(), job.clone()),
                ("name".to_string(), name.clone()),
                ("instance".to_string(), instance.clone()),
            ];
            let up = if i == targets.len() - 1 && k % 40 > 35 {
                0.0
            } else {
                1.0
            };
            store
                .append(&labels(&base, &[("__name__", "up")]), t, up)
                .expect("in order");
            cpu[i] += rng.random_range(0.01..0.3) * 15.0;
            let pod = format!("{name}-7d9c8f{i}b5-x{i}q2z");
            let cl = Labels::from_pairs([
                ("__name__", "container_cpu_usage_seconds_total"),
                ("namespace", "sock-shop"),
                ("pod", pod.as_str()),
                ("container", name.as_str()),
                ("cpu", "total"),
                ("job", "kubernetes-cadvisor"),
                ("instance", "node-1"),
            ]);
            store.append(&cl, t, cpu[i]).expect("in order");
            let process = [
                ("process_cpu_seconds_total", cpu[i] * 0.9),
                (
                    "process_resident_memory_bytes",
                    (5.0e7 + rng.random_range(0.0..1.0e6_f64)).round(),
                ),
                ("process_open_fds", rng.random_range(10..40) as f64),
                ("process_start_time_seconds", 1_764_500_000.25 + i as f64),
                ("go_goroutines", rng.random_range(20..60) as f64),
            ];
            for (metric, v) in process {
                store
                    .append(&labels(&base, &[("__name__", metric)]), t, v)
                    .expect("in order");
            }
        }
    }
    store.shrink_to_fit();
    store
}
