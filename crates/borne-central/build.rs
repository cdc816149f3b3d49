//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds
//! the migration directories at compile time, and Cargo reruns it only when
//! a file it already knows changes, which a new migration is not (the fix
//! sqlx documents). Without this, a build after a new migration kept
//! migrating to the last build's schema.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/central-sqlite");
    println!("cargo:rerun-if-changed=../../migrations/central-postgres");
}
