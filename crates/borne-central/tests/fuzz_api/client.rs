//! Sending a generated request: on the pooled client first, and, when
//! that gets no answer, once more on a connection of its own written by
//! hand, reading while writing. A server may answer early (a 401 before
//! a 2 MB body is read) and close the connection: that is an answer, and
//! it is judged like any other.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::oracle::Received;

/// A request with its secrets and signature filled in.
#[derive(Debug)]
pub struct Resolved {
    pub method: reqwest::Method,
    pub url: reqwest::Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Vec<u8>,
}

/// A safety net for a hung server, not a measure.
const PATIENCE: Duration = Duration::from_secs(60);

pub async fn send(http: &reqwest::Client, request: &Resolved) -> Result<Received, String> {
    match pooled(http, request).await {
        Ok(answer) => Ok(answer),
        Err(first) => by_hand(request)
            .await
            .map_err(|again| format!("no answer ({first}; then, on a new connection: {again})")),
    }
}

async fn pooled(http: &reqwest::Client, request: &Resolved) -> Result<Received, String> {
    let mut headers = reqwest::header::HeaderMap::new();
    for (name, value) in &request.headers {
        headers.append(name.clone(), value.clone());
    }
    let response = http
        .request(request.method.clone(), request.url.clone())
        .headers(headers)
        .body(request.body.clone())
        .timeout(PATIENCE)
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
            (n.as_str().to_owned(), v)
        })
        .collect();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("{e:?}"))?
        .to_vec();
    Ok(Received {
        status,
        headers,
        body,
    })
}

/// HTTP/1.1 on a new connection (`Connection: close`), the answer read
/// while the body is still being written.
async fn by_hand(request: &Resolved) -> Result<Received, String> {
    let host = request.url.host_str().unwrap_or("127.0.0.1");
    let port = request.url.port().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host, port))
        .await
        .map_err(|e| e.to_string())?;
    let (mut reader, mut writer) = stream.into_split();
    let mut head =
        format!(
        "{} {}{} HTTP/1.1\r\nhost: {host}:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method,
        request.url.path(),
        request.url.query().map(|q| format!("?{q}")).unwrap_or_default(),
        request.body.len()
    )
        .into_bytes();
    for (name, value) in &request.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let write = async {
        // The server may stop reading once it has answered.
        if writer.write_all(&head).await.is_ok() {
            let _ = writer.write_all(&request.body).await;
        }
    };
    let read = async {
        let mut bytes = Vec::new();
        // What arrived before a reset still counts.
        let _ = reader.read_to_end(&mut bytes).await;
        bytes
    };
    let ((), bytes) = tokio::time::timeout(PATIENCE, async { tokio::join!(write, read) })
        .await
        .map_err(|_| "no answer within the safety net".to_owned())?;
    parse(&bytes)
}

/// An HTTP/1.1 answer: status line, headers, and a body of
/// `Content-Length` bytes (or all that follows).
fn parse(bytes: &[u8]) -> Result<Received, String> {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no answer ({} bytes, no complete head)", bytes.len()))?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {head:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &bytes[end + 4..];
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(rest.len());
    if rest.len() < length {
        return Err(format!(
            "the body broke off ({} of {length} bytes)",
            rest.len()
        ));
    }
    Ok(Received {
        status,
        headers,
        body: rest[..length].to_vec(),
    })
}
