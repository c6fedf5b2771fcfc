//! Selectors and subqueries: which stored samples a node sees at an evaluation time.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use promql_parser::label::MatchOp as ParserMatchOp;
use promql_parser::parser::{AtModifier, MatrixSelector, Offset, SubqueryExpr, VectorSelector};

use crate::promql::engine::{Ctx, EngineOptions, RangeArg, Semantics, eval};
use crate::promql::error::EngineError;
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::storage::{LabelMatcher, MatchOp, Series, is_stale};
use crate::promql::value::{RangeSeries, Sample, Value};

/// The most evaluation steps one subquery may take (Prometheus limits loaded samples instead).
const MAX_SUBQUERY_STEPS: i64 = 1_000_000;

/// The time a node is evaluated at after its `@` modifier.
fn at_time(ctx: &Ctx<'_>, at: &Option<AtModifier>, ts: i64) -> i64 {
    match at {
        None => ts,
        Some(AtModifier::Start) => ctx.start,
        Some(AtModifier::End) => ctx.end,
        Some(AtModifier::At(t)) => system_time_ms(*t),
    }
}

/// Milliseconds since the epoch of a parser timestamp (negative before 1970).
fn system_time_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// An offset in milliseconds (positive looks back).
fn offset_ms(offset: &Option<Offset>) -> i64 {
    match offset {
        None => 0,
        Some(Offset::Pos(d)) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Some(Offset::Neg(d)) => -i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
    }
}

/// The store matchers of a selector: the metric name plus each written matcher.
/// A selector with `or` alternatives yields one matcher list per alternative.
fn matcher_sets(vs: &VectorSelector) -> Vec<Vec<LabelMatcher>> {
    let convert = |m: &promql_parser::label::Matcher| LabelMatcher {
        name: m.name.clone(),
        op: match &m.op {
            ParserMatchOp::Equal => MatchOp::Equal(m.value.clone()),
            ParserMatchOp::NotEqual => MatchOp::NotEqual(m.value.clone()),
            ParserMatchOp::Re(r) => MatchOp::Regex(r.clone()),
            ParserMatchOp::NotRe(r) => MatchOp::NotRegex(r.clone()),
        },
    };
    let with_name = |mut list: Vec<LabelMatcher>| {
        if let Some(name) = &vs.name {
            list.insert(0, LabelMatcher::equal(METRIC_NAME, name));
        }
        list
    };
    if vs.matchers.or_matchers.is_empty() {
        vec![with_name(
            vs.matchers.matchers.iter().map(convert).collect(),
        )]
    } else {
        vs.matchers
            .or_matchers
            .iter()
            .map(|alt| with_name(alt.iter().map(convert).collect()))
            .collect()
    }
}

/// The stored series a selector names, each once, in label order.
fn selected<'a>(ctx: &Ctx<'a>, vs: &VectorSelector) -> Vec<&'a Series> {
    let sets = matcher_sets(vs);
    if sets.len() == 1 {
        return ctx.store.select(&sets[0]);
    }
    let mut by_labels = BTreeMap::new();
    for set in &sets {
        for s in ctx.store.select(set) {
            by_labels.insert(&s.labels, s);
        }
    }
    by_labels.into_values().collect()
}

/// Whether a sample at `t` lies inside a window ending at `end` of length `len`.
fn after_window_start(opts: &EngineOptions, t: i64, end: i64, len: i64) -> bool {
    match opts.semantics {
        Semantics::V2 => t >= end.saturating_sub(len),
        Semantics::V3 => t > end.saturating_sub(len),
    }
}

/// An instant vector selector: the newest non-stale sample within the lookback window.
pub(crate) fn select_vector(
    ctx: &Ctx<'_>,
    vs: &VectorSelector,
    ts: i64,
) -> Result<Vec<Sample>, EngineError> {
    let t = at_time(ctx, &vs.at, ts).saturating_sub(offset_ms(&vs.offset));
    let mut out = Vec::new();
    for series in selected(ctx, vs) {
        let Some((st, sv)) = series.last_at_or_before(t) else {
            continue;
        };
        if is_stale(sv) || !after_window_start(ctx.opts, st, t, ctx.opts.lookback_delta_ms) {
            continue;
        }
        out.push(Sample {
            labels: series.labels.clone(),
            value: sv,
            timestamp_ms: st,
            drop_name: false,
        });
    }
    Ok(out)
}

/// A matrix selector: every non-stale sample in the window, per series.
pub(crate) fn select_matrix(
    ctx: &Ctx<'_>,
    ms: &MatrixSelector,
    ts: i64,
) -> Result<RangeArg, EngineError> {
    let end = at_time(ctx, &ms.vs.at, ts).saturating_sub(offset_ms(&ms.vs.offset));
    let range = i64::try_from(ms.range.as_millis()).unwrap_or(i64::MAX);
    let mut series_out = Vec::new();
    for series in selected(ctx, &ms.vs) {
        let r = series.range_indices(end.saturating_sub(range), end);
        let points: Vec<(i64, f64)> = series
            .samples(r)
            .filter(|(t, v)| !is_stale(*v) && after_window_start(ctx.opts, *t, end, range))
            .collect();
        if !points.is_empty() {
            series_out.push(RangeSeries {
                labels: series.labels.clone(),
                points,
                drop_name: false,
            });
        }
    }
    Ok(RangeArg {
        series: series_out,
        end,
        range,
    })
}

/// A subquery: the inner expression evaluated at step-aligned times inside the window.
pub(crate) fn subquery(ctx: &Ctx<'_>, sq: &SubqueryExpr, ts: i64) -> Result<RangeArg, EngineError> {
    let end = at_time(ctx, &sq.at, ts).saturating_sub(offset_ms(&sq.offset));
    let range = i64::try_from(sq.range.as_millis()).unwrap_or(i64::MAX);
    let step = sq
        .step
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .filter(|s| *s > 0)
        .unwrap_or(ctx.opts.default_subquery_step_ms);
    let lower = end.saturating_sub(range);
    if range / step > MAX_SUBQUERY_STEPS {
        return Err(EngineError::TooManySamples);
    }
    let mut t = lower.div_euclid(step) * step;
    while !after_window_start(ctx.opts, t, end, range) {
        t = t.saturating_add(step);
    }

    let mut out: BTreeMap<Labels, (Vec<(i64, f64)>, bool)> = BTreeMap::new();
    while t <= end {
        match eval(ctx, &sq.expr, t)? {
            Value::Vector(samples) => {
                for s in samples {
                    let entry = out.entry(s.labels).or_default();
                    entry.0.push((t, s.value));
                    entry.1 |= s.drop_name;
                }
            }
            Value::Scalar(v) => out.entry(Labels::new()).or_default().0.push((t, v)),
            other => {
                return Err(EngineError::InvalidArgument(format!(
                    "subquery of {} is not allowed",
                    other.type_name()
                )));
            }
        }
        let Some(next) = t.checked_add(step) else {
            break;
        };
        t = next;
    }
    Ok(RangeArg {
        series: out
            .into_iter()
            .map(|(labels, (points, drop_name))| RangeSeries {
                labels,
                points,
                drop_name,
            })
            .collect(),
        end,
        range,
    })
}
