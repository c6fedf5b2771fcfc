//! Field selectors (`--field-selector status.phase=Running,metadata.name!=x`): the fields the
//! API server lets each type be filtered by.

use serde_json::Value;

use super::resources::ResourceKind;
use crate::world::Object;

/// One `field=value` or `field!=value` term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldTerm {
    /// The field path (`status.phase`).
    pub field: String,
    /// Whether the term asks for equality.
    pub equal: bool,
    /// The value.
    pub value: String,
}

/// Parses the selector text; `None` for an empty selector.
///
/// # Errors
/// The API machinery's message for a term without an operator.
pub fn parse(text: &str) -> Result<Vec<FieldTerm>, String> {
    let mut terms = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, equal, value) = if let Some((f, v)) = part.split_once("!=") {
            (f, false, v)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, true, v)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, true, v)
        } else {
            return Err(format!(
                "invalid selector: '{text}'; can't understand '{part}'"
            ));
        };
        terms.push(FieldTerm {
            field: field.trim().to_string(),
            equal,
            value: value.trim().to_string(),
        });
    }
    Ok(terms)
}

/// The fields a type may be selected by, beyond `metadata.name` and `metadata.namespace`.
fn supported(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Pod => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ResourceKind::Event => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ResourceKind::Node => &["spec.unschedulable"],
        ResourceKind::Namespace => &["status.phase"],
        ResourceKind::ReplicaSet => &["status.replicas"],
        _ => &[],
    }
}

/// Checks every term against the type's supported fields.
///
/// # Errors
/// `field label not supported: <field>`, as the API server says it.
pub fn check(kind: ResourceKind, terms: &[FieldTerm]) -> Result<(), String> {
    for t in terms {
        let ok = t.field == "metadata.name"
            || t.field == "metadata.namespace"
            || supported(kind).contains(&t.field.as_str());
        if !ok {
            return Err(format!("field label not supported: {}", t.field));
        }
    }
    Ok(())
}

/// Whether the object satisfies every term.
pub fn matches(object: &Object<'_>, terms: &[FieldTerm]) -> bool {
    if terms.is_empty() {
        return true;
    }
    let json = object.to_json();
    terms.iter().all(|t| {
        let actual = if t.field == "source" {
            json.pointer("/source/component").cloned()
        } else {
            json.pointer(&format!("/{}", t.field.replace('.', "/")))
                .cloned()
        };
        let text = match actual {
            Some(Value::String(s)) => s,
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        (text == t.value) == t.equal
    })
}
