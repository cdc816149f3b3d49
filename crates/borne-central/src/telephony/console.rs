use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::json;
use time::OffsetDateTime;

use super::{OutgoingMessage, Receipt, SendError, Telephony};

/// Writes each outgoing SMS or call as one JSON line (`time`, `to`,
/// `channel`, `language`, `text`, `asks_confirmation`) to stdout and, when configured, appends it
/// to a file. For the demo and tests only: the lines hold the codes.
///
/// A send returns once its line is on disk. The lines of sends made side
/// by side share one `fsync` (group commit): each send appends its line,
/// then whichever send syncs first covers every line appended before.
#[derive(Debug)]
pub struct ConsoleProvider {
    file: Option<PathBuf>,
    /// Lines appended to the file so far (the lock also keeps stdout's
    /// lines whole).
    written: Mutex<u64>,
    /// Lines known to be on disk.
    synced: tokio::sync::Mutex<u64>,
}

impl ConsoleProvider {
    pub fn new(file: Option<PathBuf>) -> Self {
        Self {
            file,
            written: Mutex::new(0),
            synced: tokio::sync::Mutex::new(0),
        }
    }
}

fn retryable(e: &dyn std::fmt::Display) -> SendError {
    SendError::Retryable {
        reason: format!("console outbox file: {e}"),
        retry_after: None,
    }
}

#[async_trait::async_trait]
impl Telephony for ConsoleProvider {
    async fn send(&self, m: &OutgoingMessage) -> Result<Receipt, SendError> {
        let now = OffsetDateTime::now_utc();
        let line = json!({
            "time": borne_protocol::rfc3339::format(now),
            "to": m.to,
            "channel": m.channel.as_str(),
            "language": m.language.as_str(),
            "text": m.text,
            "asks_confirmation": m.asks_confirmation,
        })
        .to_string();
        let seq = {
            let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
            {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
            }
            if let Some(path) = &self.file {
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    // One write per line: several instances may share the file.
                    .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()))
                    .map_err(|e| retryable(&e))?;
            }
            *written += 1;
            *written
        };
        if let Some(path) = &self.file {
            let mut synced = self.synced.lock().await;
            if *synced < seq {
                let upto = *self.written.lock().unwrap_or_else(|e| e.into_inner());
                let path = path.clone();
                // fsync writes the file's data out, whichever descriptor
                // appended it.
                tokio::task::spawn_blocking(move || {
                    OpenOptions::new()
                        .append(true)
                        .open(path)
                        .and_then(|f| f.sync_data())
                })
                .await
                .map_err(|e| retryable(&e))?
                .map_err(|e| retryable(&e))?;
                *synced = upto;
            }
        }
        Ok(Receipt {
            provider_id: format!("console-{}", now.unix_timestamp_nanos()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use borne_domain::{Channel, Language};

    #[tokio::test]
    async fn appends_one_json_line_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.jsonl");
        let p = ConsoleProvider::new(Some(path.clone()));
        for text in ["un", "deux"] {
            p.send(&OutgoingMessage {
                to: "+15145550100".into(),
                channel: Channel::Sms,
                language: Language::Fr,
                text: text.into(),
                asks_confirmation: false,
            })
            .await
            .unwrap();
        }
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["text"], "deux");
        assert_eq!(lines[0]["to"], "+15145550100");
        assert_eq!(lines[0]["channel"], "sms");
        assert_eq!(lines[0]["language"], "fr");
        assert!(lines[0]["time"].as_str().unwrap().ends_with('Z'));
    }

    /// Sends side by side (a batch) share their syncs: every line is
    /// there, whole, once.
    #[tokio::test]
    async fn concurrent_sends_each_append_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outbox.jsonl");
        let p = ConsoleProvider::new(Some(path.clone()));
        let sends = (0..20).map(|i| {
            let p = &p;
            async move {
                p.send(&OutgoingMessage {
                    to: format!("+1514555{i:04}"),
                    channel: Channel::Sms,
                    language: Language::Fr,
                    text: format!("message {i}"),
                    asks_confirmation: false,
                })
                .await
            }
        });
        for r in futures_util::future::join_all(sends).await {
            r.unwrap();
        }
        let mut texts: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["text"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        texts.sort();
        let mut expected: Vec<String> = (0..20).map(|i| format!("message {i}")).collect();
        expected.sort();
        assert_eq!(texts, expected);
    }

    #[tokio::test]
    async fn an_unwritable_file_is_a_retryable_failure() {
        let p = ConsoleProvider::new(Some("/nonexistent-dir/outbox.jsonl".into()));
        let e = p
            .send(&OutgoingMessage {
                to: "+15145550100".into(),
                channel: Channel::Voice,
                language: Language::En,
                text: "x".into(),
                asks_confirmation: false,
            })
            .await
            .unwrap_err();
        assert!(matches!(e, SendError::Retryable { .. }));
    }
}
