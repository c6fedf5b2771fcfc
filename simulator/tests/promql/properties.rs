//! Property tests: no input makes the engine or the API panic, and aggregation invariants.

use odyssey_simulator::prometheus::{Params, api};
use odyssey_simulator::promql::{Engine, Labels, Store, Value};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "sum",
    "avg",
    "topk",
    "count_values",
    "quantile",
    "(",
    ")",
    "(",
    ")",
    "rate",
    "irate",
    "histogram_quantile",
    "label_replace",
    "label_join",
    "absent",
    "scalar",
    "vector",
    "time()",
    "[5m]",
    "[1m:15s]",
    "[",
    "]",
    ":",
    "{",
    "}",
    "m",
    "m",
    "other",
    "x=\"a\"",
    "x=~\"a|b\"",
    "y!=\"1\"",
    "le",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "==",
    "!=",
    ">",
    "<",
    "offset",
    "5m",
    "-5m",
    "@",
    "100",
    "start()",
    "end()",
    "1",
    "0.5",
    "-1",
    "NaN",
    "Inf",
    "\"x\"",
    "\"$1\"",
    "1e300",
    "9223372036854775807",
    "[100y:1ms]",
    "[100y]",
    "offset",
    "100y",
    "-1e300",
    ",",
    "clamp",
    "round",
    "sort_desc",
    "count_over_time",
    "predict_linear",
    "deriv",
    "stddev_over_time",
    "quantile_over_time",
    "day_of_week",
    "timestamp",
    "changes",
];

fn small_store() -> Store {
    let mut s = Store::new();
    for (i, x) in ["a", "b", "c"].iter().enumerate() {
        for y in 0..3 {
            let l = Labels::from_pairs([
                ("__name__", "m".to_string()),
                ("x", x.to_string()),
                ("y", y.to_string()),
                ("le", ["0.1", "1", "+Inf"][y].to_string()),
            ]);
            for k in 0..40 {
                let v = (k * (i + 1) + y) as f64;
                s.append(&l, k as i64 * 15_000, v).expect("in order");
            }
        }
    }
    s
}

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..14).prop_map(|t| t.join(" "))
}

fn run_everything(store: &Store, q: &str) {
    let engine = Engine::default();
    let _ = api::query(
        &engine,
        store,
        &Params::from_pairs([("query", q), ("time", "300")]),
        0,
    );
    let _ = api::query_range(
        &engine,
        store,
        &Params::from_pairs([("query", q), ("start", "0"), ("end", "600"), ("step", "60")]),
    );
    let _ = api::series(store, &Params::from_pairs([("match[]", q)]));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn no_panic_on_arbitrary_strings(q in ".{0,40}") {
        run_everything(&small_store(), &q);
    }

    #[test]
    fn no_panic_on_token_soup(q in token_soup()) {
        run_everything(&small_store(), &q);
    }

    #[test]
    fn no_panic_on_arbitrary_form_input(body in ".{0,60}") {
        let p = Params::decode(&body);
        run_everything(&small_store(), p.value("query"));
    }

    #[test]
    fn sum_by_equals_the_sum_of_its_parts(
        values in prop::collection::vec((0usize..3, 0usize..4, -1e6f64..1e6), 1..40),
    ) {
        let mut store = Store::new();
        let mut expected = [0.0f64; 3];
        let mut seen = std::collections::BTreeSet::new();
        for (x, y, v) in values {
            if !seen.insert((x, y)) {
                continue;
            }
            let l = Labels::from_pairs([
                ("__name__", "m".to_string()),
                ("x", format!("g{x}")),
                ("y", y.to_string()),
            ]);
            store.append(&l, 0, v).expect("one sample per series");
            expected[x] += v;
        }
        let engine = Engine::default();
        let got = engine.instant_query(&store, "sum by (x) (m)", 1000).expect("evaluates");
        let Value::Vector(samples) = got else { panic!("vector expected") };
        for s in &samples {
            let x = s.labels.get("x").expect("grouped by x");
            let idx: usize = x[1..].parse().expect("g<digit>");
            let part = engine
                .instant_query(&store, &format!("sum(m{{x=\"{x}\"}})"), 1000)
                .expect("evaluates");
            let Value::Vector(p) = part else { panic!("vector expected") };
            prop_assert_eq!(p.len(), 1);
            prop_assert!((p[0].value - s.value).abs() <= 1e-6 * s.value.abs().max(1.0));
            prop_assert!((expected[idx] - s.value).abs() <= 1e-6 * s.value.abs().max(1.0));
        }
        prop_assert_eq!(samples.len(), seen.iter().map(|(x, _)| *x).collect::<std::collections::BTreeSet<_>>().len());
    }
}
