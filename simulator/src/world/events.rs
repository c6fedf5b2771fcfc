//! Events: what controllers and the kubelet report, deduplicated as the API server counts them.

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference, Pod};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};

use super::World;
use super::state::ObjectKey;

/// A reference to a namespaced object, as events name the object they are about.
pub(crate) fn object_ref(
    api_version: &str,
    kind: &str,
    key: &ObjectKey,
    uid: Option<String>,
) -> ObjectReference {
    ObjectReference {
        api_version: Some(api_version.into()),
        kind: Some(kind.into()),
        name: Some(key.name.clone()),
        namespace: Some(key.namespace.clone()),
        uid,
        ..Default::default()
    }
}

/// The object and source of an event about a pod: the pod, from the kubelet on its node.
fn pod_event_origin(key: &ObjectKey, pod: &Pod) -> (ObjectReference, EventSource) {
    let involved = ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Pod".into()),
        name: Some(key.name.clone()),
        namespace: Some(key.namespace.clone()),
        uid: pod.metadata.uid.clone(),
        resource_version: pod.metadata.resource_version.clone(),
        field_path: pod
            .spec
            .as_ref()
            .and_then(|s| s.containers.first())
            .map(|c| format!("spec.containers{{{}}}", c.name)),
    };
    let source = EventSource {
        component: Some("kubelet".into()),
        host: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
    };
    (involved, source)
}

impl World {
    /// Records an event about a pod, from the kubelet on the pod's node.
    pub(crate) fn event_pod(&mut self, key: &ObjectKey, kind: &str, reason: &str, message: String) {
        let Some(pod) = self.state.pods.get(key) else {
            return;
        };
        let (involved, source) = pod_event_origin(key, pod);
        self.record_event(involved, source, kind, reason, message);
    }

    /// Records an event about `pod` (stored under `key`), which the caller holds outside the
    /// pod map while it steps the pod.
    pub(crate) fn event_about_pod(
        &mut self,
        key: &ObjectKey,
        pod: &Pod,
        kind: &str,
        reason: &str,
        message: String,
    ) {
        let (involved, source) = pod_event_origin(key, pod);
        self.record_event(involved, source, kind, reason, message);
    }

    /// Records an event about any object, from the named component.
    pub(crate) fn event_object(
        &mut self,
        involved: ObjectReference,
        component: &str,
        (kind, reason, message): (&str, &str, String),
    ) {
        let source = EventSource {
            component: Some(component.into()),
            host: None,
        };
        self.record_event(involved, source, kind, reason, message);
    }

    /// Stores an event, or bumps the count of an identical one (same object, reason and
    /// message).
    fn record_event(
        &mut self,
        involved: ObjectReference,
        source: EventSource,
        kind: &str,
        reason: &str,
        message: String,
    ) {
        let now = Time(self.clock.now());
        let namespace = involved
            .namespace
            .clone()
            .unwrap_or_else(|| "default".into());
        let existing = self.state.events.iter_mut().find(|(k, e)| {
            k.namespace == namespace
                && e.involved_object.uid == involved.uid
                && e.involved_object.name == involved.name
                && e.reason.as_deref() == Some(reason)
                && e.message.as_deref() == Some(message.as_str())
        });
        if let Some((_, event)) = existing {
            event.count = Some(event.count.unwrap_or(1) + 1);
            event.last_timestamp = Some(now);
            self.dirty = true;
            return;
        }

        // Named after the object and the creation instant in nanoseconds, as the event
        // recorder does, so one object's events list in the order they happened.
        let base = involved.name.clone().unwrap_or_default();
        let mut nanos = i128::from(self.clock.now().as_millisecond()) * 1_000_000;
        let name = loop {
            let candidate = format!("{base}.{nanos:x}");
            if !self
                .state
                .events
                .contains_key(&ObjectKey::new(&namespace, &candidate))
            {
                break candidate;
            }
            nanos += 1;
        };
        let meta = self.fresh_meta(ObjectMeta {
            name: Some(name.clone()),
            namespace: Some(namespace.clone()),
            ..Default::default()
        });
        let event = Event {
            metadata: meta,
            involved_object: involved,
            reason: Some(reason.into()),
            message: Some(message),
            source: Some(source.clone()),
            first_timestamp: Some(now.clone()),
            last_timestamp: Some(now),
            count: Some(1),
            type_: Some(kind.into()),
            event_time: None::<MicroTime>,
            reporting_component: Some(source.component.clone().unwrap_or_default()),
            reporting_instance: Some(source.host.clone().unwrap_or_default()),
            ..Default::default()
        };
        self.state
            .events
            .insert(ObjectKey::new(namespace, name), event);
    }
}
