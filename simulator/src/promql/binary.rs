//! Binary operators: arithmetic, comparison (with `bool`), set operators and vector matching.

use std::collections::{BTreeMap, BTreeSet};

use promql_parser::parser::token::{
    T_ADD, T_ATAN2, T_DIV, T_EQLC, T_GTE, T_GTR, T_LAND, T_LOR, T_LSS, T_LTE, T_LUNLESS, T_MOD,
    T_MUL, T_NEQ, T_POW, T_SUB,
};
use promql_parser::parser::{BinaryExpr, LabelModifier, VectorMatchCardinality};

use crate::promql::engine::{Ctx, eval};
use crate::promql::error::EngineError;
use crate::promql::labels::{Labels, METRIC_NAME};
use crate::promql::value::{Sample, Value};

/// How two vectors are matched.
struct Matching {
    /// `on(...)` when true, else `ignoring(...)`.
    on: bool,
    labels: Vec<String>,
    card: VectorMatchCardinality,
    include: Vec<String>,
}

/// Evaluates a binary expression at `ts`.
pub(crate) fn eval_binary(ctx: &Ctx<'_>, b: &BinaryExpr, ts: i64) -> Result<Value, EngineError> {
    let op = b.op.id();
    let return_bool = b.modifier.as_ref().is_some_and(|m| m.return_bool);
    let lhs = crate::promql::engine::eval(ctx, &b.lhs, ts)?;

    // `and`/`unless` with an empty left side need not evaluate the right side, but
    // evaluating it keeps errors on the right visible, as Prometheus does.
    let rhs = eval(ctx, &b.rhs, ts)?;
    match (lhs, rhs) {
        (Value::Scalar(l), Value::Scalar(r)) => {
            let (v, keep) = scalar_op(op, l, r)?;
            if is_comparison(op) {
                Ok(Value::Scalar(if keep { 1.0 } else { 0.0 }))
            } else {
                Ok(Value::Scalar(v))
            }
        }
        (Value::Vector(l), Value::Scalar(r)) => vector_scalar(op, l, r, false, return_bool, ts),
        (Value::Scalar(l), Value::Vector(r)) => vector_scalar(op, r, l, true, return_bool, ts),
        (Value::Vector(l), Value::Vector(r)) => {
            let matching = matching(b);
            match op {
                T_LAND => Ok(Value::Vector(set_and(l, r, &matching))),
                T_LOR => Ok(Value::Vector(set_or(l, r, &matching))),
                T_LUNLESS => Ok(Value::Vector(set_unless(l, r, &matching))),
                _ => vector_vector(op, l, r, &matching, return_bool, ts).map(Value::Vector),
            }
        }
        (l, r) => Err(EngineError::Unsupported(format!(
            "binary operator between {} and {}",
            l.type_name(),
            r.type_name()
        ))),
    }
}

fn matching(b: &BinaryExpr) -> Matching {
    let Some(m) = &b.modifier else {
        return Matching {
            on: false,
            labels: Vec::new(),
            card: VectorMatchCardinality::OneToOne,
            include: Vec::new(),
        };
    };
    let (on, labels) = match &m.matching {
        Some(LabelModifier::Include(l)) => (true, l.labels.clone()),
        Some(LabelModifier::Exclude(l)) => (false, l.labels.clone()),
        None => (false, Vec::new()),
    };
    let include = m
        .card
        .labels()
        .map(|l| l.labels.clone())
        .unwrap_or_default();
    Matching {
        on,
        labels,
        card: m.card.clone(),
        include,
    }
}

fn is_comparison(op: u16) -> bool {
    matches!(op, T_EQLC | T_NEQ | T_GTR | T_LSS | T_GTE | T_LTE)
}

/// Applies `op`; comparisons return `(lhs, holds)`, arithmetic `(result, true)`.
fn scalar_op(op: u16, l: f64, r: f64) -> Result<(f64, bool), EngineError> {
    Ok(match op {
        T_ADD => (l + r, true),
        T_SUB => (l - r, true),
        T_MUL => (l * r, true),
        T_DIV => (l / r, true),
        T_POW => (l.powf(r), true),
        T_MOD => (go_mod(l, r), true),
        T_ATAN2 => (l.atan2(r), true),
        T_EQLC => (l, l == r),
        T_NEQ => (l, l != r),
        T_GTR => (l, l > r),
        T_LSS => (l, l < r),
        T_GTE => (l, l >= r),
        T_LTE => (l, l <= r),
        other => {
            return Err(EngineError::Unsupported(format!(
                "binary operator token {other} on numbers"
            )));
        }
    })
}

/// Go's `math.Mod`: the result has the sign of the dividend.
fn go_mod(l: f64, r: f64) -> f64 {
    l % r
}

fn vector_scalar(
    op: u16,
    samples: Vec<Sample>,
    scalar: f64,
    scalar_on_left: bool,
    return_bool: bool,
    ts: i64,
) -> Result<Value, EngineError> {
    if matches!(op, T_LAND | T_LOR | T_LUNLESS) {
        return Err(EngineError::InvalidArgument(
            "set operator not allowed in binary scalar expression".into(),
        ));
    }
    let comparison = is_comparison(op);
    let mut out = Vec::with_capacity(samples.len());
    for mut s in samples {
        let (l, r) = if scalar_on_left {
            (scalar, s.value)
        } else {
            (s.value, scalar)
        };
        let (mut value, mut keep) = scalar_op(op, l, r)?;
        if comparison && scalar_on_left {
            value = r;
        }
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if !keep {
            continue;
        }
        if !comparison || return_bool {
            s.drop_name = true;
        }
        s.value = value;
        s.timestamp_ms = ts;
        out.push(s);
    }
    Ok(Value::Vector(out))
}

/// The matching signature of a series.
fn signature(labels: &Labels, m: &Matching) -> Labels {
    if m.on {
        labels.keep_only(&m.labels)
    } else {
        let mut drop = m.labels.clone();
        drop.push(METRIC_NAME.to_string());
        labels.drop_names(&drop)
    }
}

fn vector_vector(
    op: u16,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    m: &Matching,
    return_bool: bool,
    ts: i64,
) -> Result<Vec<Sample>, EngineError> {
    let one_to_many = matches!(m.card, VectorMatchCardinality::OneToMany(_));
    let (many, one) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };

    // The "one" side must have unique signatures.
    let mut one_sigs: BTreeMap<Labels, &Sample> = BTreeMap::new();
    for s in &one {
        let sig = signature(&s.labels, m);
        if let Some(prev) = one_sigs.get(&sig) {
            // Go names the series being inserted first, then the one already there.
            return Err(EngineError::DuplicateMatchGroup {
                group: sig.go_string(),
                side: if one_to_many { "left" } else { "right" },
                first: s.labels.go_string(),
                second: prev.labels.go_string(),
            });
        }
        one_sigs.insert(sig, s);
    }

    let comparison = is_comparison(op);
    let mut matched: BTreeMap<Labels, BTreeSet<Labels>> = BTreeMap::new();
    let mut out = Vec::new();
    for ls in &many {
        let sig = signature(&ls.labels, m);
        let Some(rs) = one_sigs.get(&sig) else {
            continue;
        };
        let (l, r) = if one_to_many {
            (rs.value, ls.value)
        } else {
            (ls.value, rs.value)
        };
        let (mut value, mut keep) = scalar_op(op, l, r)?;
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if !keep {
            continue;
        }
        let (labels, mut drop_name) = result_labels(ls, rs, m, comparison && !return_bool);
        if return_bool {
            drop_name = true;
        }
        match m.card {
            VectorMatchCardinality::OneToOne => {
                if matched.contains_key(&sig) {
                    return Err(EngineError::ManyToOneImplicit);
                }
                matched.insert(sig, BTreeSet::new());
            }
            _ => {
                let inserted = matched.entry(sig).or_default();
                if !inserted.insert(labels.clone()) {
                    return Err(EngineError::GroupingNotUnique);
                }
            }
        }
        out.push(Sample {
            labels,
            value,
            timestamp_ms: ts,
            drop_name,
        });
    }
    Ok(out)
}

/// The output labels of a matched pair: the "many" side's labels, restricted for one-to-one
/// matching, plus the `group_x` labels copied from the "one" side.
fn result_labels(many: &Sample, one: &Sample, m: &Matching, keeps_name: bool) -> (Labels, bool) {
    let mut labels = many.labels.clone();
    let drop_name = if keeps_name { many.drop_name } else { true };
    if matches!(m.card, VectorMatchCardinality::OneToOne) {
        labels = if m.on {
            labels.keep_only(&m.labels)
        } else {
            labels.drop_names(&m.labels)
        };
    }
    for name in &m.include {
        match one.labels.get(name) {
            Some(v) => labels.set(name, v),
            None => labels.remove(name),
        }
    }
    (labels, drop_name)
}

fn set_and(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    let right: BTreeSet<Labels> = rhs.iter().map(|s| signature(&s.labels, m)).collect();
    lhs.into_iter()
        .filter(|s| right.contains(&signature(&s.labels, m)))
        .collect()
}

fn set_or(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    let left: BTreeSet<Labels> = lhs.iter().map(|s| signature(&s.labels, m)).collect();
    let mut out = lhs;
    out.extend(
        rhs.into_iter()
            .filter(|s| !left.contains(&signature(&s.labels, m))),
    );
    out
}

fn set_unless(lhs: Vec<Sample>, rhs: Vec<Sample>, m: &Matching) -> Vec<Sample> {
    let right: BTreeSet<Labels> = rhs.iter().map(|s| signature(&s.labels, m)).collect();
    lhs.into_iter()
        .filter(|s| !right.contains(&signature(&s.labels, m)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulo_keeps_the_sign_of_the_dividend() {
        assert_eq!(go_mod(-5.0, 3.0), -2.0);
    }

    #[test]
    fn comparisons_return_the_left_value() {
        assert!(matches!(scalar_op(T_GTR, 2.0, 1.0), Ok((v, true)) if v == 2.0));
    }
}
