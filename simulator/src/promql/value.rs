//! Values that PromQL expressions evaluate to: scalars, strings, instant vectors and matrices.

use crate::promql::labels::Labels;

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series labels (the metric name may still be present when `drop_name` is set).
    pub labels: Labels,
    /// The value.
    pub value: f64,
    /// The timestamp of the underlying stored sample for a plain selector, else the evaluation
    /// time; `timestamp()` reads it.
    pub timestamp_ms: i64,
    /// The metric name is to be removed when the query finishes (delayed name removal).
    pub drop_name: bool,
}

/// One series of a matrix: labels and points in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    /// The series labels.
    pub labels: Labels,
    /// `(timestamp_ms, value)` points, oldest first.
    pub points: Vec<(i64, f64)>,
    /// The metric name is to be removed when the query finishes.
    pub drop_name: bool,
}

/// The result of evaluating an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A number.
    Scalar(f64),
    /// A string literal.
    String(String),
    /// An instant vector.
    Vector(Vec<Sample>),
    /// A range vector (or the result of a range query).
    Matrix(Vec<RangeSeries>),
}

impl Value {
    /// The Prometheus API name of the value type (`scalar`, `string`, `vector`, `matrix`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Scalar(_) => "scalar",
            Value::String(_) => "string",
            Value::Vector(_) => "vector",
            Value::Matrix(_) => "matrix",
        }
    }
}
