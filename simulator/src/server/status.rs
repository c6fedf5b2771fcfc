//! `Status` objects: how the Kubernetes API server reports a failed request.

use serde_json::{Value, json};

use super::Reply;
use crate::kubectl::output::CommandOutput;
use crate::world::ops::ApiError;

/// A `Status` reply with `code`, `reason` and `message`, optionally naming the object.
pub(crate) fn status(code: u16, reason: &str, message: &str, details: Option<Value>) -> Reply {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        body["details"] = d;
    }
    Reply::json(code, &body)
}

/// The `Status` of an [`ApiError`].
pub(crate) fn from_api_error(e: &ApiError) -> Reply {
    let details = e.cause.as_ref().map(|c| {
        json!({
            "name": c.name, "kind": c.kind,
            "causes": [{"reason": c.reason, "message": c.message, "field": c.field}],
        })
    });
    status(e.code, e.reason, &e.message, details)
}

/// `404 NotFound` for `plural "name"`.
pub(crate) fn not_found(plural: &str, name: &str) -> Reply {
    status(
        404,
        "NotFound",
        &format!("{plural} \"{name}\" not found"),
        Some(json!({"name": name, "kind": plural.split('.').next().unwrap_or(plural)})),
    )
}

/// A `404` for a path the server does not serve, as the API server answers it.
pub(crate) fn no_route() -> Reply {
    status(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

/// `413` for a body over the limit.
pub(crate) fn too_large(limit: usize) -> Reply {
    status(
        413,
        "RequestEntityTooLarge",
        &format!("the request body is larger than the limit of {limit} bytes"),
        None,
    )
}

/// `405` for a verb the resource does not support.
pub(crate) fn method_not_allowed(method: &str) -> Reply {
    status(
        405,
        "MethodNotAllowed",
        &format!("the server does not allow this method on the requested resource ({method})"),
        None,
    )
}

/// The `Status` behind an interpreter error rendered as kubectl prints it
/// (`Error from server (Reason): message`), so that a verb shared with the interpreter fails
/// with the same words over HTTP. Anything else becomes a `BadRequest` carrying the text.
pub(crate) fn from_command_error(out: &CommandOutput) -> Reply {
    let line = out.stderr.trim_end();
    if let Some(rest) = line.strip_prefix("Error from server (")
        && let Some((reason, message)) = rest.split_once("): ")
    {
        let code = match reason {
            "NotFound" => 404,
            "AlreadyExists" | "Conflict" => 409,
            "Invalid" => 422,
            _ => 400,
        };
        return status(code, reason, message, None);
    }
    // The interpreter's rendering of an `Invalid` error with its cause
    // (`The Pod "x" is invalid: spec: Forbidden: ...`), back into the details kubectl read it
    // from.
    if let Some(rest) = line.strip_prefix("The ")
        && let Some((kind, rest)) = rest.split_once(" \"")
        && let Some((name, rest)) = rest.split_once("\" is invalid: ")
        && let Some((field, cause)) = rest.split_once(": ")
    {
        let reason = match cause.split(':').next() {
            Some("Forbidden") => "FieldValueForbidden",
            Some("Required value") => "FieldValueRequired",
            _ => "FieldValueInvalid",
        };
        return status(
            422,
            "Invalid",
            &format!("{kind} \"{name}\" is invalid: {field}: {cause}"),
            Some(json!({
                "name": name, "kind": kind,
                "causes": [{"reason": reason, "message": cause, "field": field}],
            })),
        );
    }
    let message = line.strip_prefix("error: ").unwrap_or(line);
    status(400, "BadRequest", message, None)
}
