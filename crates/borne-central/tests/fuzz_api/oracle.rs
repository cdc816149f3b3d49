//! What an answer must be: a status the document lists for the
//! operation, never a 5xx (but a 503 it documents), the headers it
//! documents, and a body of a documented media type whose JSON has the
//! documented shape (or no body when none is documented).

use crate::spec::{Operation, Spec};

/// An answer, as received.
#[derive(Debug)]
pub struct Received {
    pub status: u16,
    /// Header names, lower case, with their values (lossy UTF-8).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What is wrong with the answer, if anything.
pub fn judge(spec: &Spec, op: &Operation, answer: &Received) -> Option<String> {
    let status = answer.status;
    let documented = op.answer(status);
    if status >= 500 && !(status == 503 && documented.is_some()) {
        return Some(format!("a {status} answer (server error)"));
    }
    let Some(documented) = documented else {
        let listed: Vec<&str> = op.answers.iter().map(|(s, _)| s.as_str()).collect();
        return Some(format!(
            "status {status} is not documented (documented: {})",
            listed.join(", ")
        ));
    };
    for name in &documented.headers {
        if answer.header(name).is_none() {
            return Some(format!("the documented header `{name}` is missing"));
        }
    }
    let media = answer.header("content-type").map(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    if documented.content.is_empty() {
        if !answer.body.is_empty() {
            return Some(format!(
                "{status} documents no body, got {} bytes of {}",
                answer.body.len(),
                media.as_deref().unwrap_or("no content type")
            ));
        }
        return None;
    }
    let Some(media) = media else {
        return Some(format!("{status} came without a content type"));
    };
    let Some((_, schema)) = documented
        .content
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(&media))
    else {
        let listed: Vec<&str> = documented.content.iter().map(|(m, _)| m.as_str()).collect();
        return Some(format!(
            "{status} came as {media}, documented as {}",
            listed.join(", ")
        ));
    };
    if media == "application/json" || media.ends_with("+json") {
        let value: serde_json::Value = match serde_json::from_slice(&answer.body) {
            Ok(v) => v,
            Err(e) => return Some(format!("{status} says JSON but is not: {e}")),
        };
        if let Err(why) = spec.conforms(&value, schema, "$") {
            return Some(format!("{status} body does not fit its schema: {why}"));
        }
    }
    None
}
