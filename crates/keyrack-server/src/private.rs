//! Files and directories only the server's own user may read: the SQLite database (it holds
//! every token's hash and the audit log), its directory and the first admin token.
//!
//! On Unix, directories the server creates are 0700 and such files 0600, whatever the umask;
//! an existing file that others may read is tightened to 0600, with a warning. Elsewhere these
//! functions only create and write.

use std::io::Write as _;
use std::path::Path;

/// Creates `dir` and any missing parents, each 0700 (existing ones are left as they are).
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Creates `file` empty and 0600 unless it exists.
pub fn create_file(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Makes an existing `file` 0600 if its group or others had any access, and says so in the
/// log; nothing when it does not exist. A file the server may not change (another user's) is
/// left alone, with a warning: refusing to start would help no one.
pub fn restrict(file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let Ok(meta) = std::fs::metadata(file) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 == 0 {
            return;
        }
        match std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => tracing::warn!(
                file = %file.display(),
                was = format!("{mode:04o}"),
                "others could read this file: its mode is now 0600"
            ),
            Err(e) => tracing::warn!(
                file = %file.display(),
                mode = format!("{mode:04o}"),
                error = %e,
                "others can read this file and its mode could not be changed to 0600"
            ),
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Writes `contents` to `file` (replacing it) as a new 0600 file, creating its directory
/// (0700) if missing. Written beside it first and renamed, so the file is never seen half
/// written or with wider permissions.
pub fn write(file: &Path, contents: &str) -> std::io::Result<()> {
    if let Some(dir) = file.parent() {
        create_dir_all(dir)?;
    }
    let mut name = file.file_name().unwrap_or_default().to_owned();
    name.push(".tmp");
    let partial = file.with_file_name(name);
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&partial)?;
    out.write_all(contents.as_bytes())?;
    out.sync_all()?;
    drop(out);
    std::fs::rename(&partial, file)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn made_private_whatever_the_umask() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("a/b");
        create_dir_all(&dir).expect("dirs");
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("db");
        create_file(&file).expect("file");
        assert_eq!(mode(&file), 0o600);

        let token = tmp.path().join("c/token");
        write(&token, "secret\n").expect("write");
        assert_eq!(mode(&token), 0o600);
        assert_eq!(mode(&tmp.path().join("c")), 0o700);
        assert_eq!(std::fs::read_to_string(&token).expect("read"), "secret\n");

        // Replacing a readable file leaves a private one.
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&token, "other\n").expect("rewrite");
        assert_eq!(mode(&token), 0o600);

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o664)).expect("chmod");
        restrict(&file);
        assert_eq!(mode(&file), 0o600);
        restrict(&tmp.path().join("missing"));
    }
}
