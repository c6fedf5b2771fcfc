//! Benchmark of the agents' most common latency query over an hour of Sock Shop history.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use odyssey_simulator::promql::{Engine, parse};

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/promql/fixture.rs"]
mod fixture;

fn p99_latency(c: &mut Criterion) {
    let store = fixture::sock_shop_store(7, 60);
    let bytes = store.heap_bytes();
    eprintln!(
        "store: {} series, {} bytes per series",
        store.len(),
        bytes / store.len()
    );
    let engine = Engine::default();
    let query = r#"histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name="catalogue"}[1m])) by (le))"#;
    let at = fixture::START_MS + 3_600_000;

    c.bench_function(
        "p99 catalogue latency, instant_query (parse cache warm)",
        |b| b.iter(|| engine.instant_query(&store, black_box(query), black_box(at))),
    );
    c.bench_function("parse only (promql-parser, uncached)", |b| {
        b.iter(|| parse(black_box(query)))
    });
    let expr = parse(query).expect("the query parses");
    c.bench_function("p99 catalogue latency, instant (eval only)", |b| {
        b.iter(|| engine.instant_expr(&store, black_box(&expr), black_box(at)))
    });
    c.bench_function("p99 catalogue latency, range 1h step 60s", |b| {
        b.iter(|| engine.range_expr(&store, &expr, at - 3_600_000, at, 60_000))
    });
}

criterion_group!(benches, p99_latency);
criterion_main!(benches);
