//! Release files being downloaded, held once in memory however many
//! kiosks download them at the same time.
//!
//! A release file is large (a kiosk's package or executable, tens of MiB)
//! and a fleet that is offered it asks for it within minutes: loaded per
//! request, fifty kiosks would hold fifty copies. Here a file is loaded
//! from the store when no download of it is under way and shared by every
//! download that starts before the last one ends; then it is freed. So
//! the server holds at most one copy of each release, and only while it is
//! being sent. Releases never change once added (`release add` refuses a
//! version twice), which is what makes sharing them safe.

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use axum::body::Bytes;
use tokio::sync::Mutex;

use crate::db::{Store, StoreError};

/// One release file in memory, shared by the downloads sending it.
#[derive(Debug)]
struct File(Vec<u8>);

impl AsRef<[u8]> for File {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The release files being sent right now, by release id.
#[derive(Debug, Default)]
pub struct ReleaseFiles {
    /// Held while a file is looked up or loaded: two downloads starting
    /// together load it once.
    sending: Mutex<HashMap<String, Weak<File>>>,
}

impl ReleaseFiles {
    /// The release's file, shared with the downloads of it under way
    /// (loaded from the store if there are none); `None` when there is no
    /// such release. The answer's body keeps its share until it is sent.
    pub async fn open(&self, store: &Store, id: &str) -> Result<Option<Bytes>, StoreError> {
        let mut sending = self.sending.lock().await;
        sending.retain(|_, file| file.strong_count() > 0);
        if let Some(file) = sending.get(id).and_then(Weak::upgrade) {
            return Ok(Some(Bytes::from_owner(SharedFile(file))));
        }
        let Some(bytes) = store.release_artifact(id).await? else {
            return Ok(None);
        };
        let file = Arc::new(File(bytes));
        sending.insert(id.to_owned(), Arc::downgrade(&file));
        Ok(Some(Bytes::from_owner(SharedFile(file))))
    }

    /// How many release files are in memory now.
    #[cfg(test)]
    async fn held(&self) -> usize {
        let sending = self.sending.lock().await;
        sending.values().filter(|f| f.strong_count() > 0).count()
    }
}

/// A download's share of a file.
struct SharedFile(Arc<File>);

impl AsRef<[u8]> for SharedFile {
    fn as_ref(&self) -> &[u8] {
        self.0.as_ref().as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::NewRelease;

    async fn store_with_release() -> (Store, String, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = crate::db::scratch_database(crate::db::test_engine(), dir.path())
            .await
            .unwrap();
        let store = Store::connect(&url).await.unwrap();
        let release = NewRelease {
            target: crate::releases::Target::LinuxX86_64,
            version: &"0.1.1".parse().unwrap(),
            signature: "signature",
            notes: "",
            sha256: "0",
            artifact: &[7; 4096],
            rollout: &crate::releases::Rollout::Percent(100),
        };
        let id = store.add_release(&release, crate::db::now()).await.unwrap();
        (store, id, dir)
    }

    #[tokio::test]
    async fn downloads_at_the_same_time_share_one_copy_freed_after_the_last() {
        let (store, id, _dir) = store_with_release().await;
        let files = ReleaseFiles::default();
        let first = files.open(&store, &id).await.unwrap().unwrap();
        let second = files.open(&store, &id).await.unwrap().unwrap();
        assert_eq!(first.len(), 4096);
        assert_eq!(first, second);
        assert_eq!(
            first.as_ptr(),
            second.as_ptr(),
            "the second download must share the first one's copy"
        );
        assert_eq!(files.held().await, 1);
        drop(first);
        assert_eq!(files.held().await, 1, "one download still sends it");
        drop(second);
        assert_eq!(files.held().await, 0, "freed once no download sends it");
        let again = files.open(&store, &id).await.unwrap().unwrap();
        assert_eq!(again.len(), 4096, "loaded again for a later download");
    }

    #[tokio::test]
    async fn an_unknown_release_is_none_and_holds_nothing() {
        let (store, _, _dir) = store_with_release().await;
        let files = ReleaseFiles::default();
        assert!(files
            .open(&store, "no-such-release")
            .await
            .unwrap()
            .is_none());
        assert_eq!(files.held().await, 0);
    }
}
