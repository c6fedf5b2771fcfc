//! The evaluator: instant and range queries over a [`Store`], one timestamp at a time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use promql_parser::parser::Expr;

use crate::promql::error::EngineError;
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::selectors::{select_matrix, select_vector, subquery};
use crate::promql::storage::Store;
use crate::promql::value::{RangeSeries, Sample, Value};
use crate::promql::{aggregate, binary, functions};

/// Which Prometheus generation's boundary rules to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Semantics {
    /// Prometheus 2.x: range and lookback windows include their start (`[t-r, t]`), rate
    /// extrapolation caps at the counter's zero point before the gap threshold is applied, and
    /// functions and operators remove the metric name immediately.
    #[default]
    V2,
    /// Prometheus 3.x: windows are left-open (`(t-r, t]`) and the metric name is removed when the
    /// query ends (delayed name removal), as the upstream test scripts expect.
    V3,
}

/// Tunables of the engine; the defaults are Prometheus's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    /// How far back an instant selector looks for a sample (default 5 minutes).
    pub lookback_delta_ms: i64,
    /// The step of a subquery written without one (the global evaluation interval, 1 minute).
    pub default_subquery_step_ms: i64,
    /// Window boundary rules.
    pub semantics: Semantics,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            lookback_delta_ms: 5 * 60 * 1000,
            default_subquery_step_ms: 60 * 1000,
            semantics: Semantics::V2,
        }
    }
}

/// A PromQL engine: its options and a cache of parsed queries (results never depend on it).
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// The options in force.
    pub options: EngineOptions,
    parsed: ParseCache,
}

/// Parsed expressions by query text; agents repeat queries, and parsing costs more than
/// evaluating a typical one.
#[derive(Debug, Clone, Default)]
struct ParseCache(Arc<Mutex<BTreeMap<String, Expr>>>);

/// Entries kept before the cache starts over.
const PARSE_CACHE_LIMIT: usize = 512;

/// The state of one query evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) store: &'a Store,
    pub(crate) opts: &'a EngineOptions,
    pub(crate) start: i64,
    pub(crate) end: i64,
}

/// A range-vector argument with the window it was selected over.
pub(crate) struct RangeArg {
    pub(crate) series: Vec<RangeSeries>,
    /// The window's end (evaluation time after `@` and `offset`).
    pub(crate) end: i64,
    /// The window's length.
    pub(crate) range: i64,
}

/// Parses a query, mapping the parser's message into [`EngineError::Parse`].
///
/// # Errors
///
/// [`EngineError::Parse`] with the parser's text.
pub fn parse(query: &str) -> Result<Expr, EngineError> {
    register_prometheus2_functions();
    // promql-parser 0.11 panics on some literals used as durations (`offset 1e300`,
    // `x[NaN]`): contain that here so that no query string can bring the caller down.
    // TODO: drop the guard once the parser reports those as errors.
    match std::panic::catch_unwind(|| promql_parser::parser::parse(query)) {
        Ok(result) => result.map_err(|message| EngineError::Parse { message }),
        Err(_) => Err(EngineError::Parse {
            message: "duration out of range".to_string(),
        }),
    }
}

/// Teaches the parser `holt_winters`, which Prometheus 2.x has and promql-parser 0.11 lacks.
///
/// # Caveats
///
/// The parser's function registry is process-wide, so every parse in the process accepts it.
fn register_prometheus2_functions() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use promql_parser::parser::value::ValueType;
        // Registration fails only on a clash with a built-in; then the built-in is used.
        let _ = promql_parser::parser::register_extra_functions(vec![
            promql_parser::parser::Function::new(
                "holt_winters",
                vec![ValueType::Matrix, ValueType::Scalar, ValueType::Scalar],
                0,
                ValueType::Vector,
                false,
            ),
        ]);
    });
}

impl Engine {
    /// An engine with the given options.
    pub fn new(options: EngineOptions) -> Self {
        Self {
            options,
            parsed: ParseCache::default(),
        }
    }

    /// Parses `query`, reusing an earlier parse of the same text.
    ///
    /// # Errors
    ///
    /// [`EngineError::Parse`] with the parser's text.
    pub fn parse(&self, query: &str) -> Result<Expr, EngineError> {
        if let Ok(cache) = self.parsed.0.lock()
            && let Some(e) = cache.get(query)
        {
            return Ok(e.clone());
        }
        let expr = parse(query)?;
        if let Ok(mut cache) = self.parsed.0.lock() {
            if cache.len() >= PARSE_CACHE_LIMIT {
                cache.clear();
            }
            cache.insert(query.to_string(), expr.clone());
        }
        Ok(expr)
    }

    /// Evaluates `query` at `time_ms`, as `/api/v1/query` does.
    ///
    /// # Errors
    ///
    /// A parse error or an execution error ([`EngineError`]).
    pub fn instant_query(
        &self,
        store: &Store,
        query: &str,
        time_ms: i64,
    ) -> Result<Value, EngineError> {
        let expr = self.parse(query)?;
        self.instant_expr(store, &expr, time_ms)
    }

    /// Evaluates a parsed expression at `time_ms`.
    ///
    /// # Errors
    ///
    /// An execution error.
    pub fn instant_expr(
        &self,
        store: &Store,
        expr: &Expr,
        time_ms: i64,
    ) -> Result<Value, EngineError> {
        let ctx = Ctx {
            store,
            opts: &self.options,
            start: time_ms,
            end: time_ms,
        };
        let value = eval(&ctx, expr, time_ms)?;
        finish(value)
    }

    /// Evaluates `query` at `start, start+step, …, ≤ end`, as `/api/v1/query_range` does.
    /// Series are sorted by labels; steps without a value are absent from `points`.
    ///
    /// # Errors
    ///
    /// A parse error, [`EngineError::InvalidRangeQueryType`] for a range-vector or string
    /// expression, or an execution error.
    pub fn range_query(
        &self,
        store: &Store,
        query: &str,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Vec<RangeSeries>, EngineError> {
        let expr = self.parse(query)?;
        self.range_expr(store, &expr, start_ms, end_ms, step_ms)
    }

    /// Evaluates a parsed expression as a range query.
    ///
    /// # Errors
    ///
    /// As [`Engine::range_query`].
    pub fn range_expr(
        &self,
        store: &Store,
        expr: &Expr,
        start_ms: i64,
        end_ms: i64,
        step_ms: i64,
    ) -> Result<Vec<RangeSeries>, EngineError> {
        use promql_parser::parser::value::ValueType;
        match expr.value_type() {
            ValueType::Matrix => return Err(EngineError::InvalidRangeQueryType("range vector")),
            ValueType::String => return Err(EngineError::InvalidRangeQueryType("string")),
            _ => {}
        }
        let ctx = Ctx {
            store,
            opts: &self.options,
            start: start_ms,
            end: end_ms,
        };
        let step = step_ms.max(1);
        let mut out: BTreeMap<Labels, Vec<(i64, f64)>> = BTreeMap::new();
        let mut t = start_ms;
        while t <= end_ms {
            match finish(eval(&ctx, expr, t)?)? {
                Value::Scalar(v) => out.entry(Labels::new()).or_default().push((t, v)),
                Value::Vector(samples) => {
                    for s in samples {
                        out.entry(s.labels).or_default().push((t, s.value));
                    }
                }
                other => return Err(EngineError::InvalidRangeQueryType(other.type_name())),
            }
            let Some(next) = t.checked_add(step) else {
                break;
            };
            t = next;
        }
        Ok(out
            .into_iter()
            .map(|(labels, points)| RangeSeries {
                labels,
                points,
                drop_name: false,
            })
            .collect())
    }
}

/// Applies delayed metric-name removal and rejects duplicate label sets.
fn finish(value: Value) -> Result<Value, EngineError> {
    match value {
        Value::Vector(mut samples) => {
            for s in &mut samples {
                if s.drop_name {
                    s.labels.remove(METRIC_NAME);
                    s.drop_name = false;
                }
            }
            check_unique(samples.iter().map(|s| &s.labels))?;
            Ok(Value::Vector(samples))
        }
        Value::Matrix(mut series) => {
            for s in &mut series {
                if s.drop_name {
                    s.labels.remove(METRIC_NAME);
                    s.drop_name = false;
                }
            }
            check_unique(series.iter().map(|s| &s.labels))?;
            Ok(Value::Matrix(series))
        }
        other => Ok(other),
    }
}

/// Fails with [`EngineError::DuplicateLabelset`] when two label sets are equal.
///
/// Label sets are compared by hash first (the std hasher with its fixed keys, so the check is
/// deterministic) and only equal hashes are compared in full.
pub(crate) fn check_unique<'a>(
    labels: impl Iterator<Item = &'a Labels>,
) -> Result<(), EngineError> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let mut hashed: Vec<(u64, &Labels)> = labels.map(|l| (hasher.hash_one(l), l)).collect();
    hashed.sort_unstable_by_key(|(h, _)| *h);
    for (i, w) in hashed.windows(2).enumerate() {
        if w[0].0 != w[1].0 {
            continue;
        }
        let same_hash = hashed[i..].iter().take_while(|(h, _)| *h == w[0].0);
        if same_hash.clone().skip(1).any(|(_, l)| *l == w[0].1) {
            return Err(EngineError::DuplicateLabelset);
        }
    }
    Ok(())
}

/// Evaluates `expr` at `ts`.
///
/// Under [`Semantics::V2`] the metric name is removed as soon as a function or operator drops
/// it, and such a node fails when its output repeats a label set, as Prometheus 2.x does;
/// under [`Semantics::V3`] removal waits for the end of the query.
pub(crate) fn eval(ctx: &Ctx<'_>, expr: &Expr, ts: i64) -> Result<Value, EngineError> {
    let value = eval_node(ctx, expr, ts)?;
    let drops_eagerly = ctx.opts.semantics == Semantics::V2
        && matches!(expr, Expr::Call(_) | Expr::Binary(_) | Expr::Unary(_));
    match value {
        Value::Vector(samples) if drops_eagerly => drop_names_now(samples).map(Value::Vector),
        other if drops_eagerly => finish(other),
        other => Ok(other),
    }
}

/// Removes flagged metric names and rejects collisions. When every sample lost the same name,
/// removal cannot make two distinct label sets equal and the collision check is skipped.
fn drop_names_now(mut samples: Vec<Sample>) -> Result<Vec<Sample>, EngineError> {
    let mut injective = true;
    let mut first_name: Option<String> = None;
    for s in &mut samples {
        let name = s.labels.metric_name().map(str::to_string);
        match (s.drop_name, name) {
            (true, Some(n)) => {
                match &first_name {
                    None => first_name = Some(n),
                    Some(f) if *f == n => {}
                    Some(_) => injective = false,
                }
                s.labels.remove(METRIC_NAME);
            }
            _ => injective = false,
        }
        s.drop_name = false;
    }
    if !injective {
        check_unique(samples.iter().map(|s| &s.labels))?;
    }
    Ok(samples)
}

fn eval_node(ctx: &Ctx<'_>, expr: &Expr, ts: i64) -> Result<Value, EngineError> {
    match expr {
        Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
        Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
        Expr::Paren(p) => eval(ctx, &p.expr, ts),
        Expr::Unary(u) => match eval(ctx, &u.expr, ts)? {
            Value::Scalar(v) => Ok(Value::Scalar(-v)),
            Value::Vector(mut samples) => {
                for s in &mut samples {
                    s.value = -s.value;
                    s.drop_name = true;
                    s.timestamp_ms = ts;
                }
                Ok(Value::Vector(samples))
            }
            other => Err(EngineError::Unsupported(format!(
                "unary minus on {}",
                other.type_name()
            ))),
        },
        Expr::Binary(b) => binary::eval_binary(ctx, b, ts),
        Expr::Aggregate(a) => aggregate::eval_aggregate(ctx, a, ts),
        Expr::Call(c) => functions::call(ctx, c, ts),
        Expr::VectorSelector(vs) => Ok(Value::Vector(select_vector(ctx, vs, ts)?)),
        Expr::MatrixSelector(ms) => Ok(Value::Matrix(select_matrix(ctx, ms, ts)?.series)),
        Expr::Subquery(sq) => Ok(Value::Matrix(subquery(ctx, sq, ts)?.series)),
        Expr::Extension(_) => Err(EngineError::Unsupported("extension node".into())),
    }
}

/// Evaluates `expr` and requires an instant vector.
pub(crate) fn eval_vector(ctx: &Ctx<'_>, expr: &Expr, ts: i64) -> Result<Vec<Sample>, EngineError> {
    match eval(ctx, expr, ts)? {
        Value::Vector(v) => Ok(v),
        other => Err(EngineError::InvalidArgument(format!(
            "expected instant vector, got {}",
            other.type_name()
        ))),
    }
}

/// Evaluates `expr` and requires a scalar.
pub(crate) fn eval_scalar(ctx: &Ctx<'_>, expr: &Expr, ts: i64) -> Result<f64, EngineError> {
    match eval(ctx, expr, ts)? {
        Value::Scalar(v) => Ok(v),
        other => Err(EngineError::InvalidArgument(format!(
            "expected scalar, got {}",
            other.type_name()
        ))),
    }
}

/// Evaluates a range-vector argument (a matrix selector or a subquery) with its window.
pub(crate) fn eval_range(ctx: &Ctx<'_>, expr: &Expr, ts: i64) -> Result<RangeArg, EngineError> {
    match expr {
        Expr::MatrixSelector(ms) => select_matrix(ctx, ms, ts),
        Expr::Subquery(sq) => subquery(ctx, sq, ts),
        Expr::Paren(p) => eval_range(ctx, &p.expr, ts),
        other => Err(EngineError::InvalidArgument(format!(
            "expected range vector, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn store() -> Store {
        let mut s = Store::new();
        let a = Labels::from_pairs([("__name__", "m"), ("pod", "a")]);
        let b = Labels::from_pairs([("__name__", "m"), ("pod", "b")]);
        for k in 0..20 {
            s.append(&a, k * 15_000, k as f64).unwrap();
            if k < 10 {
                s.append(&b, k * 15_000, 100.0 + k as f64).unwrap();
            }
        }
        // Pod b fails after its tenth scrape: the scraper writes a staleness marker.
        s.append_stale(&b, 150_000).unwrap();
        s
    }

    fn vector(v: Value) -> Vec<Sample> {
        match v {
            Value::Vector(s) => s,
            other => panic!("expected a vector, got {other:?}"),
        }
    }

    #[test]
    fn a_stale_series_disappears_right_after_its_last_scrape() {
        let e = Engine::default();
        assert_eq!(
            vector(e.instant_query(&store(), "m", 140_000).unwrap()).len(),
            2
        );
        let after = vector(e.instant_query(&store(), "m", 151_000).unwrap());
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].labels.get("pod"), Some("a"));
    }

    #[test]
    fn lookback_finds_samples_up_to_five_minutes_old() {
        let e = Engine::default();
        let t = 19 * 15_000;
        assert_eq!(
            vector(
                e.instant_query(&store(), "m{pod=\"a\"}", t + 299_000)
                    .unwrap()
            )
            .len(),
            1
        );
        assert!(
            vector(
                e.instant_query(&store(), "m{pod=\"a\"}", t + 301_000)
                    .unwrap()
            )
            .is_empty()
        );
    }

    #[test]
    fn offset_and_at_shift_the_evaluation_time() {
        let e = Engine::default();
        let v = vector(
            e.instant_query(&store(), "m{pod=\"a\"} offset 1m", 150_000)
                .unwrap(),
        );
        assert_eq!(v[0].value, 6.0);
        let v = vector(
            e.instant_query(&store(), "m{pod=\"a\"} @ 30", 285_000)
                .unwrap(),
        );
        assert_eq!(v[0].value, 2.0);
    }

    #[test]
    fn rate_of_a_steady_counter_drops_the_name() {
        let e = Engine::default();
        let v = vector(
            e.instant_query(&store(), "rate(m{pod=\"a\"}[1m])", 285_000)
                .unwrap(),
        );
        assert!((v[0].value - 1.0 / 15.0).abs() < 1e-12);
        assert_eq!(v[0].labels.metric_name(), None);
    }

    #[test]
    fn range_queries_skip_steps_without_data() {
        let e = Engine::default();
        let r = e
            .range_query(&store(), "m{pod=\"b\"}", 0, 600_000, 60_000)
            .unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].points.len(), 3);
    }

    #[test]
    fn duplicate_label_sets_are_found_by_hash_and_confirmed() {
        let a = Labels::from_pairs([("x", "1")]);
        let b = Labels::from_pairs([("x", "2")]);
        assert!(check_unique([&a, &b].into_iter()).is_ok());
        assert!(check_unique([&a, &b, &a].into_iter()).is_err());
    }

    #[test]
    fn v2_drops_names_at_once_and_rejects_collisions() {
        let mut s = store();
        let other = Labels::from_pairs([("__name__", "n"), ("pod", "a")]);
        for k in 0..20 {
            s.append(&other, k * 15_000, 1.0).unwrap();
        }
        let q = r#"sum(rate({__name__=~"m|n", pod="a"}[1m]))"#;
        assert!(matches!(
            Engine::default().instant_query(&s, q, 285_000),
            Err(EngineError::DuplicateLabelset)
        ));
        let v3 = Engine::new(EngineOptions {
            semantics: Semantics::V3,
            ..EngineOptions::default()
        });
        assert!(v3.instant_query(&s, q, 285_000).is_ok());
    }

    #[test]
    fn range_query_of_a_range_vector_is_rejected() {
        let e = Engine::default();
        assert!(matches!(
            e.range_query(&store(), "m[1m]", 0, 60_000, 15_000),
            Err(EngineError::InvalidRangeQueryType("range vector"))
        ));
    }
}
