//! The journal as a folder: the same keys and values the page keeps in `localStorage`
//! ([`roster_core::run::journal::Store`]), one file per key: the run's head, each page of
//! rows, and the list of rows being sent. A job's write ([`StoreOp`]s) rewrites only the
//! keys it names, so only the pages whose rows changed are written, each to a temporary
//! file, synced, then renamed over the old one (and the folder synced), so that a crash
//! leaves each file either old or new, never half of one. Reading it back is the core's
//! ([`roster_core::run::journal::load`]): a page missing or damaged refuses the journal.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use roster_core::run::journal::{self, Store, StoreError, StoreOp};

/// What a temporary file's name ends with (left over by a crash mid-write: ignored).
const TMP: &str = ".tmp";

pub struct FileStore {
    dir: PathBuf,
    map: BTreeMap<String, String>,
    /// The first write that failed since the last [`FileStore::apply`] began.
    failed: Option<StoreError>,
}

/// A key as a file name: letters, digits, `.`, `_` and `-` as they are, every other byte
/// as `%XX` (a key never becomes a path, `..` or a hidden file).
fn file_name(key: &str) -> String {
    let mut name = String::new();
    for (i, b) in key.bytes().enumerate() {
        let plain = b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0);
        if plain {
            name.push(b as char);
        } else {
            name.push_str(&format!("%{b:02X}"));
        }
    }
    name
}

/// The key a file name stands for; `None` for a name [`file_name`] never makes.
fn key_of(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let key = String::from_utf8(out).ok()?;
    (file_name(&key) == name).then_some(key)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> StoreError {
    StoreError::new("IOError", &format!("{what} {}: {e}", path.display()))
}

/// Why a journal folder cannot be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// A plain file stands where the folder goes.
    IsAFile(PathBuf),
    /// The folder cannot be listed.
    Unreadable(PathBuf, String),
    /// One of its files cannot be read.
    FileUnreadable(PathBuf, String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::IsAFile(dir) => write!(
                f,
                "The journal {} is a file; a journal is a folder: give another with --journal.",
                dir.display()
            ),
            OpenError::Unreadable(dir, e) => {
                write!(f, "Cannot read the journal {}: {e}", dir.display())
            }
            OpenError::FileUnreadable(file, e) => {
                write!(f, "Cannot read the journal's file {}: {e}", file.display())
            }
        }
    }
}

impl std::error::Error for OpenError {}

impl FileStore {
    /// The journal folder at `dir` (empty when it does not exist yet).
    pub fn open(dir: &Path) -> Result<FileStore, OpenError> {
        let mut map = BTreeMap::new();
        if dir.is_file() {
            return Err(OpenError::IsAFile(dir.to_owned()));
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => Some(entries),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(OpenError::Unreadable(dir.to_owned(), e.to_string())),
        };
        for entry in entries.into_iter().flatten() {
            let entry = entry.map_err(|e| OpenError::Unreadable(dir.to_owned(), e.to_string()))?;
            let name = entry.file_name();
            let Some(key) = name.to_str().filter(|n| !n.ends_with(TMP)).and_then(key_of) else {
                continue;
            };
            let bytes = std::fs::read(entry.path())
                .map_err(|e| OpenError::FileUnreadable(entry.path(), e.to_string()))?;
            // A file that is not text is damaged: the core refuses the journal it belongs to.
            map.insert(key, String::from_utf8_lossy(&bytes).into_owned());
        }
        Ok(FileStore {
            dir: dir.to_owned(),
            map,
            failed: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Carries out a job's writes, each key's file on disk before the next, then syncs
    /// the folder (so the renames last).
    pub fn apply(&mut self, ops: &[StoreOp]) -> Result<(), StoreError> {
        self.failed = None;
        journal::apply(self, ops)?;
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.map.is_empty() {
            // Nothing left: the folder goes too (when nothing else is in it).
            let _ = std::fs::remove_dir(&self.dir);
            return Ok(());
        }
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_error("Cannot sync", &self.dir, e))
    }

    fn write_file(&self, key: &str, value: &str) -> Result<(), StoreError> {
        // The folder itself, not its parents: a --journal in a folder that does not exist
        // is refused before anything is sent, as a journal file's would be.
        match std::fs::create_dir(&self.dir) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(io_error("Cannot make", &self.dir, e))
            }
            _ => {}
        }
        let path = self.dir.join(file_name(key));
        let mut tmp = path.clone().into_os_string();
        tmp.push(TMP);
        let tmp = PathBuf::from(tmp);
        let mut file = File::create(&tmp).map_err(|e| io_error("Cannot write", &tmp, e))?;
        file.write_all(value.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io_error("Cannot write", &tmp, e))?;
        drop(file);
        std::fs::rename(&tmp, &path).map_err(|e| io_error("Cannot write", &path, e))
    }

    /// Whether the journal holds anything.
    pub fn get_any(&self) -> bool {
        !self.map.is_empty()
    }
}

impl Store for FileStore {
    fn get(&self, key: &str) -> Option<String> {
        self.map.get(key).cloned()
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.write_file(key, value)?;
        self.map.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn remove(&mut self, key: &str) {
        if self.map.remove(key).is_none() {
            return;
        }
        let path = self.dir.join(file_name(key));
        if let Err(e) = std::fs::remove_file(&path) {
            // A file that stays would come back at the next start: the write failed.
            if e.kind() != std::io::ErrorKind::NotFound && self.failed.is_none() {
                self.failed = Some(io_error("Cannot remove", &path, e));
            }
        }
    }

    fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_core::run::journal::{page_key, Writer, PAGE_ROWS};
    use roster_core::run::{RowState, Status};

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("roster-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn file_names_round_trip_and_stay_inside_the_folder() {
        for key in [
            "roster.journal.v1.abc.page.0",
            "../etc/passwd",
            ".hidden",
            "a/b\\c%d é",
            "",
        ] {
            let name = file_name(key);
            assert!(!name.contains('/') && !name.contains('\\') && !name.starts_with('.'));
            assert_eq!(key_of(&name).as_deref(), Some(key), "{name}");
        }
        assert_eq!(key_of("%zz"), None);
        assert_eq!(key_of("%2"), None);
        assert_eq!(key_of("a%2Fb%"), None);
        // Two spellings of one key: only the one file_name makes is read.
        assert_eq!(key_of("%61"), None);
    }

    #[test]
    fn a_write_touches_only_the_files_of_the_keys_it_names() {
        let dir = folder("touch");
        let mut store = FileStore::open(&dir).unwrap();
        let ops = vec![
            StoreOp::Set {
                key: "k.page.0".into(),
                value: "zero".into(),
            },
            StoreOp::Set {
                key: "k.page.1".into(),
                value: "one".into(),
            },
            StoreOp::Set {
                key: "k".into(),
                value: "head".into(),
            },
        ];
        store.apply(&ops).unwrap();
        let page0 = dir.join(file_name("k.page.0"));
        let before = std::fs::metadata(&page0).unwrap().modified().unwrap();
        let inode = |p: &Path| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(p).unwrap().ino()
        };
        let ino0 = inode(&page0);
        std::thread::sleep(std::time::Duration::from_millis(20));
        store
            .apply(&[StoreOp::Set {
                key: "k.page.1".into(),
                value: "one again".into(),
            }])
            .unwrap();
        assert_eq!(inode(&page0), ino0, "page 0 not rewritten");
        assert_eq!(
            std::fs::metadata(&page0).unwrap().modified().unwrap(),
            before
        );
        let again = FileStore::open(&dir).unwrap();
        assert_eq!(again.get("k.page.1").as_deref(), Some("one again"));
        assert_eq!(again.get("k.page.0").as_deref(), Some("zero"));
        assert_eq!(again.get("k").as_deref(), Some("head"));
        // No temporary file is left behind.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(TMP)), "{names:?}");
        store.apply(&[StoreOp::RemoveJournal("k".into())]).unwrap();
        assert!(!dir.exists(), "an emptied journal leaves no folder");
    }

    #[test]
    fn a_left_over_temporary_file_is_ignored() {
        let dir = folder("tmp");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("k.tmp"), "half").unwrap();
        let store = FileStore::open(&dir).unwrap();
        assert!(!store.get_any());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_in_place_of_the_folder_is_refused() {
        let dir = folder("file");
        std::fs::write(&dir, "{}").unwrap();
        assert!(FileStore::open(&dir).is_err());
        let _ = std::fs::remove_file(&dir);
    }

    fn row(status: Status, id: Option<&str>) -> RowState {
        RowState {
            status,
            message: String::new(),
            code: None,
            excluded: false,
            target_id: id.map(str::to_owned),
            attempts: 1,
            answer_lost: false,
            first_sent_ms: None,
            finished_ms: None,
            steps: Vec::new(),
        }
    }

    /// A journal of two pages written by the core's [`Writer`]: a change in page 1 rewrites
    /// page 1's file and leaves page 0's alone; resume reads it back whole; a page missing
    /// or damaged refuses the journal.
    #[test]
    fn only_changed_pages_are_written_and_a_missing_or_damaged_page_refuses_the_journal() {
        use roster_core::run::journal::{load, Journal, Refusal};
        use roster_core::targets::TargetId;
        use std::os::unix::fs::MetadataExt;
        let dir = folder("pages");
        let journal = Journal::new(
            "f1",
            "people.csv",
            &TargetId::new("aurora"),
            "https://x/",
            1.0,
        );
        let key = journal.key();
        let mut writer = Writer::new(journal);
        let mut store = FileStore::open(&dir).unwrap();
        let mut rows = vec![row(Status::Pending, None); PAGE_ROWS + 10];
        writer.begin(&mut store).unwrap();
        writer.record(&mut store, &rows, false, 2.0).unwrap();
        store.apply(&[]).unwrap();
        let file = |n: usize| dir.join(file_name(&page_key(&key, n)));
        let inode = |p: &Path| std::fs::metadata(p).unwrap().ino();
        let (page0, page1) = (inode(&file(0)), inode(&file(1)));

        rows[PAGE_ROWS + 3] = row(Status::Created, Some("42"));
        let ops = {
            // The same write, as the job hands it over: StoreOps, carried out by apply.
            let mut recorder = Recorder::default();
            writer.record(&mut recorder, &rows, false, 3.0).unwrap();
            recorder.0
        };
        store.apply(&ops).unwrap();
        assert_eq!(
            inode(&file(0)),
            page0,
            "page 0 did not change: not rewritten"
        );
        assert_ne!(
            inode(&file(1)),
            page1,
            "page 1 changed: rewritten (a new file renamed in)"
        );

        let back = load(&FileStore::open(&dir).unwrap(), &key).unwrap();
        assert_eq!(back.rows(), PAGE_ROWS + 10);
        assert_eq!(
            back.previous(),
            vec![(PAGE_ROWS + 3, Status::Created, Some("42".to_owned()))]
        );

        std::fs::write(file(1), "{not json").unwrap();
        let damaged = load(&FileStore::open(&dir).unwrap(), &key);
        assert_eq!(damaged.unwrap_err(), Refusal::Damaged(Some(1)));
        std::fs::remove_file(file(1)).unwrap();
        let missing = load(&FileStore::open(&dir).unwrap(), &key);
        assert_eq!(missing.unwrap_err(), Refusal::MissingPage(1));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Keeps the writes asked for as [`StoreOp`]s, reading what was written.
    #[derive(Default)]
    struct Recorder(Vec<StoreOp>);

    impl Store for Recorder {
        fn get(&self, _: &str) -> Option<String> {
            None
        }
        fn set(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
            self.0.push(StoreOp::Set {
                key: key.into(),
                value: value.into(),
            });
            Ok(())
        }
        fn remove(&mut self, key: &str) {
            self.0.push(StoreOp::Remove(key.into()));
        }
        fn keys(&self) -> Vec<String> {
            Vec::new()
        }
    }
}
