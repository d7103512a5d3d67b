//! Writing to stdout: the text tables, or the JSON and nothing else.

use std::io::{self, Write};

use serde::Serialize;

/// Writes `text` to stdout as it is.
pub fn text(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// Writes `value` to stdout as pretty-printed JSON, with a final newline.
pub fn json(value: &impl Serialize) -> io::Result<()> {
    let mut rendered = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    rendered.push('\n');
    text(&rendered)
}

/// Writes `line` and a newline to stderr. A stderr that is closed or whose reader
/// is gone loses the line, and nothing else: the exit code stays what it was.
pub fn error_line(line: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{line}");
    let _ = stderr.flush();
}
