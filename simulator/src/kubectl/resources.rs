//! The resource types the simulated API server serves, with the names kubectl accepts for them.

/// One resource type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    /// `v1` pods.
    Pod,
    /// `apps/v1` deployments.
    Deployment,
    /// `apps/v1` replicasets.
    ReplicaSet,
    /// `v1` services.
    Service,
    /// `v1` endpoints.
    Endpoints,
    /// `v1` nodes.
    Node,
    /// `v1` namespaces.
    Namespace,
    /// `v1` events.
    Event,
    /// `v1` configmaps.
    ConfigMap,
    /// `autoscaling/v2` horizontalpodautoscalers.
    HorizontalPodAutoscaler,
    /// `v1` serviceaccounts.
    ServiceAccount,
}

/// Facts about a resource type, as discovery reports them.
#[derive(Clone, Copy, Debug)]
pub struct ResourceInfo {
    /// The type.
    pub kind: ResourceKind,
    /// `kind` of its objects (`Deployment`).
    pub kind_name: &'static str,
    /// Plural resource name (`deployments`).
    pub plural: &'static str,
    /// Singular name (`deployment`).
    pub singular: &'static str,
    /// Short names (`deploy`).
    pub short: &'static [&'static str],
    /// API group, empty for the core group.
    pub group: &'static str,
    /// API version within the group.
    pub version: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Verbs discovery lists for it.
    pub verbs: &'static [&'static str],
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Every served type, in the order `kubectl api-resources` prints them (by group, then name).
pub const RESOURCES: &[ResourceInfo] = &[
    ResourceInfo {
        kind: ResourceKind::ConfigMap,
        kind_name: "ConfigMap",
        plural: "configmaps",
        singular: "configmap",
        short: &["cm"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::Endpoints,
        kind_name: "Endpoints",
        plural: "endpoints",
        singular: "endpoints",
        short: &["ep"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::Event,
        kind_name: "Event",
        plural: "events",
        singular: "event",
        short: &["ev"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::Namespace,
        kind_name: "Namespace",
        plural: "namespaces",
        singular: "namespace",
        short: &["ns"],
        group: "",
        version: "v1",
        namespaced: false,
        verbs: &[
            "create", "delete", "get", "list", "patch", "update", "watch",
        ],
    },
    ResourceInfo {
        kind: ResourceKind::Node,
        kind_name: "Node",
        plural: "nodes",
        singular: "node",
        short: &["no"],
        group: "",
        version: "v1",
        namespaced: false,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::Pod,
        kind_name: "Pod",
        plural: "pods",
        singular: "pod",
        short: &["po"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::ServiceAccount,
        kind_name: "ServiceAccount",
        plural: "serviceaccounts",
        singular: "serviceaccount",
        short: &["sa"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::Service,
        kind_name: "Service",
        plural: "services",
        singular: "service",
        short: &["svc"],
        group: "",
        version: "v1",
        namespaced: true,
        verbs: &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
    },
    ResourceInfo {
        kind: ResourceKind::Deployment,
        kind_name: "Deployment",
        plural: "deployments",
        singular: "deployment",
        short: &["deploy"],
        group: "apps",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::ReplicaSet,
        kind_name: "ReplicaSet",
        plural: "replicasets",
        singular: "replicaset",
        short: &["rs"],
        group: "apps",
        version: "v1",
        namespaced: true,
        verbs: ALL_VERBS,
    },
    ResourceInfo {
        kind: ResourceKind::HorizontalPodAutoscaler,
        kind_name: "HorizontalPodAutoscaler",
        plural: "horizontalpodautoscalers",
        singular: "horizontalpodautoscaler",
        short: &["hpa"],
        group: "autoscaling",
        version: "v2",
        namespaced: true,
        verbs: ALL_VERBS,
    },
];

impl ResourceKind {
    /// This type's discovery facts.
    pub fn info(self) -> &'static ResourceInfo {
        RESOURCES
            .iter()
            .find(|r| r.kind == self)
            .expect("every kind has an entry in RESOURCES")
    }

    /// Resolves a name as kubectl does: plural, singular, short name, or any of those qualified
    /// by the group (`deployments.apps`) or group and version (`deployments.v1.apps`); case is
    /// ignored.
    pub fn resolve(name: &str) -> Option<ResourceKind> {
        let lower = name.to_ascii_lowercase();
        let (base, qualifier) = match lower.split_once('.') {
            Some((b, q)) => (b.to_string(), Some(q.to_string())),
            None => (lower.clone(), None),
        };
        RESOURCES
            .iter()
            .find(|r| {
                let names_match = r.plural == base
                    || r.singular == base
                    || r.short.contains(&base.as_str())
                    || r.kind_name.eq_ignore_ascii_case(&base);
                let group_match = match &qualifier {
                    None => true,
                    Some(q) => {
                        *q == r.group
                            || *q == format!("{}.{}", r.version, r.group)
                            || (r.group.is_empty() && *q == r.version)
                    }
                };
                names_match && group_match
            })
            .map(|r| r.kind)
    }

    /// The name kubectl prints in `kind/name` forms: lower-case kind plus the group
    /// (`deployment.apps`, `pod`).
    pub fn qualified_kind(self) -> String {
        let info = self.info();
        let kind = info.kind_name.to_ascii_lowercase();
        if info.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", info.group)
        }
    }

    /// The resource name used in API errors: plural plus the group (`deployments.apps`,
    /// `pods`).
    pub fn qualified_plural(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            info.plural.to_string()
        } else {
            format!("{}.{}", info.plural, info.group)
        }
    }

    /// `apiVersion` of its objects (`apps/v1`, `v1`).
    pub fn api_version(self) -> String {
        let info = self.info();
        if info.group.is_empty() {
            info.version.to_string()
        } else {
            format!("{}/{}", info.group, info.version)
        }
    }
}

/// The types `kubectl get all` lists, in its order.
pub const ALL_CATEGORY: &[ResourceKind] = &[
    ResourceKind::Pod,
    ResourceKind::Service,
    ResourceKind::Deployment,
    ResourceKind::ReplicaSet,
    ResourceKind::HorizontalPodAutoscaler,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_form_kubectl_accepts_resolves() {
        for name in ["pods", "pod", "po", "Pod", "pods.v1", "POD"] {
            assert_eq!(
                ResourceKind::resolve(name),
                Some(ResourceKind::Pod),
                "{name}"
            );
        }
        for name in [
            "deploy",
            "deployment",
            "deployments.apps",
            "deployments.v1.apps",
        ] {
            assert_eq!(
                ResourceKind::resolve(name),
                Some(ResourceKind::Deployment),
                "{name}"
            );
        }
        assert_eq!(ResourceKind::resolve("deployments.batch"), None);
        assert_eq!(ResourceKind::resolve("widgets"), None);
        assert_eq!(
            ResourceKind::resolve("hpa"),
            Some(ResourceKind::HorizontalPodAutoscaler)
        );
    }

    #[test]
    fn qualified_names_follow_the_group() {
        assert_eq!(ResourceKind::Deployment.qualified_kind(), "deployment.apps");
        assert_eq!(ResourceKind::Pod.qualified_kind(), "pod");
        assert_eq!(
            ResourceKind::Deployment.qualified_plural(),
            "deployments.apps"
        );
        assert_eq!(ResourceKind::Service.qualified_plural(), "services");
    }
}
