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
#[derive(Debug)]
pub struct ConsoleProvider {
    file: Option<PathBuf>,
    lock: Mutex<()>,
}

impl ConsoleProvider {
    pub fn new(file: Option<PathBuf>) -> Self {
        Self {
            file,
            lock: Mutex::new(()),
        }
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
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }
        if let Some(path) = &self.file {
            let write = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                // One write per line: several instances may share the file.
                .and_then(|mut f| {
                    f.write_all(format!("{line}\n").as_bytes())
                        .and_then(|_| f.sync_data())
                });
            if let Err(e) = write {
                return Err(SendError::Retryable {
                    reason: format!("console outbox file: {e}"),
                    retry_after: None,
                });
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
