//! Screenshots of pages of the built book, every edition at both widths, for anyone
//! reviewing a change to the book (`cargo xtask screenshots [PAGE…]`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::check::{Edition, SEARCH_READY};
use crate::server::Server;
use crate::{Browser, NARROW, WIDE};

/// Where `cargo xtask screenshots` writes, relative to the workspace root.
pub const SCREENSHOT_DIR: &str = "target/screenshots";

/// The widths every page is taken at.
pub const WIDTHS: [u32; 2] = [WIDE, NARROW];

/// Writes a PNG of each page of `pages` (relative to an edition, `.md` or `.html`,
/// with a query such as `?search=큐` if wanted) in every edition of the book built in
/// `site`, at each of [`WIDTHS`], into `out`, as
/// `<lang>-<page>-<width>.png`; returns their paths. A page with `?search=` is taken
/// once its results are listed.
pub fn screenshots(
    browser: &Browser,
    site: &Path,
    editions: &[Edition],
    pages: &[String],
    out: &Path,
) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let server = Server::start(site)?;
    let mut written = Vec::new();
    for width in WIDTHS {
        let tab = browser.page(width)?;
        for page in pages {
            let page = match page.split_once('?') {
                Some((path, query)) => format!("{}?{query}", html_path(path)),
                None => html_path(page),
            };
            for edition in editions {
                let url = server.url(&format!("{}{}", edition.dir, encode(&page)));
                tab.open(&url)?;
                if page.contains("?search=") {
                    tab.wait_for(&url, SEARCH_READY)?;
                    tab.wait_for(
                        &url,
                        "document.getElementById('mdbook-searchresults-header').innerText !== ''",
                    )?;
                }
                let png = tab.screenshot()?;
                let file = out.join(format!("{}-{}-{width}.png", edition.language, slug(&page)));
                fs::write(&file, png)
                    .with_context(|| format!("cannot write {}", file.display()))?;
                written.push(file);
            }
        }
        tab.take_messages();
    }
    Ok(written)
}

/// `polling/queue.md` (or without extension) as `polling/queue.html`.
fn html_path(page: &str) -> String {
    let page = page.trim_start_matches('/');
    if let Some(stem) = page.strip_suffix(".md") {
        format!("{stem}.html")
    } else if page.ends_with(".html") || page.is_empty() || page.ends_with('/') {
        page.to_string()
    } else {
        format!("{page}.html")
    }
}

/// A page (with its query) as part of a file name.
fn slug(page: &str) -> String {
    let page = page.strip_suffix(".html").unwrap_or(page);
    page.chars()
        .map(|c| match c {
            '/' | '?' | '=' | '&' | '#' | ' ' => '_',
            c => c,
        })
        .collect::<String>()
        .replace(".html", "")
}

/// Non-ASCII characters of a URL path and query percent-encoded.
fn encode(page: &str) -> String {
    let mut out = String::new();
    for c in page.chars() {
        if c.is_ascii() && c != ' ' {
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_become_urls_and_file_names() {
        assert_eq!(html_path("polling/queue.md"), "polling/queue.html");
        assert_eq!(html_path("polling/queue"), "polling/queue.html");
        assert_eq!(
            slug("introduction.html?search=큐"),
            "introduction_search_큐"
        );
        assert_eq!(slug("polling/queue.html"), "polling_queue");
        assert_eq!(encode("a.html?search=큐"), "a.html?search=%ED%81%90");
    }
}
