//! Document content files: sealed, named by the SHA-256 of their content, and shared by every
//! upload of the same bytes. A file does not record the key that sealed it: it opens under
//! whichever configured key did (AES-GCM's tag tells a wrong key), so documents stay readable while
//! the data key is rotated. Files are only ever replaced whole: written to a `.partial` file of
//! their own, synced, then renamed over the old one.

use std::io::Write;
use std::path::Path;

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::crypto::Vault;
use crate::error::AppError;

/// Makes sure `path` holds `content` (whose SHA-256 is `sha256`) sealed under a configured key.
/// A file already there is kept when it opens to those bytes; one that no configured key opens
/// (sealed under a key removed since, or damaged) is replaced.
pub(crate) fn store(
    vault: &Vault,
    path: &Path,
    sha256: &str,
    content: &[u8],
) -> Result<(), AppError> {
    match std::fs::read_to_string(path) {
        Ok(sealed) if opens_to(vault, &sealed, sha256) => return Ok(()),
        Ok(_) => tracing::warn!(
            sha256,
            "a document file no configured key opens was stored again from its upload"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(AppError::internal(e)),
    }
    let sealed = vault.seal(content).map_err(AppError::internal)?;
    // No space or a read-only data folder is an outage (503 storage.unavailable), not a bug.
    write_atomically(path, sealed.as_bytes()).map_err(AppError::file_write)
}

/// The content of the file at `path`, checked against its SHA-256.
pub(crate) fn read(vault: &Vault, path: &Path, sha256: &str) -> Result<Vec<u8>, AppError> {
    let sealed = std::fs::read_to_string(path).map_err(AppError::internal)?;
    let (content, _) = vault.open_any(&sealed).map_err(AppError::internal)?;
    if hex::encode(Sha256::digest(&content)) != sha256 {
        return Err(AppError::internal(
            "document content does not match its SHA-256",
        ));
    }
    Ok(content)
}

/// Seals the file at `path` again under the current key when another configured key sealed it.
/// Returns the id of the key it was under when it was replaced, `None` when it already was under
/// the current key, or what stops it (missing, unreadable under every configured key, content not
/// matching its SHA-256, cannot be written); the file is then left as it was.
pub(crate) fn reseal(vault: &Vault, path: &Path, sha256: &str) -> Result<Option<String>, String> {
    let sealed = std::fs::read_to_string(path).map_err(|e| format!("cannot be read: {e}"))?;
    let (content, key_id) = vault
        .open_any(&sealed)
        .map_err(|_| "no configured key opens it".to_owned())?;
    if vault.is_current(key_id) {
        return Ok(None);
    }
    if hex::encode(Sha256::digest(&content)) != sha256 {
        return Err("its content does not match its SHA-256".to_owned());
    }
    let from = key_id.to_owned();
    let again = vault.seal(&content).map_err(|e| e.to_string())?;
    write_atomically(path, again.as_bytes()).map_err(|e| format!("cannot be written: {e}"))?;
    Ok(Some(from))
}

/// Whether `sealed` opens under a configured key to content whose SHA-256 is `sha256`.
fn opens_to(vault: &Vault, sealed: &str, sha256: &str) -> bool {
    vault
        .open_any(sealed)
        .is_ok_and(|(content, _)| hex::encode(Sha256::digest(&content)) == sha256)
}

/// Replaces `path` with `bytes` so that readers see the old file or the new one, never a part:
/// a `.partial` file of this writer's own in the same folder, synced, then renamed over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut tag = [0u8; 8];
    rand::rng().fill_bytes(&mut tag);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = folder.join(format!("{name}.{}.partial", hex::encode(tag)));
    let written = (|| {
        let mut file = std::fs::File::create_new(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written?;
    // The rename itself survives a crash once the folder is synced.
    #[cfg(unix)]
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::secrets::parse_data_key;
    use base64::Engine;

    fn key(seed: u8) -> crate::config::DataKey {
        let mut key = [seed; 32];
        key[0] = seed.wrapping_add(1);
        parse_data_key(&base64::engine::general_purpose::STANDARD.encode(key))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_file_moves_to_the_current_key_whole_and_stays_readable()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("documents/ab/abc");
        let content = b"%PDF-1.4 visum et repertum";
        let sha = hex::encode(Sha256::digest(content));
        let old = Vault::new(&key(3));
        store(&old, &path, &sha, content)?;
        let rotated = Vault::with_retired(&key(9), &[key(3)]);
        // Stored again after the rotation: the readable file is kept as it is.
        let before = std::fs::read(&path)?;
        store(&rotated, &path, &sha, content)?;
        assert_eq!(std::fs::read(&path)?, before);
        assert_eq!(read(&rotated, &path, &sha)?, content);

        assert_eq!(
            reseal(&rotated, &path, &sha),
            Ok(Some(old.key_id().to_owned()))
        );
        assert_eq!(
            reseal(&rotated, &path, &sha),
            Ok(None),
            "nothing left to do"
        );
        assert_eq!(read(&Vault::new(&key(9)), &path, &sha)?, content);
        assert!(
            read(&old, &path, &sha).is_err(),
            "no longer under the old key"
        );
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().ok_or("folder")?)?
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, ["abc"], "no .partial file stays behind");

        // A file no configured key opens is stored again from the upload; resealing refuses it.
        let stranger = Vault::new(&key(5));
        assert_eq!(
            reseal(&stranger, &path, &sha),
            Err("no configured key opens it".to_owned())
        );
        store(&stranger, &path, &sha, content)?;
        assert_eq!(read(&stranger, &path, &sha)?, content);
        assert!(reseal(&stranger, &dir.path().join("missing"), &sha).is_err());
        assert!(
            read(&stranger, &path, &"0".repeat(64)).is_err(),
            "checked against its SHA-256"
        );
        Ok(())
    }
}
