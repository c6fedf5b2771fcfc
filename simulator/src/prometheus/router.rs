//! Dispatch of an API path to its endpoint, for a server or a command line that speaks paths.

use super::api::{
    ApiResponse, BuildInfo, DroppedTarget, Target, buildinfo, label_values, labels, query,
    query_range, series, targets,
};
use super::form::Params;
use crate::promql::{Engine, Store};

/// Everything the endpoints read: the engine, the store, virtual now and the scrape targets.
#[derive(Debug, Clone, Copy)]
pub struct ApiContext<'a> {
    /// The engine that evaluates queries.
    pub engine: &'a Engine,
    /// The simulated TSDB.
    pub store: &'a Store,
    /// Virtual now in milliseconds: the default `time` of `/api/v1/query`.
    pub now_ms: i64,
    /// Active scrape targets.
    pub active_targets: &'a [Target],
    /// Targets dropped by relabelling.
    pub dropped_targets: &'a [DroppedTarget],
    /// What buildinfo reports.
    pub build_info: &'a BuildInfo,
}

/// Answers `path` (e.g. `/api/v1/query`; a query string after `?` is ignored, pass it in
/// `params`). An unknown path gets Go's plain `404 page not found`.
pub fn route(ctx: &ApiContext<'_>, path: &str, params: &Params) -> ApiResponse {
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    match path {
        "/api/v1/query" => query(ctx.engine, ctx.store, params, ctx.now_ms),
        "/api/v1/query_range" => query_range(ctx.engine, ctx.store, params),
        "/api/v1/series" => series(ctx.store, params),
        "/api/v1/labels" => labels(ctx.store, params),
        "/api/v1/targets" => targets(ctx.active_targets, ctx.dropped_targets, params),
        "/api/v1/status/buildinfo" => buildinfo(ctx.build_info),
        p => match p
            .strip_prefix("/api/v1/label/")
            .and_then(|rest| rest.strip_suffix("/values"))
        {
            Some(name) => label_values(ctx.store, &super::form::percent_decode(name), params),
            None => ApiResponse {
                status: 404,
                body: "404 page not found\n".to_string(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_reach_their_endpoints_and_unknown_paths_are_404() {
        let (engine, store, info) = (Engine::default(), Store::new(), BuildInfo::default());
        let ctx = ApiContext {
            engine: &engine,
            store: &store,
            now_ms: 0,
            active_targets: &[],
            dropped_targets: &[],
            build_info: &info,
        };
        let r = route(&ctx, "/api/v1/query", &Params::decode("query=1"));
        assert_eq!(r.status, 200);
        let r = route(&ctx, "/api/v1/label/job/values", &Params::default());
        assert_eq!(r.body, r#"{"status":"success","data":[]}"#);
        assert!(
            route(&ctx, "/api/v1/status/buildinfo", &Params::default())
                .body
                .contains("2.26.0")
        );
        assert_eq!(
            route(&ctx, "/api/v2/nothing", &Params::default()).status,
            404
        );
    }
}
