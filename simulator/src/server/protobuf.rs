//! Just enough of the Kubernetes protobuf encoding to read the objects kubectl sends that way
//! (its typed clients create objects in `application/vnd.kubernetes.protobuf`): the `k8s\0`
//! envelope, and a field reader for the messages inside it.

/// The magic prefix of a Kubernetes protobuf body.
const MAGIC: &[u8] = b"k8s\0";

/// One field of a message: its number and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Field<'a> {
    /// A varint (int32, int64, bool, enum).
    Varint(u32, u64),
    /// A length-delimited value (string, bytes, embedded message).
    Bytes(u32, &'a [u8]),
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ProtoError {
    /// The body does not start with the `k8s\0` magic.
    #[error("the body is not a Kubernetes protobuf object (no k8s magic)")]
    NoMagic,
    /// The body ends inside a field, or uses a wire type objects never use.
    #[error("the protobuf body is malformed at byte {0}")]
    Malformed(usize),
}

fn varint(bytes: &[u8], at: &mut usize) -> Result<u64, ProtoError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at).ok_or(ProtoError::Malformed(*at))?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ProtoError::Malformed(*at))
}

/// The fields of one message, in order.
///
/// # Errors
/// [`ProtoError::Malformed`] for a truncated message or a fixed-width or group field.
pub(crate) fn fields(bytes: &[u8]) -> Result<Vec<Field<'_>>, ProtoError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let key = varint(bytes, &mut at)?;
        let number = u32::try_from(key >> 3).map_err(|_| ProtoError::Malformed(at))?;
        match key & 7 {
            0 => out.push(Field::Varint(number, varint(bytes, &mut at)?)),
            2 => {
                let len = usize::try_from(varint(bytes, &mut at)?)
                    .map_err(|_| ProtoError::Malformed(at))?;
                let end = at.checked_add(len).ok_or(ProtoError::Malformed(at))?;
                let value = bytes.get(at..end).ok_or(ProtoError::Malformed(at))?;
                out.push(Field::Bytes(number, value));
                at = end;
            }
            _ => return Err(ProtoError::Malformed(at)),
        }
    }
    Ok(out)
}

/// The object inside a Kubernetes protobuf body (the `raw` field of its `Unknown` envelope).
///
/// # Errors
/// [`ProtoError`] when the body is not such an envelope.
pub(crate) fn unwrap_object(body: &[u8]) -> Result<&[u8], ProtoError> {
    let inner = body.strip_prefix(MAGIC).ok_or(ProtoError::NoMagic)?;
    fields(inner)?
        .into_iter()
        .find_map(|f| match f {
            Field::Bytes(2, raw) => Some(raw),
            _ => None,
        })
        .ok_or(ProtoError::Malformed(0))
}

/// The embedded message or string of field `number`, the last one when repeated.
pub(crate) fn bytes<'a>(fields: &[Field<'a>], number: u32) -> Option<&'a [u8]> {
    fields.iter().rev().find_map(|f| match f {
        Field::Bytes(n, v) if *n == number => Some(*v),
        _ => None,
    })
}

/// The string of field `number`.
pub(crate) fn string(fields: &[Field<'_>], number: u32) -> Option<String> {
    bytes(fields, number).map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The int32 of field `number`.
pub(crate) fn int32(fields: &[Field<'_>], number: u32) -> Option<i32> {
    fields.iter().rev().find_map(|f| match f {
        // int32 travels as a sign-extended varint; the low 32 bits are the value.
        Field::Varint(n, v) if *n == number => Some(*v as u32 as i32),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_envelope_yields_its_object_and_fields_read_back() {
        // Unknown{typeMeta: {apiVersion: "v"}, raw: {1: "ab", 2: 300}}
        let object = [0x0a, 0x02, b'a', b'b', 0x10, 0xac, 0x02];
        let mut body = b"k8s\0".to_vec();
        body.extend_from_slice(&[0x0a, 0x03, 0x0a, 0x01, b'v', 0x12, object.len() as u8]);
        body.extend_from_slice(&object);
        let raw = unwrap_object(&body).unwrap();
        let f = fields(raw).unwrap();
        assert_eq!(string(&f, 1).as_deref(), Some("ab"));
        assert_eq!(int32(&f, 2), Some(300));
        assert_eq!(int32(&f, 3), None);
    }

    #[test]
    fn truncated_or_foreign_bodies_are_errors() {
        assert_eq!(unwrap_object(b"{}"), Err(ProtoError::NoMagic));
        assert!(fields(&[0x0a, 0x05, b'a']).is_err());
        assert!(fields(&[0x0d, 0, 0, 0, 0]).is_err());
    }
}
