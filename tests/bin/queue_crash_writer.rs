//! Enqueues registrations into a kiosk queue as fast as it can and prints
//! `<index> <id>` after each commit. The crash test kills it with SIGKILL
//! at random moments and checks that every printed registration is there.
//!
//! Usage: queue-crash-writer <data dir> <first index>

use std::io::Write;

use borne_kiosk_core::{queue::now_ms, KeyStore, Queue};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("data dir")?);
    let first: u32 = args.next().ok_or("first index")?.parse()?;
    let (key, _) = KeyStore::File(dir.join("queue.key")).load_or_create()?;
    let queue = Queue::open(&dir.join("queue.sqlite"), &key).await?;
    let mut out = std::io::stdout().lock();
    for i in first.. {
        let id = uuid::Uuid::now_v7().to_string();
        queue
            .enqueue(&borne_e2e::registration(i, &id), now_ms())
            .await?;
        writeln!(out, "{i} {id}")?;
        out.flush()?;
    }
    Ok(())
}
