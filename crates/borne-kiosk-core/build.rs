//! Rebuilds the kiosk's queue when a migration is added: `sqlx::migrate!`
//! embeds the migration directory at compile time, and Cargo reruns it only
//! when a file it already knows changes, which a new migration is not (the
//! fix sqlx documents).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/kiosk-sqlite");
}
