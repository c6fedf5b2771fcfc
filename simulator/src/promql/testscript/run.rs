//! Executing parsed test scripts against the engine and comparing results.

use promql_parser::parser::Expr;
use promql_parser::parser::token::{T_LIMIT_RATIO, T_LIMITK};

use super::parse::{Command, EvalTime, Expectations, Expected, FailMatch, Point, SeriesDef};
use super::{Failure, FileReport, Skip};
use crate::promql::engine::{Engine, EngineOptions, Semantics, parse};
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::storage::{LabelMatcher, Store};
use crate::promql::value::{RangeSeries, Value};

/// The relative tolerance of value comparisons (the upstream runner's).
const EPSILON: f64 = 1e-6;

/// Functions that only make sense for native histograms.
const NATIVE_HISTOGRAM_FUNCTIONS: &[&str] = &[
    "histogram_count",
    "histogram_sum",
    "histogram_avg",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_quantiles",
];

/// The mutable state of one script run.
struct Runner {
    file: String,
    engine: Engine,
    store: Store,
    /// Label sets of the loaded series that carry native histogram samples.
    histogram_series: Vec<Labels>,
    report: FileReport,
}

/// Runs parsed commands; the name is used in failure descriptions.
pub(crate) fn run_commands(file: &str, commands: Vec<Command>) -> FileReport {
    let mut runner = Runner {
        file: file.to_string(),
        engine: Engine::new(EngineOptions {
            semantics: Semantics::V3,
            ..EngineOptions::default()
        }),
        store: Store::new(),
        histogram_series: Vec::new(),
        report: FileReport {
            file: file.to_string(),
            ..FileReport::default()
        },
    };
    for command in commands {
        match command {
            Command::Clear => {
                runner.store.clear();
                runner.histogram_series.clear();
            }
            Command::Load {
                interval,
                nhcb,
                series,
            } => runner.load(interval, nhcb, &series),
            Command::Eval {
                line,
                time,
                query,
                expect,
                expected,
                annotations,
            } => runner.eval(line, time, &query, &expect, &expected, annotations),
        }
    }
    runner.report
}

impl Runner {
    fn load(&mut self, interval: i64, nhcb: bool, series: &[SeriesDef]) {
        for def in series {
            let name = def.labels.metric_name().unwrap_or("").to_string();
            if def.histogram {
                self.histogram_series.push(def.labels.clone());
                continue;
            }
            if nhcb {
                // The loader also converts classic buckets into a native histogram named after
                // the base name, without `le`.
                for suffix in ["_bucket", "_count", "_sum"] {
                    if let Some(base) = name.strip_suffix(suffix) {
                        let mut l = def.labels.clone();
                        l.set(METRIC_NAME, base);
                        l.remove("le");
                        self.histogram_series.push(l);
                    }
                }
            }
            for (i, p) in def.points.iter().enumerate() {
                if let Point::Value(v) = p {
                    let t = interval * i as i64;
                    // Points of one definition are in time order, so appending cannot fail
                    // unless two loads overlap; the later value then wins by replacement or the
                    // sample is dropped, as a real TSDB would reject it.
                    let _ = self.store.append(&def.labels, t, *v);
                }
            }
        }
    }

    fn skip(&mut self, line: usize, query: &str, reason: String) {
        self.report.skipped.push(Skip {
            line,
            query: query.to_string(),
            reason,
        });
    }

    fn fail(&mut self, line: usize, query: &str, message: String) {
        self.report.failed.push(Failure {
            file: self.file.clone(),
            line,
            query: query.to_string(),
            message,
        });
    }

    fn eval(
        &mut self,
        line: usize,
        time: EvalTime,
        query: &str,
        expect: &Expectations,
        expected: &[Expected],
        annotations: bool,
    ) {
        if annotations || expect.annotations {
            return self.skip(line, query, "expects info/warn annotations".into());
        }
        if expected
            .iter()
            .any(|e| matches!(e, Expected::Series(s) if s.histogram))
        {
            return self.skip(line, query, "expects native histogram samples".into());
        }
        let expr = match parse(query) {
            Ok(e) => e,
            Err(e) => {
                if expect.fail.is_some() {
                    return self.check_failure(line, query, expect, &e.to_string());
                }
                return self.fail(line, query, format!("unexpected parse error: {e}"));
            }
        };
        if let Some(reason) = self.out_of_scope(&expr) {
            return self.skip(line, query, reason);
        }
        // A selection that includes native histogram series is evaluated over its float series
        // only: it passes when the expected result does not depend on the histograms (most
        // functions ignore them), and is skipped, not failed, when it does.
        let histogram_note = self.selects_any_histograms(&expr);

        let result = match time {
            EvalTime::Instant(t) => self.engine.instant_expr(&self.store, &expr, t),
            EvalTime::Range { start, end, step } => self
                .engine
                .range_expr(&self.store, &expr, start, end, step)
                .map(Value::Matrix),
        };
        let outcome = match (result, &expect.fail) {
            (Err(e), Some(_)) => match_failure(expect, &e.to_string()),
            (Err(e), None) => Err(format!("unexpected error: {e}")),
            (Ok(v), Some(_)) => Err(format!("expected an error, got {v:?}")),
            (Ok(v), None) => compare(time, expect, expected, &v),
        };
        match (outcome, histogram_note) {
            (Ok(()), _) => self.report.passed += 1,
            (Err(message), Some(note)) => self.skip(
                line,
                query,
                format!("{note}; the float-only result differs: {message}"),
            ),
            (Err(message), None) => self.fail(line, query, message),
        }
    }

    fn check_failure(&mut self, line: usize, query: &str, expect: &Expectations, got: &str) {
        match match_failure(expect, got) {
            Ok(()) => self.report.passed += 1,
            Err(message) => self.fail(line, query, message),
        }
    }

    /// Why a query is outside the scope of a float engine, if it is.
    fn out_of_scope(&self, expr: &Expr) -> Option<String> {
        let mut reason = None;
        walk(expr, &mut |e| {
            if reason.is_some() {
                return;
            }
            match e {
                Expr::Call(c) if c.func.experimental => {
                    reason = Some(format!("experimental function {}", c.func.name));
                }
                Expr::Call(c) if NATIVE_HISTOGRAM_FUNCTIONS.contains(&c.func.name) => {
                    reason = Some(format!("native histogram function {}", c.func.name));
                }
                Expr::Aggregate(a) if matches!(a.op.id(), T_LIMITK | T_LIMIT_RATIO) => {
                    reason = Some(format!("experimental aggregation {}", a.op));
                }
                _ => {}
            }
        });
        reason
    }

    /// A note naming a native histogram series that the query's selectors match, if any.
    fn selects_any_histograms(&self, expr: &Expr) -> Option<String> {
        let mut note = None;
        walk(expr, &mut |e| {
            if note.is_some() {
                return;
            }
            match e {
                Expr::VectorSelector(vs) => note = self.selects_histograms(vs),
                Expr::MatrixSelector(ms) => note = self.selects_histograms(&ms.vs),
                _ => {}
            }
        });
        note
    }

    fn selects_histograms(&self, vs: &promql_parser::parser::VectorSelector) -> Option<String> {
        let matchers: Vec<LabelMatcher> = vs
            .matchers
            .matchers
            .iter()
            .filter_map(|m| match &m.op {
                promql_parser::label::MatchOp::Equal => {
                    Some(LabelMatcher::equal(&m.name, &m.value))
                }
                promql_parser::label::MatchOp::NotEqual => {
                    Some(LabelMatcher::not_equal(&m.name, &m.value))
                }
                promql_parser::label::MatchOp::Re(_) => LabelMatcher::regex(&m.name, &m.value).ok(),
                promql_parser::label::MatchOp::NotRe(_) => {
                    LabelMatcher::not_regex(&m.name, &m.value).ok()
                }
            })
            .collect();
        self.histogram_series
            .iter()
            .find(|h| {
                vs.name
                    .as_deref()
                    .is_none_or(|n| h.metric_name() == Some(n))
                    && matchers.iter().all(|m| m.matches(h))
            })
            .map(|h| format!("selects native histogram series {h}"))
    }
}

/// Checks an error message against an `expect fail` line.
fn match_failure(expect: &Expectations, got: &str) -> Result<(), String> {
    let ok = match &expect.fail {
        Some(FailMatch::Exact(m)) => got == m,
        Some(FailMatch::Regex(r)) => regex::Regex::new(r).is_ok_and(|re| re.is_match(got)),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("expected error {:?}, got {got:?}", expect.fail))
    }
}

/// Visits `expr` and all its sub-expressions.
fn walk(expr: &Expr, f: &mut impl FnMut(&Expr)) {
    f(expr);
    match expr {
        Expr::Aggregate(a) => {
            if let Some(p) = &a.param {
                walk(p, f);
            }
            walk(&a.expr, f);
        }
        Expr::Unary(u) => walk(&u.expr, f),
        Expr::Binary(b) => {
            walk(&b.lhs, f);
            walk(&b.rhs, f);
        }
        Expr::Paren(p) => walk(&p.expr, f),
        Expr::Subquery(s) => walk(&s.expr, f),
        Expr::Call(c) => c.args.args.iter().for_each(|a| walk(a, f)),
        _ => {}
    }
}

/// Relative float equality with NaN equal to NaN, as the upstream runner compares.
fn almost_equal(a: f64, b: f64) -> bool {
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < f64::MIN_POSITIVE {
        return diff < EPSILON * f64::MIN_POSITIVE;
    }
    diff / abs_sum.min(f64::MAX) < EPSILON
}

fn expected_series(expected: &[Expected]) -> Result<Vec<&SeriesDef>, String> {
    expected
        .iter()
        .map(|e| match e {
            Expected::Series(s) => Ok(s),
            Expected::Scalar(v) => Err(format!("expected scalar {v} but got a vector/matrix")),
        })
        .collect()
}

fn compare(
    time: EvalTime,
    expect: &Expectations,
    expected: &[Expected],
    value: &Value,
) -> Result<(), String> {
    match value {
        Value::String(s) => match &expect.string {
            Some(e) if e == s => Ok(()),
            e => Err(format!("expected string {e:?}, got {s:?}")),
        },
        Value::Scalar(v) => match expected {
            [Expected::Scalar(e)] if almost_equal(*e, *v) => Ok(()),
            _ => Err(format!("expected {expected:?}, got scalar {v}")),
        },
        Value::Vector(samples) => {
            let exp = expected_series(expected)?;
            if exp.len() != samples.len() {
                return Err(format!(
                    "expected {} samples, got {}: {}",
                    exp.len(),
                    samples.len(),
                    render_vector(samples)
                ));
            }
            for (i, e) in exp.iter().enumerate() {
                let Some(pos) = samples.iter().position(|s| s.labels == e.labels) else {
                    return Err(format!(
                        "expected series {} not found in {}",
                        e.labels,
                        render_vector(samples)
                    ));
                };
                if expect.ordered && pos != i {
                    return Err(format!(
                        "expected {} at position {i}, found at {pos}",
                        e.labels
                    ));
                }
                let want = match e.points.as_slice() {
                    [Point::Value(v)] => *v,
                    other => return Err(format!("bad expected points {other:?}")),
                };
                if !almost_equal(want, samples[pos].value) {
                    return Err(format!(
                        "{}: expected {want}, got {}",
                        e.labels, samples[pos].value
                    ));
                }
            }
            Ok(())
        }
        Value::Matrix(series) => compare_matrix(time, expect, expected, series),
    }
}

fn compare_matrix(
    time: EvalTime,
    expect: &Expectations,
    expected: &[Expected],
    series: &[RangeSeries],
) -> Result<(), String> {
    let exp = expected_series(expected)?;
    let nonempty: Vec<&RangeSeries> = series.iter().filter(|s| !s.points.is_empty()).collect();
    if exp.len() != nonempty.len() {
        return Err(format!(
            "expected {} series, got {}: {}",
            exp.len(),
            nonempty.len(),
            render_matrix(series)
        ));
    }
    let (start, step) = match (time, expect.range_vector) {
        (EvalTime::Range { start, step, .. }, _) => (Some(start), step),
        (EvalTime::Instant(_), Some((start, _, step))) => (Some(start), step),
        (EvalTime::Instant(_), None) => (None, 0),
    };
    for e in exp {
        let Some(actual) = nonempty.iter().find(|s| s.labels == e.labels) else {
            return Err(format!(
                "expected series {} not found in {}",
                e.labels,
                render_matrix(series)
            ));
        };
        let want: Vec<(Option<i64>, f64)> = e
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| match p {
                Point::Value(v) => Some((start.map(|s| s + step * i as i64), *v)),
                Point::Omitted => None,
            })
            .collect();
        let ok = want.len() == actual.points.len()
            && want
                .iter()
                .zip(&actual.points)
                .all(|((wt, wv), (at, av))| wt.is_none_or(|t| t == *at) && almost_equal(*wv, *av));
        if !ok {
            return Err(format!(
                "{}: expected {:?}, got {:?}",
                e.labels, want, actual.points
            ));
        }
    }
    Ok(())
}

fn render_vector(samples: &[crate::promql::value::Sample]) -> String {
    let parts: Vec<String> = samples
        .iter()
        .map(|s| format!("{} {}", s.labels, s.value))
        .collect();
    format!("[{}]", parts.join(", "))
}

fn render_matrix(series: &[RangeSeries]) -> String {
    let parts: Vec<String> = series
        .iter()
        .map(|s| format!("{} {:?}", s.labels, s.points))
        .collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_equals_nan_and_tiny_differences_pass() {
        assert!(almost_equal(f64::NAN, f64::NAN));
        assert!(almost_equal(1.0, 1.0 + 1e-9));
        assert!(!almost_equal(1.0, 1.1));
    }

    #[test]
    fn empty_labels_render_as_braces() {
        assert_eq!(Labels::new().to_string(), "{}");
    }
}
