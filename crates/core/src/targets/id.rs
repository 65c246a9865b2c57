//! [`TargetId`]: which kind of target a run, a journal, a past run or a lock is about.
//!
//! The id is the kind's stable id (`aurora`, `mumara`, a profile's `id`), never its display
//! name. It is stored as text (a journal's `target`), so journals written before it existed
//! still load. A file name gets [`TargetId::file_part`], never the display name.

use std::borrow::Borrow;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A kind of target's stable id, cheap to clone.
#[derive(Clone)]
pub struct TargetId(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl TargetId {
    /// A built-in target's id.
    pub const fn builtin(id: &'static str) -> TargetId {
        TargetId(Repr::Static(id))
    }

    pub fn new(id: &str) -> TargetId {
        TargetId(Repr::Shared(Arc::from(id)))
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }

    /// The id as a part of a file name: lower case, letters and digits (any script) kept,
    /// every run of anything else (spaces, slashes, dots, quotes, `:`, `*`, …) one `-`,
    /// none at either end, at most 40 characters; `target` when nothing is left.
    pub fn file_part(&self) -> String {
        let mut part = String::new();
        let mut gap = false;
        for c in self.as_str().chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                if gap && !part.is_empty() {
                    part.push('-');
                }
                gap = false;
                part.push(c);
            } else {
                gap = true;
            }
        }
        let part: String = part.chars().take(40).collect();
        let part = part.trim_end_matches('-');
        if part.is_empty() {
            "target".to_owned()
        } else {
            part.to_owned()
        }
    }
}

impl Default for TargetId {
    fn default() -> TargetId {
        TargetId::builtin("")
    }
}

impl fmt::Debug for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for TargetId {
    fn eq(&self, other: &TargetId) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TargetId {}

impl std::hash::Hash for TargetId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for TargetId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TargetId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl AsRef<str> for TargetId {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for TargetId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for TargetId {
    fn from(id: &str) -> TargetId {
        TargetId::new(id)
    }
}

impl From<String> for TargetId {
    fn from(id: String) -> TargetId {
        TargetId(Repr::Shared(Arc::from(id)))
    }
}

/// Stored as the text it is (the journal's format of before).
impl Serialize for TargetId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TargetId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TargetId, D::Error> {
        String::deserialize(deserializer).map(TargetId::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_part_is_safe_for_any_id() {
        let cases = [
            ("aurora", "aurora"),
            ("graph", "graph"),
            ("Microsoft Graph (Entra ID)", "microsoft-graph-entra-id"),
            ("a/b\\c", "a-b-c"),
            ("../../etc/passwd", "etc-passwd"),
            ("Café Ünïcödé", "café-ünïcödé"),
            ("con:*?\"<>|x", "con-x"),
            ("  spaced  out  ", "spaced-out"),
            ("tab\tnew\nline", "tab-new-line"),
            ("", "target"),
            ("///", "target"),
            ("my_profile.v2", "my-profile-v2"),
        ];
        for (id, want) in cases {
            assert_eq!(TargetId::new(id).file_part(), want, "{id:?}");
        }
        let long = TargetId::new(&"x".repeat(300)).file_part();
        assert_eq!(long.chars().count(), 40);
    }

    #[test]
    fn stored_as_text_and_compared_by_text() {
        let id = TargetId::builtin("aurora");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"aurora\"");
        let back: TargetId = serde_json::from_str("\"aurora\"").unwrap();
        assert_eq!(back, id);
        assert_eq!(id, "aurora");
        assert_eq!(id.to_string(), "aurora");
    }

    proptest::proptest! {
        #[test]
        fn file_part_of_any_id_is_a_safe_name(id in "\\PC{0,80}") {
            let part = TargetId::new(&id).file_part();
            proptest::prop_assert!(!part.is_empty() && part.chars().count() <= 40);
            proptest::prop_assert!(part.chars().all(|c| c == '-' || c.is_alphanumeric()), "{part:?}");
            proptest::prop_assert!(!part.starts_with('-') && !part.ends_with('-'));
        }
    }
}
