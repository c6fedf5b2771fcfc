//! The library on disk: atomic saves, per-round snapshots, and refusal to overwrite a file
//! that could not be read.

use std::path::{Path, PathBuf};

use super::SkillLibrary;

/// Errors of reading or writing a library file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file exists but is not a skill library; it is left as it is.
    #[error("skill library {path} is corrupt and was left untouched")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Reading, writing or renaming failed.
    #[error("skill library {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A library bound to a file.
#[derive(Debug, Clone)]
pub struct SkillStore {
    /// The file saved to; `None` keeps the library in memory only.
    path: Option<PathBuf>,
    library: SkillLibrary,
}

impl SkillStore {
    /// Opens the library at `path`: an empty one when the file does not exist.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`] when the file is not a library (it is never overwritten, since
    /// no store is returned), [`StoreError::Io`] when it cannot be read.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let library = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|source| StoreError::Corrupt {
                path: path.to_owned(),
                source,
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SkillLibrary::new(),
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Ok(Self {
            path: Some(path.to_owned()),
            library,
        })
    }

    /// A store that saves `library` to `path` from its next change on (nothing is read).
    pub fn bind(path: &Path, library: SkillLibrary) -> Self {
        Self {
            path: Some(path.to_owned()),
            library,
        }
    }

    /// A store that keeps `library` in memory and saves nowhere.
    pub fn in_memory(library: SkillLibrary) -> Self {
        Self {
            path: None,
            library,
        }
    }

    /// The library.
    pub fn library(&self) -> &SkillLibrary {
        &self.library
    }

    /// Changes the library and saves it.
    ///
    /// # Errors
    /// [`StoreError::Io`] when the save fails; the change is kept in memory.
    pub fn update<T>(
        &mut self,
        change: impl FnOnce(&mut SkillLibrary) -> T,
    ) -> Result<T, StoreError> {
        let out = change(&mut self.library);
        self.save()?;
        Ok(out)
    }

    /// Writes the library to its file atomically (nothing for an in-memory store).
    ///
    /// # Errors
    /// [`StoreError::Io`] when writing or renaming fails.
    pub fn save(&self) -> Result<(), StoreError> {
        match &self.path {
            Some(path) => write_atomically(path, &self.library),
            None => Ok(()),
        }
    }

    /// Writes a copy to `path` (for `skills/round-N.json`), atomically.
    ///
    /// # Errors
    /// [`StoreError::Io`] when writing fails.
    pub fn snapshot(&self, path: &Path) -> Result<(), StoreError> {
        write_atomically(path, &self.library)
    }
}

/// Writes `library` as pretty JSON to a temporary file beside `path`, then renames it over
/// `path`, so a reader sees the old or the new library and never half of one.
pub(super) fn write_atomically(path: &Path, library: &SkillLibrary) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut text = serde_json::to_string_pretty(library).expect("a library always serialises");
    text.push('\n');
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly on a missing value.
    use super::*;
    use crate::llm::protocol::{SkillKind, SkillProposal};
    use crate::skills::Provenance;

    #[test]
    fn a_saved_library_opens_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skills.json");
        let mut store = SkillStore::open(&path).unwrap();
        store
            .update(|lib| {
                lib.add(
                    &SkillProposal {
                        kind: SkillKind::Configuration,
                        title: "Namespace".into(),
                        body: "sock-shop".into(),
                        command: None,
                        when_to_use: "always".into(),
                        service: String::new(),
                    },
                    Provenance {
                        round: 1,
                        task_id: "r1-t1".into(),
                        task: "t".into(),
                    },
                )
            })
            .unwrap();
        let again = SkillStore::open(&path).unwrap();
        assert_eq!(again.library(), store.library());
        assert!(!dir.path().join("skills.json.tmp").exists());
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error_and_stays_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("skills.json");
        std::fs::write(&path, "{not json").unwrap();
        let error = SkillStore::open(&path).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("is corrupt and was left untouched"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{not json");
    }
}
