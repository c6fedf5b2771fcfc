//! Resource arguments (`pods`, `deploy,svc`, `deployment.apps/carts`, `all`) as kubectl's
//! resource builder reads them, and the resource types a Sock Shop cluster serves.

/// A resource type the simulated API server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourceType {
    /// The plural resource name (`deployments`).
    pub plural: &'static str,
    /// The singular name (`deployment`).
    pub singular: &'static str,
    /// Short names (`deploy`).
    pub short_names: &'static [&'static str],
    /// The API group, empty for the core group.
    pub group: &'static str,
    /// The preferred version.
    pub version: &'static str,
    /// The kind (`Deployment`).
    pub kind: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
}

impl ResourceType {
    /// `deployments.apps`, or `pods` for the core group: how kubectl names the resource in
    /// "not found" errors.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_owned()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `deployment.apps`, or `pod`: the prefix of `-o name` lines.
    pub fn qualified_kind(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }

    /// `apps/v1`, or `v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_owned()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn rt(
    plural: &'static str,
    singular: &'static str,
    short_names: &'static [&'static str],
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> ResourceType {
    ResourceType {
        plural,
        singular,
        short_names,
        group,
        version,
        kind,
        namespaced,
    }
}

/// The resource types of a kind cluster running Sock Shop, as `kubectl api-resources` lists
/// them (short names included).
pub const RESOURCE_TYPES: &[ResourceType] = &[
    rt("bindings", "binding", &[], "", "v1", "Binding", true),
    rt(
        "componentstatuses",
        "componentstatus",
        &["cs"],
        "",
        "v1",
        "ComponentStatus",
        false,
    ),
    rt(
        "configmaps",
        "configmap",
        &["cm"],
        "",
        "v1",
        "ConfigMap",
        true,
    ),
    rt(
        "endpoints",
        "endpoints",
        &["ep"],
        "",
        "v1",
        "Endpoints",
        true,
    ),
    rt("events", "event", &["ev"], "", "v1", "Event", true),
    rt(
        "limitranges",
        "limitrange",
        &["limits"],
        "",
        "v1",
        "LimitRange",
        true,
    ),
    rt(
        "namespaces",
        "namespace",
        &["ns"],
        "",
        "v1",
        "Namespace",
        false,
    ),
    rt("nodes", "node", &["no"], "", "v1", "Node", false),
    rt(
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        &["pvc"],
        "",
        "v1",
        "PersistentVolumeClaim",
        true,
    ),
    rt(
        "persistentvolumes",
        "persistentvolume",
        &["pv"],
        "",
        "v1",
        "PersistentVolume",
        false,
    ),
    rt("pods", "pod", &["po"], "", "v1", "Pod", true),
    rt(
        "podtemplates",
        "podtemplate",
        &[],
        "",
        "v1",
        "PodTemplate",
        true,
    ),
    rt(
        "replicationcontrollers",
        "replicationcontroller",
        &["rc"],
        "",
        "v1",
        "ReplicationController",
        true,
    ),
    rt(
        "resourcequotas",
        "resourcequota",
        &["quota"],
        "",
        "v1",
        "ResourceQuota",
        true,
    ),
    rt("secrets", "secret", &[], "", "v1", "Secret", true),
    rt(
        "serviceaccounts",
        "serviceaccount",
        &["sa"],
        "",
        "v1",
        "ServiceAccount",
        true,
    ),
    rt("services", "service", &["svc"], "", "v1", "Service", true),
    rt(
        "controllerrevisions",
        "controllerrevision",
        &[],
        "apps",
        "v1",
        "ControllerRevision",
        true,
    ),
    rt(
        "daemonsets",
        "daemonset",
        &["ds"],
        "apps",
        "v1",
        "DaemonSet",
        true,
    ),
    rt(
        "deployments",
        "deployment",
        &["deploy"],
        "apps",
        "v1",
        "Deployment",
        true,
    ),
    rt(
        "replicasets",
        "replicaset",
        &["rs"],
        "apps",
        "v1",
        "ReplicaSet",
        true,
    ),
    rt(
        "statefulsets",
        "statefulset",
        &["sts"],
        "apps",
        "v1",
        "StatefulSet",
        true,
    ),
    rt(
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        &["hpa"],
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        true,
    ),
    rt(
        "cronjobs",
        "cronjob",
        &["cj"],
        "batch",
        "v1",
        "CronJob",
        true,
    ),
    rt("jobs", "job", &[], "batch", "v1", "Job", true),
    rt(
        "leases",
        "lease",
        &[],
        "coordination.k8s.io",
        "v1",
        "Lease",
        true,
    ),
    rt(
        "endpointslices",
        "endpointslice",
        &[],
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        true,
    ),
    rt(
        "ingresses",
        "ingress",
        &["ing"],
        "networking.k8s.io",
        "v1",
        "Ingress",
        true,
    ),
    rt(
        "networkpolicies",
        "networkpolicy",
        &["netpol"],
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        true,
    ),
    rt(
        "poddisruptionbudgets",
        "poddisruptionbudget",
        &["pdb"],
        "policy",
        "v1",
        "PodDisruptionBudget",
        true,
    ),
    rt(
        "clusterrolebindings",
        "clusterrolebinding",
        &[],
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        false,
    ),
    rt(
        "clusterroles",
        "clusterrole",
        &[],
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        false,
    ),
    rt(
        "rolebindings",
        "rolebinding",
        &[],
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        true,
    ),
    rt(
        "roles",
        "role",
        &[],
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        true,
    ),
    rt(
        "priorityclasses",
        "priorityclass",
        &["pc"],
        "scheduling.k8s.io",
        "v1",
        "PriorityClass",
        false,
    ),
    rt(
        "storageclasses",
        "storageclass",
        &["sc"],
        "storage.k8s.io",
        "v1",
        "StorageClass",
        false,
    ),
    rt(
        "customresourcedefinitions",
        "customresourcedefinition",
        &["crd", "crds"],
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        false,
    ),
];

/// The plural names in the `all` category, in the order `kubectl get all` prints them (the
/// server's discovery order).
pub const ALL_CATEGORY: &[&str] = &[
    "pods",
    "replicationcontrollers",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "horizontalpodautoscalers",
    "cronjobs",
    "jobs",
];

/// The types of the `all` category, in [`ALL_CATEGORY`] order.
pub fn all_category() -> Vec<&'static ResourceType> {
    ALL_CATEGORY
        .iter()
        .filter_map(|name| RESOURCE_TYPES.iter().find(|t| t.plural == *name))
        .collect()
}

/// Resolves a type word as kubectl's REST mapper would: plural, singular, short name or
/// kind, case-insensitively, optionally qualified with `.group` or `.version.group`.
pub fn lookup_resource_type(word: &str) -> Option<&'static ResourceType> {
    let word = word.to_lowercase();
    let matches_name = |t: &ResourceType, name: &str| {
        t.plural == name
            || t.singular == name
            || t.short_names.contains(&name)
            || t.kind.to_lowercase() == name
    };
    if let Some(t) = RESOURCE_TYPES.iter().find(|t| matches_name(t, &word)) {
        return Some(t);
    }
    let (name, qualifier) = word.split_once('.')?;
    RESOURCE_TYPES.iter().find(|t| {
        (t.plural == name || t.singular == name)
            && !t.group.is_empty()
            && (qualifier == t.group || qualifier == format!("{}.{}", t.version, t.group))
    })
}

/// The type part of a resource argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeRef {
    /// `all`: the `all` category (pods, services, daemonsets, deployments, replicasets,
    /// statefulsets, horizontalpodautoscalers, cronjobs, jobs, replicationcontrollers).
    All,
    /// A type the simulated cluster serves.
    Known(&'static ResourceType),
    /// A type word the cluster does not serve; kubectl would answer `the server doesn't have
    /// a resource type "<word>"`.
    Unknown(String),
}

/// One requested resource: a type, and a name unless all objects of the type are meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    /// The type word as typed (`deploy`, `deployments.apps`).
    pub type_word: String,
    /// What the type word resolves to.
    pub type_ref: TypeRef,
    /// The object's name, if one was given.
    pub name: Option<String>,
}

impl ResourceRef {
    fn new(type_word: &str, name: Option<&str>) -> Self {
        let type_ref = if type_word.eq_ignore_ascii_case("all") {
            TypeRef::All
        } else {
            match lookup_resource_type(type_word) {
                Some(t) => TypeRef::Known(t),
                None => TypeRef::Unknown(type_word.to_owned()),
            }
        };
        ResourceRef {
            type_word: type_word.to_owned(),
            type_ref,
            name: name.map(str::to_owned),
        }
    }
}

/// A resource argument list kubectl rejects before contacting the server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceArgError {
    /// `TYPE/NAME` mixed with plain words.
    #[error(
        "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'"
    )]
    MixedForms,
    /// `a/b/c`.
    #[error("arguments in resource/name form may not have more than one slash")]
    TooManySlashes,
    /// `pod/`, `/x` or `a,b/x`.
    #[error("arguments in resource/name form must have a single resource and name")]
    NotSingle,
}

/// Splits a comma list of types, dropping empty and repeated entries (kubectl's
/// `SplitResourceArgument`).
pub fn split_resource_argument(arg: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for s in arg.split(',') {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Reads resource arguments as kubectl's builder does (`ResourceTypeOrNameArgs`):
/// `TYPE`, `TYPE NAME...`, `TYPE1,TYPE2 NAME...` (every type with every name) or
/// `TYPE/NAME...`. An empty list gives no references.
///
/// # Errors
///
/// kubectl's errors for mixed or malformed `TYPE/NAME` forms.
pub fn parse_resource_args(args: &[String]) -> Result<Vec<ResourceRef>, ResourceArgError> {
    let args = normalize_multiple_types(args);
    let slashes = args.iter().filter(|a| a.contains('/')).count();
    if slashes > 0 {
        if slashes != args.len() {
            return Err(ResourceArgError::MixedForms);
        }
        let mut refs = Vec::new();
        for arg in &args {
            let parts: Vec<&str> = arg.split('/').collect();
            if parts.len() != 2 {
                return Err(ResourceArgError::TooManySlashes);
            }
            let (resource, name) = (parts[0], parts[1]);
            if resource.is_empty()
                || name.is_empty()
                || split_resource_argument(resource).len() != 1
            {
                return Err(ResourceArgError::NotSingle);
            }
            refs.push(ResourceRef::new(resource, Some(name)));
        }
        return Ok(refs);
    }

    let Some((first, names)) = args.split_first() else {
        return Ok(Vec::new());
    };
    let types = split_resource_argument(first);
    if names.is_empty() {
        return Ok(types
            .into_iter()
            .map(|t| ResourceRef::new(t, None))
            .collect());
    }
    Ok(types
        .into_iter()
        .flat_map(|t| names.iter().map(move |n| ResourceRef::new(t, Some(n))))
        .collect())
}

/// `a,b x y` becomes `a/x a/y b/x b/y` (kubectl's `normalizeMultipleResourcesArgs`).
fn normalize_multiple_types(args: &[String]) -> Vec<String> {
    if args.len() >= 2 {
        let types = split_resource_argument(&args[0]);
        if types.len() > 1 {
            return types
                .iter()
                .flat_map(|t| args[1..].iter().map(move |n| format!("{t}/{n}")))
                .collect();
        }
    }
    args.to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn refs(line: &str) -> Result<Vec<(String, Option<String>)>, ResourceArgError> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse_resource_args(&args).map(|v| v.into_iter().map(|r| (r.type_word, r.name)).collect())
    }

    #[test]
    fn short_names_and_groups_resolve() {
        for word in [
            "po",
            "pods",
            "pod",
            "Pod",
            "deploy",
            "deployments.apps",
            "deployment.v1.apps",
            "svc",
            "ep",
            "no",
            "ns",
            "ev",
            "cm",
            "hpa",
            "rs",
        ] {
            assert!(lookup_resource_type(word).is_some(), "{word}");
        }
        assert_eq!(
            lookup_resource_type("deploy").unwrap().qualified_kind(),
            "deployment.apps"
        );
        assert!(lookup_resource_type("pods.apps").is_none());
    }

    #[test]
    fn type_lists_and_names_combine() {
        assert_eq!(
            refs("deploy,svc").unwrap(),
            [("deploy".into(), None), ("svc".into(), None)]
        );
        assert_eq!(
            refs("deploy,svc carts").unwrap(),
            [
                ("deploy".into(), Some("carts".into())),
                ("svc".into(), Some("carts".into()))
            ]
        );
        assert_eq!(
            refs("pods a b").unwrap(),
            [
                ("pods".into(), Some("a".into())),
                ("pods".into(), Some("b".into()))
            ]
        );
        assert_eq!(refs("pods,,pods").unwrap(), [("pods".into(), None)]);
        assert_eq!(
            parse_resource_args(&["all".into()]).unwrap()[0].type_ref,
            TypeRef::All
        );
    }

    #[test]
    fn slash_forms_are_checked() {
        assert_eq!(
            refs("deploy/carts svc/carts").unwrap(),
            [
                ("deploy".into(), Some("carts".into())),
                ("svc".into(), Some("carts".into()))
            ]
        );
        assert_eq!(refs("pods x/y"), Err(ResourceArgError::MixedForms));
        assert_eq!(refs("a/b/c"), Err(ResourceArgError::TooManySlashes));
        assert_eq!(refs("pod/"), Err(ResourceArgError::NotSingle));
        assert_eq!(refs("a,b/x"), Err(ResourceArgError::NotSingle));
    }
}
