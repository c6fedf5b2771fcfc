//! The `/api/v1/*` endpoints as pure functions: request parameters in, HTTP status and JSON out.
//!
//! Bodies follow Prometheus 2.x's shapes byte for byte where known (checked against 2.42 by the
//! differential test; the deployed 2.26 may word a few parameter errors differently): the envelope's key order,
//! sample values as strings, timestamps as seconds with millisecond decimals, Go's JSON string
//! escaping (including `<`, `>` and `&`).

use std::collections::BTreeSet;

use promql_parser::parser::Expr;

use super::form::Params;
use super::json::{JsonOut, json_string, labels_json, timestamp_json};
use super::params::{parse_duration, parse_time};
use super::parse_error::go_parse_error;
pub use super::targets::{DroppedTarget, Target, TargetHealth, targets};
use crate::promql::labels::Labels;
use crate::promql::storage::{LabelMatcher, Store};
use crate::promql::{Engine, EngineError, RangeSeries, Sample, Value, format_float};

/// The most points per series a range query may return.
pub const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// An HTTP status with a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The JSON body (`Content-Type: application/json`).
    pub body: String,
}

/// Prometheus's `errorType` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorType {
    /// Invalid parameters or query (HTTP 400).
    BadData,
    /// Evaluation failed (HTTP 422).
    Execution,
    /// Storage failed (HTTP 500).
    Internal,
    /// Not found (HTTP 404).
    NotFound,
}

impl ErrorType {
    fn name(self) -> &'static str {
        match self {
            ErrorType::BadData => "bad_data",
            ErrorType::Execution => "execution",
            ErrorType::Internal => "internal",
            ErrorType::NotFound => "not_found",
        }
    }

    fn status(self) -> u16 {
        match self {
            ErrorType::BadData => 400,
            ErrorType::Execution => 422,
            ErrorType::Internal => 500,
            ErrorType::NotFound => 404,
        }
    }
}

/// An error response.
pub fn error_response(kind: ErrorType, message: &str) -> ApiResponse {
    ApiResponse {
        status: kind.status(),
        body: format!(
            "{{\"status\":\"error\",\"errorType\":\"{}\",\"error\":{}}}",
            kind.name(),
            json_string(message)
        ),
    }
}

pub(crate) fn success(data: &str) -> ApiResponse {
    ApiResponse {
        status: 200,
        body: format!("{{\"status\":\"success\",\"data\":{data}}}"),
    }
}

fn invalid_param(param: &str, cause: &str) -> ApiResponse {
    error_response(
        ErrorType::BadData,
        &format!("invalid parameter {}: {cause}", json_string(param)),
    )
}

/// The text of an engine error as Prometheus prints it.
fn engine_error_text(query: &str, e: &EngineError) -> String {
    match e {
        EngineError::Parse { message } => go_parse_error(query, message),
        other => other.to_string(),
    }
}

/// Parse and range-query type errors are `bad_data`; the rest are `execution` errors.
fn engine_error_type(e: &EngineError) -> ErrorType {
    match e {
        EngineError::Parse { .. } | EngineError::InvalidRangeQueryType(_) => ErrorType::BadData,
        _ => ErrorType::Execution,
    }
}

/// `GET|POST /api/v1/query`: `query`, optional `time` (default `now_ms`) and `timeout`.
pub fn query(engine: &Engine, store: &Store, params: &Params, now_ms: i64) -> ApiResponse {
    let time = match params.get("time").filter(|t| !t.is_empty()) {
        None => now_ms,
        Some(t) => match parse_time(t) {
            Ok(ms) => ms,
            Err(e) => return invalid_param("time", &format!("Invalid time value for 'time': {e}")),
        },
    };
    if let Some(t) = params.get("timeout").filter(|t| !t.is_empty())
        && let Err(e) = parse_duration(t)
    {
        return invalid_param("timeout", &e);
    }
    let q = params.value("query");
    let expr = match engine.parse(q) {
        Ok(e) => e,
        Err(e) => return invalid_param("query", &engine_error_text(q, &e)),
    };
    match engine.instant_expr(store, &expr, time) {
        Ok(value) => success(&value_json(&value, time)),
        Err(e) => error_response(engine_error_type(&e), &engine_error_text(q, &e)),
    }
}

/// `GET|POST /api/v1/query_range`: `query`, `start`, `end`, `step`, optional `timeout`.
pub fn query_range(engine: &Engine, store: &Store, params: &Params) -> ApiResponse {
    let start = match parse_time(params.value("start")) {
        Ok(t) => t,
        Err(e) => return invalid_param("start", &e),
    };
    let end = match parse_time(params.value("end")) {
        Ok(t) => t,
        Err(e) => return invalid_param("end", &e),
    };
    if end < start {
        return invalid_param("end", "end timestamp must not be before start time");
    }
    let step = match parse_duration(params.value("step")) {
        Ok(s) => s,
        Err(e) => return invalid_param("step", &e),
    };
    if step <= 0 {
        return invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        );
    }
    if (end - start) / step > MAX_POINTS_PER_SERIES {
        return error_response(
            ErrorType::BadData,
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        );
    }
    if let Some(t) = params.get("timeout").filter(|t| !t.is_empty())
        && let Err(e) = parse_duration(t)
    {
        return invalid_param("timeout", &e);
    }
    let q = params.value("query");
    // Prometheus 2.2x returns range-query parse errors without the parameter wrapper.
    let expr = match engine.parse(q) {
        Ok(e) => e,
        Err(e) => return error_response(ErrorType::BadData, &engine_error_text(q, &e)),
    };
    match engine.range_expr(store, &expr, start, end, step) {
        Ok(series) => success(&format!(
            "{{\"resultType\":\"matrix\",\"result\":{}}}",
            matrix_json(&series)
        )),
        Err(e) => error_response(engine_error_type(&e), &engine_error_text(q, &e)),
    }
}

/// The `data` object of an instant query result.
pub fn value_json(value: &Value, time_ms: i64) -> String {
    let result = match value {
        Value::Scalar(v) => format!(
            "[{},{}]",
            timestamp_json(time_ms),
            json_string(&format_float(*v))
        ),
        Value::String(s) => format!("[{},{}]", timestamp_json(time_ms), json_string(s)),
        Value::Vector(samples) => vector_json(samples, time_ms),
        Value::Matrix(series) => matrix_json(series),
    };
    format!(
        "{{\"resultType\":\"{}\",\"result\":{result}}}",
        value.type_name()
    )
}

fn vector_json(samples: &[Sample], time_ms: i64) -> String {
    let mut out = JsonOut::array();
    for s in samples {
        out.item(&format!(
            "{{\"metric\":{},\"value\":[{},{}]}}",
            labels_json(&s.labels),
            timestamp_json(time_ms),
            json_string(&format_float(s.value))
        ));
    }
    out.finish()
}

fn matrix_json(series: &[RangeSeries]) -> String {
    let mut out = JsonOut::array();
    for s in series {
        let mut points = JsonOut::array();
        for (t, v) in &s.points {
            points.item(&format!(
                "[{},{}]",
                timestamp_json(*t),
                json_string(&format_float(*v))
            ));
        }
        out.item(&format!(
            "{{\"metric\":{},\"values\":{}}}",
            labels_json(&s.labels),
            points.finish()
        ));
    }
    out.finish()
}

/// Parses `match[]` selectors into matcher lists.
fn parse_match_params(params: &Params) -> Result<Vec<Vec<LabelMatcher>>, ApiResponse> {
    let mut sets = Vec::new();
    for m in params.get_all("match[]") {
        let expr = crate::promql::parse(m)
            .map_err(|e| invalid_param("match[]", &engine_error_text(m, &e)))?;
        let Expr::VectorSelector(vs) = expr else {
            return Err(invalid_param(
                "match[]",
                &format!(
                    "1:1: parse error: unexpected expression {m:?}, expected a series selector"
                ),
            ));
        };
        let mut list = Vec::new();
        if let Some(name) = &vs.name {
            list.push(LabelMatcher::equal(
                crate::promql::labels::METRIC_NAME,
                name,
            ));
        }
        for pm in &vs.matchers.matchers {
            use promql_parser::label::MatchOp as P;
            list.push(match &pm.op {
                P::Equal => LabelMatcher::equal(&pm.name, &pm.value),
                P::NotEqual => LabelMatcher::not_equal(&pm.name, &pm.value),
                P::Re(r) => LabelMatcher {
                    name: pm.name.clone(),
                    op: crate::promql::storage::MatchOp::Regex(r.clone()),
                },
                P::NotRe(r) => LabelMatcher {
                    name: pm.name.clone(),
                    op: crate::promql::storage::MatchOp::NotRegex(r.clone()),
                },
            });
        }
        sets.push(list);
    }
    Ok(sets)
}

/// Optional `start`/`end` for the metadata endpoints (default: all time).
fn time_bounds(params: &Params) -> Result<(i64, i64), ApiResponse> {
    let bound = |name: &str, default: i64| match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => parse_time(v)
            .map_err(|e| invalid_param(name, &format!("Invalid time value for '{name}': {e}"))),
    };
    Ok((bound("start", i64::MIN)?, bound("end", i64::MAX)?))
}

/// The label sets of series matching any of `sets` with samples in the bounds, sorted.
fn matching_labels(store: &Store, sets: &[Vec<LabelMatcher>], start: i64, end: i64) -> Vec<Labels> {
    let mut out = BTreeSet::new();
    for set in sets {
        for s in store.select_in_range(set, start, end) {
            out.insert(s.labels.clone());
        }
    }
    out.into_iter().collect()
}

/// `GET|POST /api/v1/series`: `match[]` (required, repeatable), optional `start`, `end`.
pub fn series(store: &Store, params: &Params) -> ApiResponse {
    if params.get_all("match[]").is_empty() {
        return error_response(ErrorType::BadData, "no match[] parameter provided");
    }
    let sets = match parse_match_params(params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (start, end) = match time_bounds(params) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let mut out = JsonOut::array();
    for l in matching_labels(store, &sets, start, end) {
        out.item(&labels_json(&l));
    }
    success(&out.finish())
}

fn all_series_labels(store: &Store, params: &Params) -> Result<Vec<Labels>, ApiResponse> {
    let (start, end) = time_bounds(params)?;
    let mut sets = parse_match_params(params)?;
    if sets.is_empty() {
        sets.push(Vec::new());
    }
    Ok(matching_labels(store, &sets, start, end))
}

/// `GET|POST /api/v1/labels`: optional `start`, `end`, `match[]`; sorted label names.
pub fn labels(store: &Store, params: &Params) -> ApiResponse {
    let series = match all_series_labels(store, params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let names: BTreeSet<&str> = series
        .iter()
        .flat_map(|l| l.iter().map(|(n, _)| n))
        .collect();
    let mut out = JsonOut::array();
    for n in names {
        out.item(&json_string(n));
    }
    success(&out.finish())
}

/// `GET /api/v1/label/<name>/values`: optional `start`, `end`, `match[]`; sorted values.
pub fn label_values(store: &Store, name: &str, params: &Params) -> ApiResponse {
    if !crate::promql::functions::valid_label_name(name) {
        return error_response(
            ErrorType::BadData,
            &format!("invalid label name: {}", json_string(name)),
        );
    }
    let series = match all_series_labels(store, params) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let values: BTreeSet<&str> = series.iter().filter_map(|l| l.get(name)).collect();
    let mut out = JsonOut::array();
    for v in values {
        out.item(&json_string(v));
    }
    success(&out.finish())
}

/// What `/api/v1/status/buildinfo` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildInfo {
    /// The version, e.g. `2.26.0`.
    pub version: String,
    /// The git revision.
    pub revision: String,
    /// The git branch.
    pub branch: String,
    /// Who built it.
    pub build_user: String,
    /// When it was built (`YYYYMMDD-HH:MM:SS`).
    pub build_date: String,
    /// The Go version.
    pub go_version: String,
}

impl Default for BuildInfo {
    /// The deployed server's build: `prom/prometheus:v2.26.0`.
    ///
    /// # Caveats
    ///
    /// The version is certain; revision, user, date and Go version are as recalled for the
    /// official image and were not checked against it.
    fn default() -> Self {
        Self {
            version: "2.26.0".into(),
            revision: "3cafc58827d1ebd1a67749f88be4218f0bab3d8d".into(),
            branch: "HEAD".into(),
            build_user: "root@a67cafebe6d0".into(),
            build_date: "20210331-11:56:23".into(),
            go_version: "go1.16.2".into(),
        }
    }
}

/// `GET /api/v1/status/buildinfo`.
pub fn buildinfo(info: &BuildInfo) -> ApiResponse {
    success(&format!(
        "{{\"version\":{},\"revision\":{},\"branch\":{},\"buildUser\":{},\"buildDate\":{},\"goVersion\":{}}}",
        json_string(&info.version),
        json_string(&info.revision),
        json_string(&info.branch),
        json_string(&info.build_user),
        json_string(&info.build_date),
        json_string(&info.go_version)
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn store() -> Store {
        let mut s = Store::new();
        let l = Labels::from_pairs([("__name__", "up"), ("job", "a"), ("instance", "x:80")]);
        for i in 0..10 {
            s.append(&l, i * 15_000, 1.0).unwrap();
        }
        s
    }

    #[test]
    fn instant_query_returns_a_vector_with_string_values() {
        let p = Params::decode("query=up&time=120");
        let r = query(&Engine::default(), &store(), &p, 0);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body,
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","instance":"x:80","job":"a"},"value":[120,"1"]}]}}"#
        );
    }

    #[test]
    fn parse_errors_are_bad_data_with_position() {
        let p = Params::decode("query=sum(");
        let r = query(&Engine::default(), &store(), &p, 0);
        assert_eq!(r.status, 400);
        assert_eq!(
            r.body,
            r#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"}"#
        );
    }

    #[test]
    fn range_query_rejects_too_many_points() {
        let p = Params::decode("query=up&start=0&end=100000&step=1");
        let r = query_range(&Engine::default(), &store(), &p);
        assert_eq!(r.status, 400);
        assert!(r.body.contains("11,000 points"));
    }

    #[test]
    fn range_query_returns_a_matrix() {
        let p = Params::decode("query=up&start=0&end=30&step=15s");
        let r = query_range(&Engine::default(), &store(), &p);
        assert_eq!(
            r.body,
            r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"up","instance":"x:80","job":"a"},"values":[[0,"1"],[15,"1"],[30,"1"]]}]}}"#
        );
    }

    #[test]
    fn scalar_results_and_special_values() {
        let p = Params::decode("query=1%2F0&time=1.5");
        let r = query(&Engine::default(), &store(), &p, 0);
        assert_eq!(
            r.body,
            r#"{"status":"success","data":{"resultType":"scalar","result":[1.500,"+Inf"]}}"#
        );
    }

    #[test]
    fn series_requires_match() {
        let r = series(&store(), &Params::default());
        assert_eq!(r.status, 400);
        assert!(r.body.contains("no match[] parameter provided"));
        let r = series(&store(), &Params::decode("match[]=up"));
        assert_eq!(
            r.body,
            r#"{"status":"success","data":[{"__name__":"up","instance":"x:80","job":"a"}]}"#
        );
    }

    #[test]
    fn labels_and_values_are_sorted() {
        let r = labels(&store(), &Params::default());
        assert_eq!(
            r.body,
            r#"{"status":"success","data":["__name__","instance","job"]}"#
        );
        let r = label_values(&store(), "job", &Params::default());
        assert_eq!(r.body, r#"{"status":"success","data":["a"]}"#);
        let r = label_values(&store(), "a-b", &Params::default());
        assert_eq!(r.status, 400);
    }
}
