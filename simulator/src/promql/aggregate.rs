//! Aggregation operators (`sum`, `avg`, `topk`, `quantile`, `count_values`, …) with `by`/`without`.

use std::collections::BTreeMap;

use promql_parser::parser::token::{
    T_AVG, T_BOTTOMK, T_COUNT, T_COUNT_VALUES, T_GROUP, T_MAX, T_MIN, T_QUANTILE, T_STDDEV,
    T_STDVAR, T_SUM, T_TOPK,
};
use promql_parser::parser::{AggregateExpr, Expr, LabelModifier};

use crate::promql::engine::{Ctx, Semantics, eval, eval_scalar, eval_vector};
use crate::promql::error::EngineError;
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::math::{MeanAcc, format_float, kahan_inc, quantile};
use crate::promql::value::{Sample, Value};

/// Evaluates an aggregation at `ts`.
pub(crate) fn eval_aggregate(
    ctx: &Ctx<'_>,
    a: &AggregateExpr,
    ts: i64,
) -> Result<Value, EngineError> {
    let op = a.op.id();
    let samples = eval_vector(ctx, &a.expr, ts)?;
    match op {
        T_TOPK | T_BOTTOMK => {
            let k = param_scalar(ctx, a.param.as_deref(), ts)?;
            if k.is_nan() {
                return Err(EngineError::InvalidArgument(
                    "Parameter value is NaN".into(),
                ));
            }
            Ok(Value::Vector(top_k(a, samples, k, op == T_TOPK)))
        }
        T_COUNT_VALUES => {
            let label = match a.param.as_deref() {
                Some(p) => match eval(ctx, p, ts)? {
                    Value::String(s) => s,
                    other => {
                        return Err(EngineError::InvalidArgument(format!(
                            "count_values parameter must be a string, got {}",
                            other.type_name()
                        )));
                    }
                },
                None => return Err(EngineError::InvalidArgument("missing parameter".into())),
            };
            count_values(a, samples, &label, ts).map(Value::Vector)
        }
        _ => {
            let q = if op == T_QUANTILE {
                param_scalar(ctx, a.param.as_deref(), ts)?
            } else {
                0.0
            };
            let v2 = ctx.opts.semantics == Semantics::V2;
            Ok(Value::Vector(simple(a, op, samples, q, v2, ts)?))
        }
    }
}

fn param_scalar(ctx: &Ctx<'_>, param: Option<&Expr>, ts: i64) -> Result<f64, EngineError> {
    match param {
        Some(p) => eval_scalar(ctx, p, ts),
        None => Err(EngineError::InvalidArgument("missing parameter".into())),
    }
}

/// The group a sample belongs to.
fn group_key(a: &AggregateExpr, labels: &Labels) -> Labels {
    match &a.modifier {
        None => Labels::new(),
        Some(LabelModifier::Include(by)) => labels.keep_only(&by.labels),
        Some(LabelModifier::Exclude(without)) => {
            let mut drop = without.labels.clone();
            drop.push(METRIC_NAME.to_string());
            labels.drop_names(&drop)
        }
    }
}

/// The state of one group of a simple aggregation.
struct Group {
    count: f64,
    value: f64,
    comp: f64,
    mean: f64,
    avg: MeanAcc,
    values: Vec<f64>,
    drop_name: bool,
}

/// `v2` selects Prometheus 2.x's arithmetic: a plain running sum and an incremental mean
/// (Prometheus 3 compensates both), so results match the older server to the last digit.
fn simple(
    a: &AggregateExpr,
    op: u16,
    samples: Vec<Sample>,
    q: f64,
    v2: bool,
    ts: i64,
) -> Result<Vec<Sample>, EngineError> {
    // Groups come out in the order of their first member, as Prometheus emits them.
    let mut index: BTreeMap<Labels, usize> = BTreeMap::new();
    let mut groups: Vec<(Labels, Group)> = Vec::new();
    for s in samples {
        let key = group_key(a, &s.labels);
        let v = s.value;
        match index.get(&key).map(|&i| &mut groups[i].1) {
            None => {
                let mut avg = MeanAcc::default();
                avg.add(v);
                let value = match op {
                    T_STDDEV | T_STDVAR if v.is_nan() || v.is_infinite() => f64::NAN,
                    T_STDDEV | T_STDVAR => 0.0,
                    T_GROUP => 1.0,
                    _ => v,
                };
                index.insert(key.clone(), groups.len());
                groups.push((
                    key,
                    Group {
                        count: 1.0,
                        value,
                        comp: 0.0,
                        mean: v,
                        avg,
                        values: vec![v],
                        drop_name: s.drop_name,
                    },
                ));
            }
            Some(g) => {
                g.count += 1.0;
                g.drop_name |= s.drop_name;
                match op {
                    T_SUM if v2 => g.value += v,
                    T_SUM => (g.value, g.comp) = kahan_inc(v, g.value, g.comp),
                    T_AVG if v2 => incremental_mean(&mut g.mean, v, g.count),
                    T_AVG => g.avg.add(v),
                    T_MAX if g.value < v || g.value.is_nan() => g.value = v,
                    T_MIN if g.value > v || g.value.is_nan() => g.value = v,
                    T_STDDEV | T_STDVAR => {
                        let delta = v - g.mean;
                        g.mean += delta / g.count;
                        g.value += delta * (v - g.mean);
                    }
                    T_QUANTILE => g.values.push(v),
                    _ => {}
                }
            }
        }
    }

    let mut out = Vec::with_capacity(groups.len());
    for (labels, mut g) in groups {
        let value = match op {
            T_SUM if g.value.is_infinite() => g.value,
            T_SUM => g.value + g.comp,
            T_AVG if v2 => g.mean,
            T_AVG => g.avg.value(),
            T_COUNT => g.count,
            T_GROUP => 1.0,
            T_MAX | T_MIN => g.value,
            T_STDVAR => g.value / g.count,
            T_STDDEV => (g.value / g.count).sqrt(),
            T_QUANTILE => quantile(q, &mut g.values),
            other => {
                return Err(EngineError::Unsupported(format!(
                    "aggregation {}",
                    promql_parser::parser::token::TokenType::new(other)
                )));
            }
        };
        let drop_name = g.drop_name && labels.metric_name().is_some();
        out.push(Sample {
            labels,
            value,
            timestamp_ms: ts,
            drop_name,
        });
    }
    Ok(out)
}

/// One step of Prometheus 2.x's running mean, which keeps an infinite mean unless a NaN or an
/// infinity of the other sign arrives.
fn incremental_mean(mean: &mut f64, v: f64, count: f64) {
    if mean.is_infinite() {
        if v.is_infinite() && (*mean > 0.0) == (v > 0.0) {
            return;
        }
        if !v.is_infinite() && !v.is_nan() {
            return;
        }
    }
    *mean += v / count - *mean / count;
}

/// Orders for `topk` (largest first) or `bottomk` (smallest first); NaN always sorts last.
fn k_order(top: bool, a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => std::cmp::Ordering::Equal,
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ if top => b.total_cmp(&a),
        _ => a.total_cmp(&b),
    }
}

fn top_k(a: &AggregateExpr, samples: Vec<Sample>, k: f64, top: bool) -> Vec<Sample> {
    if k < 1.0 {
        return Vec::new();
    }
    // The float-to-int cast saturates; a k beyond the input size keeps everything.
    let k = k as usize;
    let mut order: Vec<Labels> = Vec::new();
    let mut groups: BTreeMap<Labels, Vec<Sample>> = BTreeMap::new();
    for s in samples {
        let key = group_key(a, &s.labels);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(s);
    }
    let mut out = Vec::new();
    for key in order {
        let Some(mut members) = groups.remove(&key) else {
            continue;
        };
        members.sort_by(|x, y| k_order(top, x.value, y.value));
        members.truncate(k);
        out.extend(members);
    }
    out
}

fn count_values(
    a: &AggregateExpr,
    samples: Vec<Sample>,
    label: &str,
    ts: i64,
) -> Result<Vec<Sample>, EngineError> {
    if !crate::promql::functions::valid_label_name(label) {
        return Err(EngineError::InvalidArgument(format!(
            "invalid label name {label:?}"
        )));
    }
    let mut index: BTreeMap<Labels, usize> = BTreeMap::new();
    let mut counts: Vec<(Labels, f64)> = Vec::new();
    for s in samples {
        let mut key = group_key(a, &s.labels);
        key.set(label, &format_float(s.value));
        match index.get(&key) {
            Some(&i) => counts[i].1 += 1.0,
            None => {
                index.insert(key.clone(), counts.len());
                counts.push((key, 1.0));
            }
        }
    }
    Ok(counts
        .into_iter()
        .map(|(labels, value)| Sample {
            labels,
            value,
            timestamp_ms: ts,
            drop_name: false,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_sorts_last_for_both_directions() {
        assert_eq!(k_order(true, f64::NAN, 1.0), std::cmp::Ordering::Greater);
        assert_eq!(k_order(false, f64::NAN, 1.0), std::cmp::Ordering::Greater);
        assert_eq!(k_order(true, 2.0, 1.0), std::cmp::Ordering::Less);
    }
}
