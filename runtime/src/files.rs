//! Writing a file the user named: `save` in scripts and the outputs of `arr bench`.
//!
//! What happens depends on what the path names, after following symbolic links (a chain of
//! them too) to the file they point to:
//!
//! - **A regular file, or nothing yet**: the bytes go to a temporary file in the folder of that
//!   target, which is flushed to disk and then renamed over it. A crash or a full disk mid-write
//!   leaves the old file (or none), never a truncated one. A link is kept and its target gets
//!   the new bytes; a dangling link creates its target, as `open()` (and so NumPy) would. A file
//!   that is replaced keeps its permission bits, and its owner where we may set it; a file the
//!   user may not write to is refused, as `open()` would refuse it.
//! - **A character device or a FIFO** (`/dev/null`, `/dev/stdout`, a terminal, a named pipe):
//!   the bytes are written to it directly, since there is no file to replace and renaming over
//!   the node would destroy it. A FIFO must have a reader already: opening one without a reader
//!   fails at once instead of waiting for one.
//! - **A block device or a socket**: refused. A disk is not a place to put an array by accident.
//! - **A folder**, a path that ends in `..`, or a path whose folder does not exist: refused,
//!   with a message that says which.
//!
//! The rename does not keep hard links, extended attributes or ACLs: another name of the same
//! file still shows the old bytes.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Linux gives up after 40 links in a row (`MAXSYMLINKS`); so do we.
const MAX_LINKS: usize = 40;

/// An error with our own words, of the kind that fits.
fn error(kind: io::ErrorKind, what: impl Into<String>) -> io::Error {
    io::Error::new(kind, what.into())
}

/// Writes `bytes` to the file at `path`, by the rules of the module's documentation: through
/// symbolic links; atomically into a regular file (kept mode, kept owner where possible) or a
/// new one; straight into a character device or a FIFO that has a reader; never onto a block
/// device, a socket or a folder.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    if path.as_os_str().is_empty() {
        return Err(error(io::ErrorKind::InvalidInput, "the path is empty"));
    }
    // `metadata` follows links the way `open()` does, /proc's `fd/N` links to pipes included.
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(error(
            io::ErrorKind::IsADirectory,
            "it is a folder; give the name of a file to write",
        )),
        Ok(meta) if meta.is_file() => replace(path, &final_target(path)?, bytes, Some(&meta)),
        Ok(meta) => write_in_place(path, &meta, bytes),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            replace(path, &final_target(path)?, bytes, None)
        }
        Err(e) => Err(e),
    }
}

/// The path that `path` names once every symbolic link at its end is followed: `path` itself
/// when it is not a link, and the missing target of a dangling one.
fn final_target(path: &Path) -> io::Result<PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&target) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let next = fs::read_link(&target)?;
                // A relative target is relative to the link's folder; `join` keeps an absolute
                // one as it is.
                target = match target.parent() {
                    Some(dir) => dir.join(next),
                    None => next,
                };
            }
            // Not a link, or nothing there yet (and, for any other failure, creating the
            // temporary file will say what is wrong with the folder).
            _ => return Ok(target),
        }
    }
    Err(error(
        io::ErrorKind::InvalidInput,
        format!("more than {MAX_LINKS} symbolic links in a row"),
    ))
}

/// Writes `bytes` to a temporary file beside `target`, then renames it over `target`, which is
/// what `path` names once its links are followed. `existing` is what `target` was, if anything.
fn replace(
    path: &Path,
    target: &Path,
    bytes: &[u8],
    existing: Option<&Metadata>,
) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let Some(name) = target.file_name() else {
        return Err(error(
            io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ));
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        let what = if dir.exists() {
            format!("\"{}\" is not a folder", dir.display())
        } else {
            format!("the folder \"{}\" does not exist", dir.display())
        };
        let via = if target == path {
            String::new()
        } else {
            format!(
                " (\"{}\" is a link to \"{}\")",
                path.display(),
                target.display()
            )
        };
        return Err(error(io::ErrorKind::NotFound, what + &via));
    }
    if existing.is_some() {
        // Replacing a file we may not write to would get round its permissions: refuse as
        // `open()` would. Opening for writing without truncating changes nothing.
        OpenOptions::new().write(true).open(target)?;
    }
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(
        ".{}.{}.{unique}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = File::create_new(&tmp)?;
        if let Some(meta) = existing {
            // Only a privileged user may give a file away; anyone else keeps ownership of
            // the new file, and that is no reason to fail. The mode goes after the owner,
            // since changing the owner clears the set-user-ID bit.
            let _ = std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()));
            f.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, target)
    })();
    if let Err(e) = result {
        // Best effort: the temporary may not exist if creating it was what failed.
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// Writes `bytes` straight to the device or FIFO at `path`, which `meta` describes.
fn write_in_place(path: &Path, meta: &Metadata, bytes: &[u8]) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_block_device() {
        return Err(error(
            io::ErrorKind::InvalidInput,
            "it is a block device (a disk); arrays are written to files, not onto disks",
        ));
    }
    if kind.is_socket() {
        return Err(error(
            io::ErrorKind::InvalidInput,
            "it is a socket, not a file",
        ));
    }
    // Non-blocking, so that a FIFO without a reader fails now (ENXIO) instead of waiting for
    // one forever; no O_CREAT and no rename, so the node stays; and a terminal does not become
    // our controlling terminal.
    let file = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ENXIO) if kind.is_fifo() => error(
                io::ErrorKind::BrokenPipe,
                "it is a FIFO that no process has open for reading",
            ),
            _ => e,
        })?;
    // The node may have been replaced since `meta` was read: go by what was opened.
    let opened = file.metadata()?;
    if opened.is_file() {
        drop(file);
        return replace(path, &final_target(path)?, bytes, Some(&opened));
    }
    set_blocking(&file)?;
    let mut file = file;
    file.write_all(bytes)?;
    file.flush()
}

/// Clears `O_NONBLOCK`, so that writes (and reads) wait for the other end of a pipe.
pub(crate) fn set_blocking(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is open for as long as `file` lives, and F_GETFL/F_SETFL only read and set
    // its status flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags == -1 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } == -1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
