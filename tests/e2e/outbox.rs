//! What the console telephony provider sent (its JSON-lines outbox).

use super::*;

/// Waits for the console provider's latest SMS to the test resident and
/// returns its code.
pub async fn code_from_outbox(outbox: &Path) -> Result<String> {
    code_sent_to(outbox, "+15145550142").await
}

/// The last code the console provider texted to `to` (E.164).
pub async fn code_sent_to(outbox: &Path, to: &str) -> Result<String> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if let Ok(text) = std::fs::read_to_string(outbox) {
            let last = text
                .lines()
                .rev()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|m| m["to"] == to);
            if let Some(msg) = last {
                assert_eq!(msg["channel"], "sms");
                let body = msg["text"].as_str().unwrap_or_default();
                if let Some(code) = body
                    .split(|ch: char| !ch.is_ascii_digit())
                    .find(|t| t.len() == 6)
                {
                    return Ok(code.to_string());
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("no code in the console outbox {}", outbox.display())
}

/// Messages the console provider sent to `to` so far.
pub fn sent_to(outbox: &Path, to: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(outbox)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["to"] == to)
        .collect()
}
