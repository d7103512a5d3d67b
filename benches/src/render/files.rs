//! Writing the files of `reports/`: whole or not at all.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Writes `contents` to `path` whole or not at all: into a temporary file beside
/// it, flushed and synced, then renamed over it. On a full disk the old file stays
/// as it was and the temporary one is removed.
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    let temporary = path.with_file_name(name);
    let written = File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(contents.as_ref())?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Checks that `dir` takes a file, before hours of runs whose results it must keep.
pub fn check_writable(dir: &Path) -> io::Result<()> {
    let probe: PathBuf = dir.join(format!(".write-check-{}", std::process::id()));
    let written = write_atomic(&probe, b"pipeline-lab: checking the output directory\n");
    let _ = fs::remove_file(&probe);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_atomic_write_replaces_whole_or_leaves_the_old_file() {
        let dir = std::env::temp_dir().join(format!("bench-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("results.json");
        write_atomic(&path, "old").unwrap();
        write_atomic(&path, "new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        check_writable(&dir).unwrap();
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        fs::remove_dir_all(dir).unwrap();
    }

    /// A full disk (Linux's `/dev/full` fails every write with ENOSPC) is an error.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_an_error() {
        let error = File::options()
            .write(true)
            .open("/dev/full")
            .and_then(|mut full| full.write_all(b"x").and_then(|()| full.sync_all()))
            .unwrap_err();
        assert_eq!(error.raw_os_error(), Some(28), "{error}");
        // The directory /dev takes no regular file we may rename over /dev/full.
        assert!(write_atomic(Path::new("/proc/version"), "x").is_err());
    }
}
