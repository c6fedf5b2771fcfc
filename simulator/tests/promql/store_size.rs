//! Size and shape of the Sock-Shop fixture store.

use odyssey_simulator::promql::{Engine, Value};

use crate::fixture::{START_MS, sock_shop_store};

#[test]
fn fixture_store_has_about_two_thousand_series_and_reports_its_size() {
    let store = sock_shop_store(7, 60);
    let bytes = store.heap_bytes();
    println!(
        "series: {}, heap bytes: {bytes}, bytes per series: {}",
        store.len(),
        bytes / store.len()
    );
    assert!(
        (1500..3000).contains(&store.len()),
        "{} series",
        store.len()
    );

    let q = r#"histogram_quantile(0.99, sum(rate(request_duration_seconds_bucket{name="catalogue"}[1m])) by (le))"#;
    let v = Engine::default()
        .instant_query(&store, q, START_MS + 3_600_000)
        .expect("query runs");
    let Value::Vector(samples) = v else {
        panic!("expected a vector")
    };
    assert_eq!(samples.len(), 1);
    assert!(
        samples[0].value > 0.0 && samples[0].value < 1.0,
        "{samples:?}"
    );
}
