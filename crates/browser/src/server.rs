//! A static file server for the built book on 127.0.0.1, so that the browser loads it
//! as a reader's browser loads a web site (search's index script, fetches, figures).
//!
//! It answers `GET` and `HEAD` for files under its root (a folder gets its
//! `index.html`), 404 for anything else, one thread per connection, and stops when
//! dropped. Nothing but this machine's loopback address is ever served or asked.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use anyhow::Context;

/// A running server; dropping it stops it.
pub struct Server {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Serves the files under `root` on 127.0.0.1, on a port the system picks.
    pub fn start(root: &Path) -> anyhow::Result<Server> {
        let listener =
            TcpListener::bind("127.0.0.1:0").context("cannot listen on 127.0.0.1 for the book")?;
        let address = listener.local_addr()?;
        let root = root
            .canonicalize()
            .with_context(|| format!("cannot serve {}", root.display()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("book-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let root = root.clone();
                    let _ = thread::Builder::new()
                        .name("book-request".into())
                        .spawn(move || serve(stream, &root));
                }
            })?;
        Ok(Server {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// The URL of `path` (relative to the root, with `/`) on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.address, path.trim_start_matches('/'))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accepting thread so that it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Answers the requests of one connection (keep-alive) until the client closes it.
fn serve(stream: TcpStream, root: &Path) {
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut request = String::new();
        match reader.read_line(&mut request) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // The headers, up to the empty line; a GET or HEAD has no body.
        loop {
            let mut header = String::new();
            match reader.read_line(&mut header) {
                Ok(0) | Err(_) => return,
                Ok(_) if header.trim().is_empty() => break,
                Ok(_) => {}
            }
        }
        let mut parts = request.split_whitespace();
        let method = parts.next().unwrap_or("");
        let target = parts.next().unwrap_or("/");
        let response = respond(method, target, root);
        if writer.write_all(&response).is_err() {
            break;
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
}

/// The whole response to one request.
fn respond(method: &str, target: &str, root: &Path) -> Vec<u8> {
    let (status, kind, body) = match (method, file_for(target, root)) {
        ("GET" | "HEAD", Some(file)) => match std::fs::read(&file) {
            Ok(body) => ("200 OK", content_type(&file), body),
            Err(_) => not_found(),
        },
        ("GET" | "HEAD", None) => not_found(),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n".to_vec(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend(body);
    }
    response
}

fn not_found() -> (&'static str, &'static str, Vec<u8>) {
    ("404 Not Found", "text/plain", b"not found\n".to_vec())
}

/// The file a request's target names under `root`, if there is one: the query and
/// fragment are left out, `%` escapes decoded, `..` refused, a folder's `index.html`.
fn file_for(target: &str, root: &Path) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let path = percent_decode(path)?;
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

/// `%xx` escapes decoded as UTF-8; `None` if they are not.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The content type of a file of the book, by its extension.
fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn get(server: &Server, path: &str) -> String {
        let address = server.address;
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET /{path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        stream.shutdown(Shutdown::Write).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn files_are_served_and_nothing_else() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("ko")).unwrap();
        std::fs::write(root.path().join("ko/index.html"), "<p>소개</p>").unwrap();
        std::fs::write(root.path().join("a b.svg"), "<svg/>").unwrap();
        let server = Server::start(root.path()).unwrap();
        let page = get(&server, "ko/?search=%ED%81%90");
        assert!(page.starts_with("HTTP/1.1 200 OK"), "{page}");
        assert!(page.contains("text/html") && page.ends_with("<p>소개</p>"));
        assert!(get(&server, "a%20b.svg").contains("image/svg+xml"));
        assert!(get(&server, "missing.html").starts_with("HTTP/1.1 404"));
        assert!(get(&server, "../etc/passwd").starts_with("HTTP/1.1 404"));
        assert!(server.url("/ko/").ends_with("/ko/"));
    }
}
