//! Watches (`?watch=true`): a stream of `WatchEvent`s over the objects a request selects, with
//! virtual time passing only while a client waits on the stream.
//!
//! # How a watch resolves
//! Requests never move the clock, except this one way, and it is the same way the
//! interpreter's waiting verbs move it:
//! 1. The watch first sends what the client asked to start from: every selected object as
//!    `ADDED` when `resourceVersion` is unset or `0` (or with `sendInitialEvents=true`, then a
//!    `BOOKMARK` marking the end of the initial events), else each selected object whose
//!    version is newer than the one given, as `MODIFIED`.
//! 2. It then pauses for [`SETTLE`] of real time. A client whose wait is over (kubectl has seen
//!    the pod deleted, the rollout complete) closes the stream within that time, and the watch
//!    ends without moving the clock.
//! 3. A client still on the stream is waiting, so virtual time passes a second at a time
//!    ([`World::advance_until`], the step the interpreter's `delete` and `rollout status` wait
//!    with) until a selected object is added, changed or deleted; the changes of that second
//!    are sent, and the watch goes back to step 2.
//! 4. When nothing selected changes within `min(timeoutSeconds, QUIET_LIMIT)` of virtual time,
//!    the clock stops and the stream stays open, idle, for `timeoutSeconds` of real time (as a
//!    real server holds an idle watch), then closes. A watch on deployments under
//!    `QUIET_LIMIT` waits instead up to the soonest progress deadline pending for one of them
//!    ([`World::progress_deadline_due`]) when that is later: the controller will change the
//!    deployment then, and a stuck `rollout status` ends on that change.
//!
//! So a real `kubectl delete pod P` or `kubectl rollout status deploy/D` leaves the world at
//! the same virtual instant, and prints the same lines, as the interpreter's
//! [`World::kubectl_now`] with the same line: both stop at the first whole second at which the
//! condition holds.
//!
//! # Caveats
//! - Step 2 relies on the client reacting within [`SETTLE`] of real time; a client slower
//!   than that lets time run on to the next change.
//! - A watch from a given `resourceVersion` reports objects changed since as `MODIFIED`, also
//!   those created since, and cannot report objects deleted between the client's list and its
//!   watch: the world keeps no history of deletions. With one client at a time (the
//!   conformance test, a harness driving kubectl) nothing changes in between.
//! - A client's own wall-clock deadline (`rollout status --timeout=30s`) is not virtual time:
//!   the interpreter times out after 30 virtual seconds, a real kubectl after 30 real ones.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::kubernetes::{self, FieldSelector};
use super::{ApiRequest, Reply, SharedWorld, lock, status};
use crate::clock::Millis;
use crate::kubectl::resources::ResourceKind;
use crate::kubectl::selector::Selector;
use crate::world::{Object, World};

/// Real time a watch waits after sending, for a client whose wait is over to close it.
pub(crate) const SETTLE: Duration = Duration::from_millis(250);

/// The most virtual time one quiet stretch of a watch lets pass: below client-go's shortest
/// reflector timeout (five minutes), so that its randomised `timeoutSeconds` never decides how
/// far the clock runs.
pub(crate) const QUIET_LIMIT: Millis = Millis::from_secs(300);

/// Real time an idle watch stays open when the client names no `timeoutSeconds`.
const DEFAULT_IDLE: Duration = Duration::from_secs(300);

/// An object a watch has seen: its resourceVersion and its JSON as last sent.
type Seen = BTreeMap<(String, String), (u64, Value)>;

/// What one watch request selects, and how it starts.
#[derive(Debug, Clone)]
pub(crate) struct WatchTarget {
    kind: ResourceKind,
    namespace: Option<String>,
    labels: Selector,
    fields: FieldSelector,
    start: Start,
    quiet_limit: Millis,
    /// Whether the quiet limit is [`QUIET_LIMIT`] (the client named no shorter timeout), which
    /// a pending progress deadline of a watched deployment extends.
    extends_to_deadlines: bool,
    idle: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Every selected object as `ADDED`.
    All,
    /// As `All`, then a bookmark that ends the initial events.
    AllWithBookmark,
    /// Only what changed after this resourceVersion.
    Since(u64),
}

impl WatchTarget {
    /// Reads the watched type and the selectors from a request, or the `Status` a real server
    /// answers for a path or a selector it cannot serve.
    pub(crate) fn parse(req: &ApiRequest) -> Result<WatchTarget, Reply> {
        let rp = kubernetes::parse_path(&req.path).ok_or_else(status::no_route)?;
        let info =
            kubernetes::served(rp.group, rp.version, rp.plural).ok_or_else(status::no_route)?;
        if rp.sub.is_some() || req.method != "GET" {
            return Err(status::method_not_allowed(&req.method));
        }
        let params = req.params();
        let labels = Selector::parse(params.value("labelSelector"))
            .map_err(|e| status::status(400, "BadRequest", &e.to_string(), None))?;
        let mut field_text = params.value("fieldSelector").to_string();
        if let Some(name) = rp.name {
            // The old form of a watch on one object: `/pods/NAME?watch=true`.
            if !field_text.is_empty() {
                field_text.push(',');
            }
            field_text.push_str(&format!("metadata.name={name}"));
        }
        let fields = FieldSelector::parse(&field_text)
            .map_err(|m| status::status(400, "BadRequest", &m, None))?;
        let start = match (
            params.get("sendInitialEvents"),
            params.value("resourceVersion"),
        ) {
            (Some("true"), _) => Start::AllWithBookmark,
            (_, "" | "0") => Start::All,
            (_, rv) => Start::Since(rv.parse().map_err(|_| {
                status::status(
                    400,
                    "BadRequest",
                    &format!("resourceVersion: Invalid value: \"{rv}\": must be a number"),
                    None,
                )
            })?),
        };
        let timeout = params
            .get("timeoutSeconds")
            .and_then(|t| t.parse::<u64>().ok());
        let quiet_limit = timeout
            .map(|t| Millis::from_secs(i64::try_from(t).unwrap_or(i64::MAX)).min(QUIET_LIMIT))
            .unwrap_or(QUIET_LIMIT);
        Ok(WatchTarget {
            kind: info.kind,
            namespace: rp.namespace.map(str::to_string),
            labels,
            fields,
            start,
            quiet_limit,
            extends_to_deadlines: quiet_limit == QUIET_LIMIT,
            idle: timeout.map(Duration::from_secs).unwrap_or(DEFAULT_IDLE),
        })
    }

    fn selected<'w>(&self, world: &'w World) -> Vec<Object<'w>> {
        world
            .list(self.kind, self.namespace.as_deref(), &self.labels)
            .into_iter()
            .filter(|o| self.fields.matches_object(o))
            .collect()
    }

    /// The resourceVersion of every selected object.
    fn versions(&self, world: &World) -> BTreeMap<(String, String), u64> {
        self.selected(world)
            .iter()
            .map(|o| (key(o), version(o)))
            .collect()
    }

    /// What the watch has seen at its start, and the events it opens with.
    pub(crate) fn start(&self, world: &World) -> (Seen, Vec<Value>) {
        let mut seen = Seen::new();
        let mut events = Vec::new();
        for o in self.selected(world) {
            let v = o.to_json();
            let rv = version(&o);
            match self.start {
                Start::All | Start::AllWithBookmark => events.push(event("ADDED", &v)),
                Start::Since(since) if rv > since => events.push(event("MODIFIED", &v)),
                Start::Since(_) => {}
            }
            seen.insert(key(&o), (rv, v));
        }
        if self.start == Start::AllWithBookmark {
            events.push(json!({
                "type": "BOOKMARK",
                "object": {
                    "kind": self.kind.info().kind_name,
                    "apiVersion": self.kind.api_version(),
                    "metadata": {
                        "resourceVersion": world.resource_version().to_string(),
                        "annotations": {"k8s.io/initial-events-end": "true"},
                    },
                },
            }));
        }
        (seen, events)
    }

    /// The virtual time one quiet stretch may let pass: the quiet limit, or, for a watch on
    /// deployments under [`QUIET_LIMIT`], up to the soonest pending progress deadline of a
    /// selected deployment when that is later, so that a stuck rollout's
    /// `ProgressDeadlineExceeded` reaches the watcher as the interpreter's `rollout status`
    /// sees it.
    fn quiet_limit(&self, world: &World) -> Millis {
        if !self.extends_to_deadlines || self.kind != ResourceKind::Deployment {
            return self.quiet_limit;
        }
        self.selected(world)
            .iter()
            .filter_map(|o| {
                world.progress_deadline_due(o.meta().namespace.as_deref().unwrap_or(""), o.name())
            })
            .min()
            .map_or(self.quiet_limit, |due| due.max(self.quiet_limit))
    }

    /// Lets virtual time pass until a selected object differs from `seen` or the quiet limit
    /// is reached; returns the events of that second (none at the limit) and records them.
    pub(crate) fn next(&self, world: &mut World, seen: &mut Seen) -> Vec<Value> {
        let before: BTreeMap<(String, String), u64> =
            seen.iter().map(|(k, (rv, _))| (k.clone(), *rv)).collect();
        if !world.advance_until(self.quiet_limit(world), |w| self.versions(w) != before) {
            return Vec::new();
        }
        let mut changed: Vec<(u64, Value, &'static str)> = Vec::new();
        let mut present = Vec::new();
        for o in self.selected(world) {
            let k = key(&o);
            let rv = version(&o);
            present.push(k.clone());
            let type_ = match seen.get(&k) {
                None => "ADDED",
                Some((old, _)) if *old != rv => "MODIFIED",
                Some(_) => continue,
            };
            let v = o.to_json();
            seen.insert(k, (rv, v.clone()));
            changed.push((rv, v, type_));
        }
        changed.sort_by_key(|(rv, _, _)| *rv);
        let mut events: Vec<Value> = changed.iter().map(|(_, v, t)| event(t, v)).collect();
        let gone: Vec<(String, String)> = seen
            .keys()
            .filter(|k| !present.contains(k))
            .cloned()
            .collect();
        let now = world.resource_version();
        for k in gone {
            if let Some((_, mut v)) = seen.remove(&k) {
                v["metadata"]["resourceVersion"] = json!(now.to_string());
                events.push(event("DELETED", &v));
            }
        }
        events
    }
}

fn key(o: &Object<'_>) -> (String, String) {
    (
        o.meta().namespace.clone().unwrap_or_default(),
        o.name().to_string(),
    )
}

fn version(o: &Object<'_>) -> u64 {
    o.meta()
        .resource_version
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn event(type_: &str, object: &Value) -> Value {
    json!({"type": type_, "object": object})
}

/// The body of a watch: the events the watching task sends, as they come.
struct Events(mpsc::Receiver<Bytes>);

impl futures_core::Stream for Events {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|b| b.map(Ok))
    }
}

/// Answers a watch request: the stream of its events, fed by a task that ends when the client
/// goes away, when the watch has been idle for its timeout, or when the server stops.
pub(crate) fn serve(world: SharedWorld, req: &ApiRequest) -> Response {
    let target = match WatchTarget::parse(req) {
        Ok(t) => t,
        Err(reply) => return reply.into_response(),
    };
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(run(world, target, tx));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(Events(rx)))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

async fn run(world: SharedWorld, target: WatchTarget, tx: mpsc::Sender<Bytes>) {
    let opening = {
        let (w, t) = (world.clone(), target.clone());
        tokio::task::spawn_blocking(move || t.start(&lock(&w))).await
    };
    let Ok((mut seen, events)) = opening else {
        return;
    };
    if !send(&tx, events).await {
        return;
    }
    loop {
        tokio::select! {
            () = tx.closed() => return,
            () = tokio::time::sleep(SETTLE) => {}
        }
        let (w, t) = (world.clone(), target.clone());
        let step = tokio::task::spawn_blocking(move || {
            let events = t.next(&mut lock(&w), &mut seen);
            (seen, events)
        })
        .await;
        let Ok((s, events)) = step else {
            return;
        };
        seen = s;
        if events.is_empty() {
            tokio::select! {
                () = tx.closed() => {}
                () = tokio::time::sleep(target.idle) => {}
            }
            return;
        }
        if !send(&tx, events).await {
            return;
        }
    }
}

/// Sends events, one JSON document per line; `false` when the client has gone.
async fn send(tx: &mpsc::Sender<Bytes>, events: Vec<Value>) -> bool {
    for e in events {
        let mut line = e.to_string().into_bytes();
        line.push(b'\n');
        if tx.send(Bytes::from(line)).await.is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> ApiRequest {
        ApiRequest {
            method: "GET".into(),
            path: "/api/v1/namespaces/sock-shop/pods".into(),
            query: query.into(),
            ..ApiRequest::default()
        }
    }

    #[test]
    fn a_watch_reads_its_selectors_and_start() {
        let t = WatchTarget::parse(&request(
            "watch=true&resourceVersion=120&fieldSelector=metadata.name%3Dx&timeoutSeconds=30",
        ))
        .expect("a valid watch");
        assert_eq!(t.kind, ResourceKind::Pod);
        assert_eq!(t.start, Start::Since(120));
        assert_eq!(t.quiet_limit, Millis::from_secs(30));
        let t = WatchTarget::parse(&request("watch=true&timeoutSeconds=517")).expect("valid");
        assert_eq!((t.start, t.quiet_limit), (Start::All, QUIET_LIMIT));
        let bad = WatchTarget::parse(&request("watch=true&resourceVersion=abc"));
        assert_eq!(bad.map(|_| ()).map_err(|r| r.status), Err(400));
    }
}
