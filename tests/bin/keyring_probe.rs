//! Opens a kiosk queue with `BORNE_KIOSK_KEY_STORE=auto` semantics in a
//! data directory and says where the key came from. First run (`write`):
//! queues one registration. Second run (`read`): reads it back, which only
//! works with the same key. The keyring test runs both inside a private
//! D-Bus session with an unlocked gnome-keyring.
//!
//! Usage: keyring-probe <data dir> write|read

use borne_kiosk_core::{queue::now_ms, KeyStore, Queue};

const ID: &str = "019ac0de-0000-7000-8000-000000000001";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().ok_or("data dir")?);
    let mode = args.next().ok_or("write or read")?;
    if let Err(e) = KeyStore::Keyring.load_or_create() {
        eprintln!("no OS keyring: {e}");
    }
    let (key, source) = KeyStore::Auto(dir.join("queue.key")).load_or_create()?;
    println!("source={source:?}");
    let queue = Queue::open(&dir.join("queue.sqlite"), &key).await?;
    let expected = borne_e2e::registration(7, ID);
    match mode.as_str() {
        "write" => queue.enqueue(&expected, now_ms()).await?,
        _ => {
            let read = queue.get(ID).await?;
            println!(
                "read={}",
                if read == Some(expected) {
                    "same"
                } else {
                    "different"
                }
            );
        }
    }
    Ok(())
}
