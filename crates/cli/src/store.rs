//! The journal as a file: the same keys and values the page keeps in `localStorage`
//! ([`roster_core::run::journal::Store`]), held in one JSON object, rewritten whole at
//! each of the job's writes (to a temporary file, synced, then renamed over the old one,
//! so that a crash leaves either the old journal or the new one, never half of one).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use roster_core::run::journal::{self, Store, StoreError, StoreOp};

pub struct FileStore {
    path: PathBuf,
    map: BTreeMap<String, String>,
}

impl FileStore {
    /// The journal file at `path` (empty when it does not exist yet).
    pub fn open(path: &Path) -> Result<FileStore, String> {
        let map = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                format!(
                    "The journal {} cannot be read ({e}): move it away, or give another with --journal.",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(format!("Cannot read the journal {}: {e}", path.display())),
        };
        Ok(FileStore {
            path: path.to_owned(),
            map,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Carries out a job's writes, then puts the file on disk.
    pub fn apply(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        journal::apply(self, ops)?;
        self.persist()
    }

    fn persist(&self) -> Result<(), StoreError> {
        let fail = |e: std::io::Error| StoreError::new("IOError", &e.to_string());
        if self.map.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(fail(e)),
                _ => Ok(()),
            };
        }
        let text = serde_json::to_string(&self.map)
            .map_err(|e| StoreError::new("Error", &e.to_string()))?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut file = std::fs::File::create(&tmp).map_err(fail)?;
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(fail)
    }
}

impl Store for FileStore {
    fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.map.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) {
        self.map.remove(key);
    }

    fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}

impl FileStore {
    /// Whether the journal file holds anything.
    pub fn get_any(&self) -> bool {
        !self.map.is_empty()
    }
}
