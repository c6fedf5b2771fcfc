//! Function calls: dispatch, instant-vector functions, label functions and date functions.

use promql_parser::label::MatchOp as ParserMatchOp;
use promql_parser::parser::{Call, Expr};

use crate::promql::engine::{Ctx, check_unique, eval, eval_range, eval_scalar, eval_vector};
use crate::promql::error::EngineError;
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::storage::compile_anchored;
use crate::promql::value::{Sample, Value};
use crate::promql::{histogram, range_functions};

/// Evaluates a function call at `ts`.
pub(crate) fn call(ctx: &Ctx<'_>, c: &Call, ts: i64) -> Result<Value, EngineError> {
    let name = c.func.name;
    let args: Vec<&Expr> = c.args.args.iter().map(|a| a.as_ref()).collect();
    let arg = |i: usize| {
        args.get(i)
            .copied()
            .ok_or_else(|| EngineError::InvalidArgument(format!("missing argument {i} of {name}")))
    };
    match name {
        "time" => Ok(Value::Scalar(ts as f64 / 1000.0)),
        "pi" => Ok(Value::Scalar(std::f64::consts::PI)),
        "vector" => Ok(Value::Vector(vec![Sample {
            labels: Labels::new(),
            value: eval_scalar(ctx, arg(0)?, ts)?,
            timestamp_ms: ts,
            drop_name: false,
        }])),
        "scalar" => {
            let v = eval_vector(ctx, arg(0)?, ts)?;
            Ok(Value::Scalar(if v.len() == 1 {
                v[0].value
            } else {
                f64::NAN
            }))
        }
        "timestamp" => {
            let mut v = eval_vector(ctx, arg(0)?, ts)?;
            for s in &mut v {
                s.value = s.timestamp_ms as f64 / 1000.0;
                s.timestamp_ms = ts;
                s.drop_name = true;
            }
            Ok(Value::Vector(v))
        }
        "sort" | "sort_desc" => {
            let mut v = eval_vector(ctx, arg(0)?, ts)?;
            let desc = name == "sort_desc";
            v.sort_by(|a, b| match (a.value.is_nan(), b.value.is_nan()) {
                (true, true) => std::cmp::Ordering::Equal,
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ if desc => b.value.total_cmp(&a.value),
                _ => a.value.total_cmp(&b.value),
            });
            Ok(Value::Vector(v))
        }
        "absent" => {
            let v = eval_vector(ctx, arg(0)?, ts)?;
            Ok(Value::Vector(absent(v.is_empty(), arg(0)?, ts)))
        }
        "absent_over_time" => {
            let r = eval_range(ctx, arg(0)?, ts)?;
            Ok(Value::Vector(absent(r.series.is_empty(), arg(0)?, ts)))
        }
        "label_replace" => label_replace(ctx, &args, ts),
        "label_join" => label_join(ctx, &args, ts),
        "histogram_quantile" => {
            let q = eval_scalar(ctx, arg(0)?, ts)?;
            let v = eval_vector(ctx, arg(1)?, ts)?;
            Ok(Value::Vector(histogram::histogram_quantile(q, &v, ts)))
        }
        "histogram_fraction" => {
            let lower = eval_scalar(ctx, arg(0)?, ts)?;
            let upper = eval_scalar(ctx, arg(1)?, ts)?;
            let v = eval_vector(ctx, arg(2)?, ts)?;
            Ok(Value::Vector(histogram::histogram_fraction(
                lower, upper, &v, ts,
            )))
        }
        "round" => {
            let to = match args.get(1) {
                Some(e) => eval_scalar(ctx, e, ts)?,
                None => 1.0,
            };
            let inv = 1.0 / to;
            map_values(ctx, arg(0)?, ts, |v| (v * inv + 0.5).floor() / inv)
        }
        "clamp" => {
            let (min, max) = (
                eval_scalar(ctx, arg(1)?, ts)?,
                eval_scalar(ctx, arg(2)?, ts)?,
            );
            if max < min {
                return Ok(Value::Vector(Vec::new()));
            }
            map_values(ctx, arg(0)?, ts, |v| go_max(min, go_min(max, v)))
        }
        "clamp_min" => {
            let min = eval_scalar(ctx, arg(1)?, ts)?;
            map_values(ctx, arg(0)?, ts, |v| go_max(v, min))
        }
        "clamp_max" => {
            let max = eval_scalar(ctx, arg(1)?, ts)?;
            map_values(ctx, arg(0)?, ts, |v| go_min(v, max))
        }
        "minute" | "hour" | "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month"
        | "month" | "year" => date_function(ctx, name, args.first().copied(), ts),
        "rate" | "increase" | "delta" | "irate" | "idelta" | "deriv" | "resets" | "changes"
        | "avg_over_time" | "sum_over_time" | "count_over_time" | "min_over_time"
        | "max_over_time" | "last_over_time" | "present_over_time" | "stddev_over_time"
        | "stdvar_over_time" | "first_over_time" => {
            let r = eval_range(ctx, arg(0)?, ts)?;
            range_functions::apply(name, r, &[], ctx.opts.semantics, ts).map(Value::Vector)
        }
        "quantile_over_time" => {
            let q = eval_scalar(ctx, arg(0)?, ts)?;
            let r = eval_range(ctx, arg(1)?, ts)?;
            range_functions::apply(name, r, &[q], ctx.opts.semantics, ts).map(Value::Vector)
        }
        "holt_winters" | "double_exponential_smoothing" => {
            let sf = eval_scalar(ctx, arg(1)?, ts)?;
            let tf = eval_scalar(ctx, arg(2)?, ts)?;
            let r = eval_range(ctx, arg(0)?, ts)?;
            range_functions::apply(name, r, &[sf, tf], ctx.opts.semantics, ts).map(Value::Vector)
        }
        "predict_linear" => {
            let h = eval_scalar(ctx, arg(1)?, ts)?;
            let r = eval_range(ctx, arg(0)?, ts)?;
            range_functions::apply(name, r, &[h], ctx.opts.semantics, ts).map(Value::Vector)
        }
        _ => match math_function(name) {
            Some(f) => map_values(ctx, arg(0)?, ts, f),
            None => Err(EngineError::Unsupported(format!("function {name}"))),
        },
    }
}

/// The element-wise math functions.
fn math_function(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sqrt" => f64::sqrt,
        "sgn" => |v: f64| {
            if v < 0.0 {
                -1.0
            } else if v > 0.0 {
                1.0
            } else {
                v
            }
        },
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "deg" => f64::to_degrees,
        "rad" => f64::to_radians,
        _ => return None,
    })
}

/// Go's `math.Max`: NaN wins, then +Inf.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a > b {
        a
    } else {
        b
    }
}

/// Go's `math.Min`: NaN wins, then -Inf.
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a < b {
        a
    } else {
        b
    }
}

/// Applies `f` to every sample of the vector argument; the metric name is dropped.
fn map_values(
    ctx: &Ctx<'_>,
    expr: &Expr,
    ts: i64,
    f: impl Fn(f64) -> f64,
) -> Result<Value, EngineError> {
    let mut v = eval_vector(ctx, expr, ts)?;
    for s in &mut v {
        s.value = f(s.value);
        s.timestamp_ms = ts;
        s.drop_name = true;
    }
    Ok(Value::Vector(v))
}

/// The one-element result of `absent`/`absent_over_time` when the argument selected nothing:
/// labels come from the selector's equality matchers (a label matched twice is left out).
fn absent(empty: bool, arg: &Expr, ts: i64) -> Vec<Sample> {
    if !empty {
        return Vec::new();
    }
    let selector = match arg {
        Expr::VectorSelector(vs) => Some(vs),
        Expr::MatrixSelector(ms) => Some(&ms.vs),
        _ => None,
    };
    let mut labels = Labels::new();
    if let Some(vs) = selector {
        let mut seen = std::collections::BTreeSet::new();
        for m in &vs.matchers.matchers {
            if m.name == METRIC_NAME {
                continue;
            }
            if matches!(m.op, ParserMatchOp::Equal) && !seen.contains(&m.name) {
                labels.set(&m.name, &m.value);
            } else {
                labels.remove(&m.name);
            }
            seen.insert(m.name.clone());
        }
    }
    vec![Sample {
        labels,
        value: 1.0,
        timestamp_ms: ts,
        drop_name: false,
    }]
}

fn string_arg(ctx: &Ctx<'_>, expr: Option<&&Expr>, ts: i64) -> Result<String, EngineError> {
    match expr {
        Some(e) => match eval(ctx, e, ts)? {
            Value::String(s) => Ok(s),
            other => Err(EngineError::InvalidArgument(format!(
                "expected string, got {}",
                other.type_name()
            ))),
        },
        None => Err(EngineError::InvalidArgument(
            "missing string argument".into(),
        )),
    }
}

/// Prometheus 2.x label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn label_replace(ctx: &Ctx<'_>, args: &[&Expr], ts: i64) -> Result<Value, EngineError> {
    let mut v = eval_vector(ctx, args[0], ts)?;
    let dst = string_arg(ctx, args.get(1), ts)?;
    let replacement = string_arg(ctx, args.get(2), ts)?;
    let src = string_arg(ctx, args.get(3), ts)?;
    let pattern = string_arg(ctx, args.get(4), ts)?;
    let re = compile_anchored(&pattern).map_err(|_| {
        EngineError::InvalidArgument(format!(
            "invalid regular expression in label_replace(): {pattern}"
        ))
    })?;
    if !valid_label_name(&dst) {
        return Err(EngineError::InvalidArgument(format!(
            "invalid destination label name in label_replace(): {dst}"
        )));
    }
    for s in &mut v {
        let value = s.labels.value(&src).to_string();
        if let Some(caps) = re.captures(&value) {
            let mut out = String::new();
            caps.expand(&replacement, &mut out);
            s.labels.set(&dst, &out);
            if dst == METRIC_NAME {
                s.drop_name = false;
            }
        }
    }
    check_unique(v.iter().map(|s| &s.labels))?;
    Ok(Value::Vector(v))
}

fn label_join(ctx: &Ctx<'_>, args: &[&Expr], ts: i64) -> Result<Value, EngineError> {
    let mut v = eval_vector(ctx, args[0], ts)?;
    let dst = string_arg(ctx, args.get(1), ts)?;
    let sep = string_arg(ctx, args.get(2), ts)?;
    let mut srcs = Vec::new();
    for i in 3..args.len() {
        srcs.push(string_arg(ctx, args.get(i), ts)?);
    }
    if !valid_label_name(&dst) {
        return Err(EngineError::InvalidArgument(format!(
            "invalid destination label name in label_join(): {dst}"
        )));
    }
    for s in &mut v {
        let joined = srcs
            .iter()
            .map(|n| s.labels.value(n))
            .collect::<Vec<_>>()
            .join(&sep);
        s.labels.set(&dst, &joined);
        if dst == METRIC_NAME {
            s.drop_name = false;
        }
    }
    check_unique(v.iter().map(|s| &s.labels))?;
    Ok(Value::Vector(v))
}

/// A civil date in UTC.
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: i64,
    pub(crate) day: i64,
    pub(crate) hour: i64,
    pub(crate) minute: i64,
    pub(crate) second: i64,
    weekday: i64,
    yearday: i64,
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Converts unix seconds to a UTC civil date (days-to-civil over 400-year eras).
pub(crate) fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let yearday = (1..month).map(|m| days_in_month(year, m)).sum::<i64>() + day;
    Civil {
        year,
        month,
        day,
        hour: rem / 3600,
        minute: rem % 3600 / 60,
        second: rem % 60,
        weekday: (days + 4).rem_euclid(7),
        yearday,
    }
}

fn date_function(
    ctx: &Ctx<'_>,
    name: &str,
    arg: Option<&Expr>,
    ts: i64,
) -> Result<Value, EngineError> {
    let field = |secs: f64| -> f64 {
        // Prometheus truncates the timestamp to whole seconds.
        let c = civil(secs.floor() as i64);
        (match name {
            "minute" => c.minute,
            "hour" => c.hour,
            "day_of_month" => c.day,
            "day_of_week" => c.weekday,
            "day_of_year" => c.yearday,
            "days_in_month" => days_in_month(c.year, c.month),
            "month" => c.month,
            _ => c.year,
        }) as f64
    };
    match arg {
        None => Ok(Value::Vector(vec![Sample {
            labels: Labels::new(),
            value: field(ts as f64 / 1000.0),
            timestamp_ms: ts,
            drop_name: false,
        }])),
        Some(e) => {
            let mut v = eval_vector(ctx, e, ts)?;
            v.retain(|s| s.value.is_finite());
            for s in &mut v {
                s.value = field(s.value);
                s.timestamp_ms = ts;
                s.drop_name = true;
            }
            Ok(Value::Vector(v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_date_of_a_known_timestamp() {
        // 2024-02-29T13:45:00Z, a Thursday.
        let c = civil(1_709_214_300);
        assert_eq!((c.year, c.month, c.day), (2024, 2, 29));
        assert_eq!((c.hour, c.minute, c.weekday, c.yearday), (13, 45, 4, 60));
    }

    #[test]
    fn go_max_propagates_nan() {
        assert!(go_max(1.0, f64::NAN).is_nan());
        assert_eq!(go_min(1.0, 2.0), 1.0);
    }
}
