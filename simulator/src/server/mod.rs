//! A loopback server that speaks the Kubernetes API and the Prometheus HTTP API over one
//! simulated world, so that real clients (kubectl, kube-rs, curl, Grafana) can use it.
//!
//! # One world, one implementation
//! Every answer comes from the same [`World`] the interpreter uses: objects from
//! [`World::get`] and [`World::list`], tables from [`crate::kubectl::table`], writes through the
//! world's operations and [`crate::kubectl::patch`], logs from [`crate::kubectl::logs`],
//! Prometheus answers from [`World::prometheus_api`]. The world sits behind one mutex
//! ([`SharedWorld`]); each request holds it for the whole of its answer, so concurrent
//! clients see requests applied one at a time and never a half-written world.
//!
//! # The clock
//! A real `kubectl` command is several HTTP requests (discovery, a GET, a PATCH), so virtual
//! time cannot follow requests without making the answer depend on how a client splits its
//! work. The rule here: **requests never move the clock**. Time passes only
//! - when a harness asks for it: `POST /sim/v1/advance?seconds=N` (or `milliseconds=N`) on the
//!   Kubernetes address, or [`World::advance`] on the shared world, and
//! - inside the world's own waiting operations, exactly as in-process, and
//! - while a client waits on a watch, a second at a time up to the next change of what it
//!   watches, which is how the interpreter's waiting verbs let time pass; [`watch`] states the
//!   rule and its caveats.
//!
//! The in-process counterpart of one real kubectl command is therefore
//! `world.advance(COMMAND_LATENCY)` followed by [`World::kubectl_now`] (which runs a command
//! line without the latency that [`World::kubectl`] adds); the conformance test does both
//! sides that way.
//!
//! # The harness's endpoints
//! Beside the two APIs, the Kubernetes address answers `POST /sim/v1/advance` (time passes),
//! `POST /sim/v1/reset` (the world serving began with, then a task's setup), and
//! `POST /sim/v1/save` / `POST /sim/v1/restore` (keep the world, clock included, and bring it
//! back), which is how a harness evaluates tasks in their own starting states and then goes on
//! learning in the world it left. One world is kept at a time.
//!
//! No client's wall clock enters the world either: the `kubectl.kubernetes.io/restartedAt`
//! stamp that `kubectl rollout restart` sends from its own clock is replaced by the virtual
//! now, the stamp the in-process `rollout restart` writes.
//!
//! # Bounds
//! Request bodies over [`Limits::max_body`] get `413` as a Kubernetes `Status`; Prometheus
//! queries longer than [`Limits::max_query_len`] and results with more than
//! [`Limits::max_series`] series get Prometheus-style `bad_data` / `execution` errors.
//!
//! # Ages that clients compute
//! `kubectl describe` turns timestamps into ages with its own wall clock; [`wall_ages`] says
//! how the answers to it are shifted so that it prints the interpreter's virtual ages.
//!
//! # Known gaps
//! What is served for writes: `POST` creation of the kinds [`World::apply`] creates
//! (namespaces, deployments, services, config maps, service accounts, `autoscaling/v2`
//! autoscalers, plus `autoscaling/v1` autoscalers as `kubectl autoscale` sends them); `PATCH`
//! (JSON, merge and strategic merge, with the directives client-side apply sends) of those
//! kinds and of pods; `PATCH`/`PUT` of the `scale` subresource; `DELETE`. `/openapi/v3` is
//! served as its index and one document per group version listing paths, operations and their
//! query parameters ([`openapi`]), so `kubectl apply -f` and `kubectl create -f` (files and
//! directories) work and print what the interpreter prints. Still not served:
//! - `PUT` of whole objects (`kubectl replace`, `kubectl edit`) and server-side apply
//!   (`PATCH` with `application/apply-patch+yaml`, answered `415`).
//! - Schemas: the OpenAPI documents carry none, so `kubectl explain` finds nothing, and
//!   `/openapi/v2` is not served.
//! - `fieldValidation=Strict` is accepted but fields the type does not have are dropped, not
//!   reported (the interpreter's `apply -f` drops them too); the fix is a strict decode of the
//!   request body in [`crate::manifest`] shared by both.
//! - Server-side dry runs (`dryRun=All` on a write) are refused with `400`: the world's writes
//!   have no dry mode.
//! - Writes through [`crate::kubectl::patch`] report errors as rendered text, which
//!   [`status::from_command_error`] reads back into a `Status`; the fix is for the patch
//!   module to return the world's typed `ApiError`.
//! - `discovery.k8s.io` EndpointSlices are served for listing only, and node Leases for
//!   GET only; neither is in discovery.

pub(crate) mod discovery;
pub(crate) mod kubernetes;
pub(crate) mod metrics_api;
pub(crate) mod openapi;
pub(crate) mod prometheus;
pub(crate) mod protobuf;
pub(crate) mod status;
pub(crate) mod wall_ages;
pub(crate) mod watch;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::Millis;
use crate::prometheus::form::Params;
use crate::world::World;

/// The world all clients share.
pub type SharedWorld = Arc<Mutex<World>>;

/// Locks the shared world. A handler that panicked while holding the lock leaves the world as
/// it was at that moment; serving goes on with it rather than failing every later request.
pub fn lock(world: &SharedWorld) -> MutexGuard<'_, World> {
    world
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Caps on what one request may ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body: usize,
    /// Longest PromQL query, in bytes.
    pub max_query_len: usize,
    /// Most series one Prometheus answer may hold.
    pub max_series: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 3 * 1024 * 1024,
            max_query_len: 16 * 1024,
            max_series: 10_000,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// An address could not be bound.
    #[error("cannot bind {addr}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An address is not a loopback address.
    #[error("refusing to serve on {0}: only loopback addresses are served")]
    NotLoopback(SocketAddr),
}

/// One HTTP request, as the handlers see it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiRequest {
    /// `GET`, `PATCH`, ...
    pub(crate) method: String,
    /// The path, without the query string.
    pub(crate) path: String,
    /// The raw query string.
    pub(crate) query: String,
    /// The `Accept` header.
    pub(crate) accept: String,
    /// The `Content-Type` header.
    pub(crate) content_type: String,
    /// The body.
    pub(crate) body: Vec<u8>,
    /// The `Kubectl-Command` header kubectl sends (`kubectl describe`), empty for other clients.
    pub(crate) kubectl_command: String,
    /// For a client that computes ages from its own wall clock (`kubectl describe`), the
    /// whole Unix second the answer is served at; see [`wall_ages`].
    pub(crate) wall_second: Option<i64>,
}

impl ApiRequest {
    /// The query string's parameters.
    pub(crate) fn params(&self) -> Params {
        Params::decode(&self.query)
    }

    /// Whether the client asked for a server-side `Table`.
    pub(crate) fn wants_table(&self) -> bool {
        self.accept.contains("as=Table")
    }
}

/// One HTTP answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The `Content-Type`.
    pub(crate) content_type: &'static str,
    /// The body.
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: body.to_string().into_bytes(),
        }
    }

    /// A plain-text answer.
    pub(crate) fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
        }
    }

    pub(crate) fn into_response(self) -> Response {
        Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header(header::CONTENT_TYPE, self.content_type)
            .body(Body::from(self.body))
            .unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

#[derive(Clone)]
struct AppState {
    world: SharedWorld,
    /// The world as it was when serving began, which `/sim/v1/reset` restores.
    start: Arc<World>,
    /// The world `/sim/v1/save` kept, which `/sim/v1/restore` brings back. Locked only while
    /// the world's lock is held, so the two are always taken in that order.
    saved: Arc<Mutex<Option<World>>>,
    limits: Limits,
}

/// A running server: its two addresses and the means to stop it.
#[derive(Debug)]
pub struct Running {
    /// Where the Kubernetes API listens.
    pub kube_addr: SocketAddr,
    /// Where the Prometheus HTTP API listens.
    pub prom_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// A kubeconfig whose one cluster is the Kubernetes address over plain `http://`, with
    /// context `context` and no namespace.
    pub fn kubeconfig(&self, context: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {context}\n  cluster:\n    server: http://{addr}\ncontexts:\n- name: {context}\n  context:\n    cluster: {context}\n    user: {context}\ncurrent-context: {context}\nusers:\n- name: {context}\n  user: {{}}\npreferences: {{}}\n",
            addr = self.kube_addr
        )
    }

    /// Stops both listeners and waits for them to finish.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        for t in self.tasks.drain(..) {
            let _ = t.await;
        }
    }
}

/// Binds both APIs on loopback and serves `world` until [`Running::shutdown`].
///
/// # Errors
/// [`ServeError::NotLoopback`] for an address that is not loopback, [`ServeError::Bind`] when
/// an address cannot be bound.
pub async fn serve(
    world: SharedWorld,
    kube_addr: SocketAddr,
    prom_addr: SocketAddr,
    limits: Limits,
) -> Result<Running, ServeError> {
    for a in [kube_addr, prom_addr] {
        if !a.ip().is_loopback() {
            return Err(ServeError::NotLoopback(a));
        }
    }
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })
    };
    let kube = bind(kube_addr).await?;
    let prom = bind(prom_addr).await?;
    let (kube_addr, prom_addr) = (local(&kube, kube_addr), local(&prom, prom_addr));
    let start = Arc::new(lock(&world).clone());
    let state = AppState {
        world,
        start,
        saved: Arc::new(Mutex::new(None)),
        limits,
    };

    let kube_app = axum::Router::new()
        .fallback(kube_handler)
        .with_state(state.clone());
    let prom_app = axum::Router::new().fallback(prom_handler).with_state(state);

    let (stop, stopped) = oneshot::channel::<()>();
    let (tx_kube, rx_kube) = tokio::sync::watch::channel(false);
    let mut rx_prom = rx_kube.clone();
    let mut rx_k = rx_kube;
    let t_stop = tokio::spawn(async move {
        let _ = stopped.await;
        let _ = tx_kube.send(true);
    });
    let t_kube = tokio::spawn(async move {
        let _ = axum::serve(kube, kube_app)
            .with_graceful_shutdown(async move {
                let _ = rx_k.wait_for(|s| *s).await;
            })
            .await;
    });
    let t_prom = tokio::spawn(async move {
        let _ = axum::serve(prom, prom_app)
            .with_graceful_shutdown(async move {
                let _ = rx_prom.wait_for(|s| *s).await;
            })
            .await;
    });
    tracing::info!(%kube_addr, %prom_addr, "serving the simulated world");
    Ok(Running {
        kube_addr,
        prom_addr,
        stop: Some(stop),
        tasks: vec![t_stop, t_kube, t_prom],
    })
}

fn local(listener: &TcpListener, fallback: SocketAddr) -> SocketAddr {
    listener.local_addr().unwrap_or(fallback)
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Reads a request into an [`ApiRequest`], or answers `413` when its body is over the limit.
async fn read(req: Request, limit: usize) -> Result<ApiRequest, usize> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| limit)?;
    Ok(ApiRequest {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        accept: header_str(&parts.headers, header::ACCEPT),
        content_type: header_str(&parts.headers, header::CONTENT_TYPE),
        body: body.to_vec(),
        kubectl_command: header_str(
            &parts.headers,
            header::HeaderName::from_static("kubectl-command"),
        ),
        wall_second: None,
    })
}

async fn kube_handler(State(app): State<AppState>, req: Request) -> Response {
    let req = match read(req, app.limits.max_body).await {
        Ok(r) => r,
        Err(limit) => return status::too_large(limit).into_response(),
    };
    let mut req = req;
    if req.kubectl_command.starts_with("kubectl describe") {
        req.wall_second = Some(wall_ages::serving_second().await);
    }
    if req.params().get("watch") == Some("true") || req.params().get("watch") == Some("1") {
        return watch::serve(app.world.clone(), &req);
    }
    let reply = {
        let mut world = lock(&app.world);
        if req.path == "/sim/v1/advance" {
            advance(&mut world, &req)
        } else if req.path == "/sim/v1/reset" {
            reset(&mut world, &app.start, &req)
        } else if req.path == "/sim/v1/save" || req.path == "/sim/v1/restore" {
            let mut saved = app
                .saved
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            save_or_restore(&mut world, &mut saved, &req)
        } else {
            kubernetes::handle(&mut world, &req)
        }
    };
    reply.into_response()
}

/// `POST /sim/v1/advance?seconds=N`: lets virtual time pass; answers the new virtual now.
fn advance(world: &mut World, req: &ApiRequest) -> Reply {
    if req.method != "POST" {
        return status::method_not_allowed(&req.method);
    }
    let params = req.params();
    let ms = match (params.get("seconds"), params.get("milliseconds")) {
        (Some(s), _) => s.parse::<i64>().ok().map(|s| s.saturating_mul(1000)),
        (None, Some(ms)) => ms.parse::<i64>().ok(),
        (None, None) => None,
    };
    match ms {
        Some(ms) if (0..=86_400_000).contains(&ms) => {
            world.advance(Millis(ms));
            Reply::json(
                200,
                &serde_json::json!({"now": world.clock().now().to_string()}),
            )
        }
        _ => status::status(
            400,
            "BadRequest",
            "advance needs seconds=N or milliseconds=N between 0 and one day",
            None,
        ),
    }
}

/// `POST /sim/v1/reset` with a JSON [`crate::setup::Setup`] (an empty body is the empty
/// setup): the world becomes the one serving began with, then the setup is applied; answers
/// the new virtual now. A setup that fails leaves the world reset and part-way set up, and
/// answers 422 with what failed.
fn reset(world: &mut World, start: &World, req: &ApiRequest) -> Reply {
    if req.method != "POST" {
        return status::method_not_allowed(&req.method);
    }
    let setup: crate::setup::Setup = if req.body.iter().all(u8::is_ascii_whitespace) {
        crate::setup::Setup::default()
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(setup) => setup,
            Err(e) => {
                return status::status(400, "BadRequest", &format!("not a setup: {e}"), None);
            }
        }
    };
    *world = start.clone();
    match setup.apply(world) {
        Ok(()) => Reply::json(
            200,
            &serde_json::json!({"now": world.clock().now().to_string()}),
        ),
        Err(e) => status::status(422, "Invalid", &e.to_string(), None),
    }
}

/// `POST /sim/v1/save` keeps a copy of the world as it is (replacing any kept before);
/// `POST /sim/v1/restore` makes the world that copy again, clock included, and keeps the copy
/// (so it can be restored again). Both answer the virtual now; restoring with nothing saved
/// answers 409. A harness saves its learning world before evaluation tasks reset the world
/// into their starting states, and restores it after them.
fn save_or_restore(world: &mut World, saved: &mut Option<World>, req: &ApiRequest) -> Reply {
    if req.method != "POST" {
        return status::method_not_allowed(&req.method);
    }
    if req.path == "/sim/v1/save" {
        *saved = Some(world.clone());
    } else {
        match saved {
            Some(kept) => *world = kept.clone(),
            None => {
                return status::status(
                    409,
                    "Conflict",
                    "nothing to restore: POST /sim/v1/save first",
                    None,
                );
            }
        }
    }
    Reply::json(
        200,
        &serde_json::json!({"now": world.clock().now().to_string()}),
    )
}

async fn prom_handler(State(app): State<AppState>, req: Request) -> Response {
    let req = match read(req, app.limits.max_body).await {
        Ok(r) => r,
        Err(limit) => {
            return prometheus::too_large(limit).into_response();
        }
    };
    let world = lock(&app.world);
    prometheus::handle(&world, &req, &app.limits).into_response()
}
