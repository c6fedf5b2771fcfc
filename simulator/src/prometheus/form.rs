//! Decoding of URL query strings and `application/x-www-form-urlencoded` bodies.

/// Request parameters in the order they were given; a name may repeat (`match[]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parameters from already-decoded pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// Decodes a query string or form body (`a=1&b=x+y&match[]=up`): `+` is a space,
    /// `%XX` a byte, invalid escapes are kept literally and invalid UTF-8 is replaced.
    /// A leading `?` is ignored.
    pub fn decode(input: &str) -> Self {
        let input = input.strip_prefix('?').unwrap_or(input);
        Self(
            input
                .split('&')
                .filter(|part| !part.is_empty())
                .map(|part| {
                    let (k, v) = part.split_once('=').unwrap_or((part, ""));
                    (percent_decode(k), percent_decode(v))
                })
                .collect(),
        )
    }

    /// The parameters of a request: the form body's (for `POST` with
    /// `application/x-www-form-urlencoded`) before the URL query string's, so that
    /// [`Params::get`] prefers the body as Go's `FormValue` does.
    pub fn from_request(url_query: &str, form_body: Option<&str>) -> Self {
        let mut params = form_body.map(Self::decode).unwrap_or_default();
        params.0.extend(Self::decode(url_query).0);
        params
    }

    /// The first value of `name`, if given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, or the empty string (Go's `FormValue`).
    pub fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Decodes `+` and `%XX` escapes.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_repeated_names() {
        let p = Params::decode("query=sum%28up%29+by+(job)&match[]=a&match%5B%5D=b");
        assert_eq!(p.get("query"), Some("sum(up) by (job)"));
        assert_eq!(p.get_all("match[]"), vec!["a", "b"]);
    }

    #[test]
    fn body_parameters_take_precedence_over_the_url() {
        let p = Params::from_request("?query=up&time=1", Some("query=down"));
        assert_eq!(p.get("query"), Some("down"));
        assert_eq!(p.get("time"), Some("1"));
    }

    #[test]
    fn invalid_escapes_are_kept() {
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%4"), "%4");
    }
}
