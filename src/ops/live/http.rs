//! A small blocking HTTP/1.1 client over `std::net`, enough for Prometheus's query API and the
//! simulator server's clock: `http://` only, one request per connection, a timeout on every
//! step and a cap on the body.
//!
//! It lives here rather than behind an async client because [`super::LiveOps`] answers inside
//! a synchronous [`crate::ops::Operations::execute`] that may itself run within the trial's
//! runtime, where blocking on another runtime would panic.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why a request got no HTTP answer at all.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not an `http://host:port/...` URL.
    #[error("{url} is not a plain http:// URL (https is not supported by the live backend)")]
    Url {
        /// The URL.
        url: String,
    },
    /// The host could not be reached or the exchange broke off.
    #[error("{url} cannot be reached")]
    Io {
        /// The URL.
        url: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The answer is not HTTP.
    #[error("{url} answered something that is not HTTP/1.1: {detail}")]
    Protocol {
        /// The URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
}

/// An HTTP answer: its status code and its body as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Answer {
    /// The status code.
    pub(crate) status: u16,
    /// The body, lossily decoded as UTF-8 and cut at the cap.
    pub(crate) body: String,
}

/// The parts of an `http://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpUrl {
    /// `host:port` (port 80 when the URL names none).
    pub(crate) authority: String,
    /// The path with its query, `/` when empty.
    pub(crate) path: String,
}

impl HttpUrl {
    /// Splits `url`, which must start with `http://`.
    ///
    /// # Errors
    /// [`HttpError::Url`] for another scheme or an empty host.
    pub(crate) fn parse(url: &str) -> Result<HttpUrl, HttpError> {
        let bad = || HttpError::Url {
            url: url.to_owned(),
        };
        let rest = url.strip_prefix("http://").ok_or_else(bad)?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(bad());
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| !p.contains(']'))
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(HttpUrl {
            authority,
            path: path.to_owned(),
        })
    }
}

/// Sends `method` to `url` with an empty body and reads the answer, giving up after `timeout`
/// on any one step; the body is cut at `cap` bytes.
///
/// # Errors
/// [`HttpError`] when there is no HTTP answer; an answer with an error status is an
/// [`Answer`].
pub(crate) fn request(
    method: &str,
    url: &str,
    timeout: Duration,
    cap: usize,
) -> Result<Answer, HttpError> {
    let parsed = HttpUrl::parse(url)?;
    let io = |source| HttpError::Io {
        url: url.to_owned(),
        source,
    };
    let addr = parsed
        .authority
        .to_socket_addrs()
        .map_err(io)?
        .next()
        .ok_or_else(|| {
            io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "the host has no address",
            ))
        })?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nContent-Length: 0\r\nConnection: close\r\nUser-Agent: odyssey-live\r\n\r\n",
        parsed.path, parsed.authority
    );
    stream.write_all(head.as_bytes()).map_err(io)?;

    let mut reader = BufReader::new(stream);
    let protocol = |detail: &str| HttpError::Protocol {
        url: url.to_owned(),
        detail: detail.to_owned(),
    };
    let mut line = String::new();
    reader.read_line(&mut line).map_err(io)?;
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|_| line.starts_with("HTTP/1."))
        .ok_or_else(|| protocol(line.trim_end()))?;

    let (mut length, mut chunked) = (None, false);
    loop {
        line.clear();
        if reader.read_line(&mut line).map_err(io)? == 0 {
            return Err(protocol("the headers end early"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.eq_ignore_ascii_case("chunked");
            }
        }
    }

    let body = if chunked {
        read_chunked(&mut reader, cap).map_err(io)?
    } else {
        let mut body = Vec::new();
        let limit = length.unwrap_or(usize::MAX).min(cap) as u64;
        reader.take(limit).read_to_end(&mut body).map_err(io)?;
        body
    };
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Reads a chunked body up to `cap` bytes.
fn read_chunked(reader: &mut impl BufRead, cap: usize) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "a chunk size is not hex")
        })?;
        if size == 0 || body.len() >= cap {
            return Ok(body);
        }
        let mut chunk = vec![0; size];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk[..size.min(cap - body.len())]);
        line.clear();
        reader.read_line(&mut line)?;
    }
}

/// `text` with every byte outside the unreserved set percent-encoded, as a query value.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;

    #[test]
    fn urls_split_into_authority_and_path() {
        let url = HttpUrl::parse("http://127.0.0.1:9090/api/v1/query?query=up").unwrap();
        assert_eq!(url.authority, "127.0.0.1:9090");
        assert_eq!(url.path, "/api/v1/query?query=up");
        assert_eq!(
            HttpUrl::parse("http://localhost").unwrap().authority,
            "localhost:80"
        );
        assert!(HttpUrl::parse("https://localhost:9090").is_err());
        assert!(HttpUrl::parse("http://user@host/").is_err());
    }

    #[test]
    fn chunked_bodies_are_joined_and_capped() {
        let wire = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        assert_eq!(read_chunked(&mut &wire[..], 100).unwrap(), b"hello world");
        assert_eq!(read_chunked(&mut &wire[..], 7).unwrap(), b"hello w");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_component("sum(rate(x{job=\"a/b\"}[5m]))"),
            "sum%28rate%28x%7Bjob%3D%22a%2Fb%22%7D%5B5m%5D%29%29"
        );
    }

    #[test]
    fn a_closed_port_is_an_error_not_an_answer() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = request(
            "GET",
            &format!("http://{addr}/"),
            Duration::from_secs(2),
            1024,
        )
        .unwrap_err();
        assert!(matches!(err, HttpError::Io { .. }), "{err}");
    }
}
