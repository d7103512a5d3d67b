//! Child processes that die with their parent, and that their parent can ask to
//! stop.
//!
//! - Linux: the kernel's parent-death signal (`PR_SET_PDEATHSIG`) ends the child
//!   when the thread that started it ends; SIGTERM asks it to stop.
//! - macOS and Windows have no parent-death signal. A child of ours gets a pipe
//!   from its parent as its stdin and reads it ([`watch_parent`]): a `stop` line
//!   asks it to stop, and the end of the pipe (its parent is gone, however it
//!   died) does the same. On macOS SIGTERM asks too; Windows has no SIGTERM, so
//!   the pipe is the only way there.
//! - A program that is not ours (a `redis-server`) cannot read such a pipe: on
//!   macOS a shell reads it for the program and kills it at its end
//!   ([`foreign`]); on Linux the parent-death signal (SIGKILL) does.

use std::process::{Child, Command, Stdio};

/// The variable that tells a child of ours to read its stdin as the pipe from
/// its parent (macOS, Windows).
pub const PIPE_ENV: &str = "PIPELINE_PARENT_PIPE";

/// The line a parent writes to ask its child to stop.
const STOP_LINE: &str = "stop";

/// Sets up `command`, which starts this workspace's own executable, so that its
/// child dies with this thread's process (on Linux: with this thread), can be
/// asked to stop ([`ask_to_stop`]), and does not get the terminal's Ctrl-C: the
/// parent stops its children once, itself. The child must call
/// [`watch_parent`].
pub fn tie_own(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        command.stdin(Stdio::null()).process_group(0);
        // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(target_os = "macos")]
    {
        use std::os::unix::process::CommandExt;
        command
            .stdin(Stdio::piped())
            .env(PIPE_ENV, "1")
            .process_group(0);
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        /// A process group of its own: the console's Ctrl-C does not reach it.
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        command
            .stdin(Stdio::piped())
            .env(PIPE_ENV, "1")
            .creation_flags(CREATE_NEW_PROCESS_GROUP);
    }
}

/// Asks a child started with [`tie_own`] to stop: SIGTERM on Unix, a `stop` line
/// on its pipe on Windows.
pub fn ask_to_stop(child: &mut Child) {
    #[cfg(unix)]
    super::unix::signal(child.id(), nix::sys::signal::Signal::SIGTERM);
    #[cfg(windows)]
    if let Some(stdin) = child.stdin.as_mut() {
        use std::io::Write;
        let _ = writeln!(stdin, "{STOP_LINE}");
        let _ = stdin.flush();
    }
}

/// In a child started with [`tie_own`] where there is a pipe from the parent
/// (macOS, Windows): reads it on a thread of its own and calls `stop` once, when
/// the parent asks (a `stop` line) or is gone (the end of the pipe). Gives
/// whether it watches; elsewhere the kernel's parent-death signal does the same.
pub fn watch_parent(stop: impl FnOnce() + Send + 'static) -> bool {
    if std::env::var_os(PIPE_ENV).is_none() {
        return false;
    }
    let watching = std::thread::Builder::new()
        .name("parent".into())
        .spawn(move || {
            let mut line = String::new();
            let stdin = std::io::stdin();
            loop {
                line.clear();
                match stdin.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if line.trim() == STOP_LINE => break,
                    Ok(_) => {}
                }
            }
            stop();
        });
    watching.is_ok()
}

/// The command that starts `program`, which is not ours, so that it dies when
/// this process does, however it ends (see the module's notes); end it with
/// [`end_foreign`]. Its stdin is taken: set only its arguments and its outputs.
#[cfg(unix)]
pub fn foreign(program: &std::path::Path) -> Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(program);
        command.stdin(Stdio::null());
        // SAFETY: prctl is async-signal-safe; the closure allocates nothing.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command
    }
    #[cfg(not(target_os = "linux"))]
    {
        // The shell starts the program (with its stdin on /dev/null, as for any
        // background job), then reads the pipe: at its end, it kills the program.
        let mut command = Command::new("/bin/sh");
        command
            .arg("-c")
            .arg(r#""$@" & program=$!; while read -r _; do :; done; kill -9 "$program"; wait "$program""#)
            .arg("sh")
            .arg(program)
            .stdin(Stdio::piped());
        command
    }
}

/// Ends a program started with [`foreign`] at once, as a crash would, and
/// waits for it.
#[cfg(unix)]
pub fn end_foreign(child: &mut Child) {
    #[cfg(target_os = "linux")]
    {
        let _ = child.kill();
    }
    // Closing the pipe makes the shell kill the program, then end itself.
    drop(child.stdin.take());
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process started without the pipe has no parent's pipe to read.
    #[test]
    fn a_child_without_the_pipe_does_not_watch() {
        // The test binary is started without the pipe.
        if std::env::var_os(PIPE_ENV).is_none() {
            assert!(!watch_parent(|| {}));
        }
    }

    /// The variable that makes this test binary, started again by
    /// [`a_child_stops_when_asked_or_when_its_parent_is_gone`], play the child.
    const CHILD_ROLE: &str = "PIPELINE_TEST_CHILD_ROLE";

    /// The child's side: watches its parent's pipe and ends with exit code 42
    /// when told to stop; exits 1 if it never is.
    #[test]
    fn the_child_side() {
        if std::env::var_os(CHILD_ROLE).is_none() {
            return;
        }
        assert!(watch_parent(|| std::process::exit(42)));
        std::thread::sleep(std::time::Duration::from_secs(60));
        std::process::exit(1);
    }

    /// A child of ours with the pipe from its parent (as on macOS and
    /// Windows) stops when its parent asks with a `stop` line, and when the
    /// pipe ends, as it does when its parent dies however it dies.
    #[test]
    fn a_child_stops_when_asked_or_when_its_parent_is_gone() {
        use std::io::Write;
        for ask in [true, false] {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "platform::child::tests::the_child_side",
                    "--nocapture",
                ])
                .env(CHILD_ROLE, "1")
                .env(PIPE_ENV, "1")
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let mut pipe = child.stdin.take().unwrap();
            if ask {
                writeln!(pipe, "{STOP_LINE}").unwrap();
            }
            // Either way the pipe ends here; asked first, the child has stopped
            // on the line already.
            drop(pipe);
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            let status = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                if std::time::Instant::now() > deadline {
                    let _ = child.kill();
                    panic!("watchdog: the child did not stop");
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            };
            assert_eq!(status.code(), Some(42), "asked: {ask}");
        }
    }

    /// A program not ours ends when it is ended: no orphan left running.
    #[cfg(unix)]
    #[test]
    fn a_foreign_program_ends_with_its_end() {
        let mut command = foreign(std::path::Path::new("sleep"));
        command.arg("600").stdout(Stdio::null());
        let mut child = command.spawn().unwrap();
        end_foreign(&mut child);
        assert!(child.try_wait().unwrap().is_some());
    }
}
