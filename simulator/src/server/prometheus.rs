//! The Prometheus HTTP API over a world: [`World::prometheus_api`] behind the server's caps.

use super::{ApiRequest, Limits, Reply};
use crate::prometheus::api::{ApiResponse, ErrorType, error_response};
use crate::prometheus::form::Params;
use crate::world::World;

fn reply(r: ApiResponse) -> Reply {
    Reply {
        status: r.status,
        content_type: if r.body.starts_with('{') {
            "application/json"
        } else {
            "text/plain; charset=utf-8"
        },
        body: r.body.into_bytes(),
    }
}

/// `413` for a body over the limit, in Prometheus's error shape.
pub(crate) fn too_large(limit: usize) -> Reply {
    let mut r = reply(error_response(
        ErrorType::BadData,
        &format!("http: request body too large (limit {limit} bytes)"),
    ));
    r.status = 413;
    r
}

/// Answers a Prometheus API request: `GET` with a query string or `POST` with a form body.
pub(crate) fn handle(world: &World, req: &ApiRequest, limits: &Limits) -> Reply {
    let form = (req.method == "POST"
        && req
            .content_type
            .starts_with("application/x-www-form-urlencoded"))
    .then(|| String::from_utf8_lossy(&req.body).into_owned());
    let params = Params::from_request(&req.query, form.as_deref());

    if params.value("query").len() > limits.max_query_len {
        return reply(error_response(
            ErrorType::BadData,
            &format!(
                "invalid parameter \"query\": query is {} bytes long, more than the limit of {}",
                params.value("query").len(),
                limits.max_query_len
            ),
        ));
    }
    if params.get_all("match[]").len() > 64 {
        return reply(error_response(
            ErrorType::BadData,
            "invalid parameter \"match[]\": more than 64 matchers",
        ));
    }

    let answer = world.prometheus_api(&req.path, &params);
    if answer.status == 200 && series_count(&answer.body) > limits.max_series {
        return reply(error_response(
            ErrorType::Execution,
            &format!(
                "query processing would load too many series: more than the limit of {}",
                limits.max_series
            ),
        ));
    }
    reply(answer)
}

/// How many series (or label sets) an answer carries.
fn series_count(body: &str) -> usize {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return 0;
    };
    let data = &v["data"];
    match data.get("result") {
        Some(r) => r.as_array().map_or(0, Vec::len),
        None => data.as_array().map_or(0, Vec::len),
    }
}
