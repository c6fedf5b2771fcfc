//! What each Sock Shop service does under load: its routes and how often one Locust iteration
//! calls them, its CPU cost and base latency, its language runtime and which metrics it
//! exposes. The numbers are the model's parameters, chosen so that the reference tasks behave
//! as on the paper's cluster: heavy load drives catalogue's P99 past 300 ms on one replica
//! and a second replica brings it well under.

/// The runtime a service is written in, which decides its metric names and label style.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Go (go-kit): upper-case methods, munged route names, an `isWS` label.
    Go,
    /// Node.js (prom-client): lower-case methods, raw paths, a `service` label.
    Node,
    /// Java (Spring Boot + simpleclient): upper-case methods, Spring patterns, a `service` label.
    Java,
    /// A server without a Prometheus endpoint of its own (databases, queue-master's `/metrics`).
    None,
    /// An exporter or Prometheus itself: runtime metrics only.
    Exporter,
}

/// One route of a service.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// HTTP method as the service labels it.
    pub method: &'static str,
    /// Route label.
    pub route: &'static str,
    /// Status code of a successful request.
    pub status: &'static str,
    /// Requests per Locust iteration.
    pub per_iteration: f64,
}

/// A service's parameters.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// Service (and deployment) name.
    pub name: &'static str,
    /// Runtime family.
    pub family: Family,
    /// Routes driven by the workload.
    pub routes: &'static [Route],
    /// The route probes hit (`health`, `/`), if the service logs probe requests.
    pub probe_route: Option<Route>,
    /// CPU time per request, in milliseconds.
    pub cpu_ms_per_request: f64,
    /// Latency of a request on an idle pod, in milliseconds.
    pub base_latency_ms: f64,
    /// CPU used when idle, in millicores.
    pub idle_millicores: f64,
    /// Resident memory, in MiB.
    pub memory_mib: f64,
    /// Histogram bucket bounds (seconds), without `+Inf`.
    pub buckets: &'static [f64],
}

const GO_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const JAVA_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

const fn route(
    method: &'static str,
    route: &'static str,
    status: &'static str,
    per_iteration: f64,
) -> Route {
    Route {
        method,
        route,
        status,
        per_iteration,
    }
}

/// Every modelled service. One Locust iteration is the load test's nine front-end requests
/// and what they call downstream.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "front-end",
        family: Family::Node,
        routes: &[
            route("get", "/", "200", 1.0),
            route("get", "/catalogue", "200", 1.0),
            route("get", "/login", "200", 1.0),
            route("get", "/category.html", "200", 1.0),
            route("get", "/detail.html", "200", 1.0),
            route("delete", "/cart", "202", 1.0),
            route("post", "/cart", "201", 1.0),
            route("get", "/basket.html", "200", 1.0),
            route("post", "/orders", "201", 1.0),
        ],
        probe_route: None,
        cpu_ms_per_request: 0.6,
        base_latency_ms: 6.0,
        idle_millicores: 3.0,
        memory_mib: 63.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "catalogue",
        family: Family::Go,
        routes: &[
            route("GET", "catalogue", "200", 1.0),
            route("GET", "catalogue_id", "200", 1.0),
        ],
        probe_route: Some(route("GET", "health", "200", 0.0)),
        cpu_ms_per_request: 2.0,
        base_latency_ms: 15.0,
        idle_millicores: 2.0,
        memory_mib: 5.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "user",
        family: Family::Go,
        routes: &[
            route("GET", "login", "200", 1.0),
            route("GET", "customers", "200", 1.0),
            route("GET", "addresses", "200", 1.0),
            route("GET", "cards", "200", 1.0),
        ],
        probe_route: Some(route("GET", "health", "200", 0.0)),
        cpu_ms_per_request: 0.5,
        base_latency_ms: 8.0,
        idle_millicores: 1.0,
        memory_mib: 4.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "payment",
        family: Family::Go,
        routes: &[route("POST", "paymentauth", "200", 1.0)],
        probe_route: Some(route("GET", "health", "200", 0.0)),
        cpu_ms_per_request: 0.3,
        base_latency_ms: 3.0,
        idle_millicores: 1.0,
        memory_mib: 3.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "carts",
        family: Family::Java,
        routes: &[
            route("DELETE", "/carts/{customerId}", "202", 1.0),
            route("POST", "/carts/{customerId:.*}/items", "201", 1.0),
            route("GET", "/carts/{customerId:.*}/items", "200", 1.0),
        ],
        probe_route: None,
        cpu_ms_per_request: 1.5,
        base_latency_ms: 12.0,
        idle_millicores: 4.0,
        memory_mib: 286.0,
        buckets: JAVA_BUCKETS,
    },
    Profile {
        name: "orders",
        family: Family::Java,
        routes: &[route("POST", "/orders", "201", 1.0)],
        probe_route: None,
        cpu_ms_per_request: 4.0,
        base_latency_ms: 45.0,
        idle_millicores: 4.0,
        memory_mib: 303.0,
        buckets: JAVA_BUCKETS,
    },
    Profile {
        name: "shipping",
        family: Family::Java,
        routes: &[route("POST", "/shipping", "201", 1.0)],
        probe_route: None,
        cpu_ms_per_request: 1.0,
        base_latency_ms: 10.0,
        idle_millicores: 3.0,
        memory_mib: 270.0,
        buckets: JAVA_BUCKETS,
    },
    Profile {
        name: "queue-master",
        family: Family::None,
        routes: &[],
        probe_route: None,
        cpu_ms_per_request: 0.0,
        base_latency_ms: 0.0,
        idle_millicores: 3.0,
        memory_mib: 256.0,
        buckets: JAVA_BUCKETS,
    },
    Profile {
        name: "rabbitmq",
        family: Family::Exporter,
        routes: &[],
        probe_route: None,
        cpu_ms_per_request: 0.0,
        base_latency_ms: 0.0,
        idle_millicores: 5.0,
        memory_mib: 128.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "grafana",
        family: Family::Exporter,
        routes: &[],
        probe_route: None,
        cpu_ms_per_request: 0.0,
        base_latency_ms: 0.0,
        idle_millicores: 4.0,
        memory_mib: 58.0,
        buckets: GO_BUCKETS,
    },
    Profile {
        name: "prometheus",
        family: Family::Exporter,
        routes: &[],
        probe_route: None,
        cpu_ms_per_request: 0.0,
        base_latency_ms: 0.0,
        idle_millicores: 12.0,
        memory_mib: 240.0,
        buckets: GO_BUCKETS,
    },
];

/// The profile of a service, by name; databases and unknown services get an idle default.
pub fn profile(name: &str) -> Profile {
    PROFILES
        .iter()
        .find(|p| p.name == name)
        .copied()
        .unwrap_or(Profile {
            name: "other",
            family: Family::None,
            routes: &[],
            probe_route: None,
            cpu_ms_per_request: 0.0,
            base_latency_ms: 0.0,
            idle_millicores: if name.ends_with("-db") { 6.0 } else { 2.0 },
            memory_mib: match name {
                "carts-db" | "orders-db" | "user-db" => 72.0,
                "catalogue-db" => 201.0,
                "session-db" => 3.0,
                "grafana" => 58.0,
                _ => 20.0,
            },
            buckets: GO_BUCKETS,
        })
}
