//! Files only their owner may read. The SQLite database holds password hashes and email addresses, and mail
//! written to `mail_dir` holds reset links: on Unix they are created 0600 and the folders Latchkey creates 0700,
//! whatever the process's umask (which would make them readable by every local user).

use std::fs::OpenOptions;
use std::io;
use std::path::Path;

/// Creates `dir` and any missing parents, each readable by the owner only; existing folders are left as they are.
pub(crate) fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Options that create a new file readable and writable by its owner only (`create_new`: never an existing one).
pub(crate) fn new_private_file() -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// The permission bits of `path` that give access to others than its owner (group or other), when there are any.
/// `None` too when the file doesn't exist (or on platforms without Unix modes).
pub(crate) fn shared_permissions(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    #[test]
    fn created_folders_and_files_are_the_owners_only() {
        let root = std::env::temp_dir().join(format!("latchkey-private-{}", uuid::Uuid::new_v4()));
        let nested = root.join("a").join("b");
        create_private_dir_all(&nested).unwrap();
        assert_eq!(mode(&root), 0o700);
        assert_eq!(mode(&nested), 0o700);
        let file = nested.join("secret");
        new_private_file().open(&file).unwrap();
        assert_eq!(mode(&file), 0o600);
        assert_eq!(shared_permissions(&file), None);
        assert!(
            new_private_file().open(&file).is_err(),
            "never an existing file"
        );

        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(shared_permissions(&file), Some(0o644));
        assert_eq!(shared_permissions(&nested.join("missing")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
