//! Every page of every edition, as a reader uses it, in one browser with four tabs
//! at once (two [`WIDE`] ones, each over half the chapters, one [`NARROW`], one for
//! the searches), page after page:
//!
//! - no JavaScript error, console error or failed request;
//! - every image loaded (natural width above zero), every figure link opening an SVG;
//! - nothing wider than the window (tables and listings scroll inside their own box),
//!   at both widths; at the narrow one, figures kept at a readable width;
//! - the speaker notes (`<details>`) closed until opened, and opened by a click;
//! - the language switch leading, by a click, to the twin page and back;
//! - search: the page's title finds the page, in every edition; in a translated
//!   edition, the queries of [`QUERIES`] list the sections that
//!   [`pipeline_book::search`] finds in the built index;
//! - the height of every page that `book/schedule.txt` presents as a talk, at
//!   [`WIDE`] ([`Height`]).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use serde::Deserialize;

use crate::server::Server;
use crate::{Browser, NARROW, Page, WIDE};

/// Queries asked in every translated edition's search box, as a reader would type
/// them (the URL's `?search=`), and compared with the index.
pub const QUERIES: &[&str] = &["큐", "백프레셔"];

/// The narrowest a figure may be drawn in a narrow window, in CSS pixels: below it,
/// its labels are too small to read.
pub const READABLE_FIGURE: f64 = 560.0;

/// An edition of the built book.
#[derive(Clone, Debug)]
pub struct Edition {
    /// `en`, `ko`, …
    pub language: String,
    /// Its folder relative to the English book, with a trailing `/` (`""`, `"ko/"`).
    pub dir: String,
}

/// The editions of a built book, as [`pipeline_book::build_books`] returns them
/// (English first), each with its folder below the English one.
pub fn editions(built: &[pipeline_book::Edition]) -> Vec<Edition> {
    built
        .iter()
        .map(|e| Edition {
            language: e.language.clone(),
            dir: match e.language.as_str() {
                "en" => String::new(),
                lang => format!("{lang}/"),
            },
        })
        .collect()
}

/// A talk page's size at [`WIDE`].
#[derive(Clone, Debug)]
pub struct Height {
    /// The edition's language.
    pub language: String,
    /// The page, relative to the edition (`polling/queue.html`).
    pub page: String,
    /// Its minutes on the day.
    pub minutes: u32,
    /// The height of its content, in CSS pixels.
    pub height: f64,
    /// The width of its content.
    pub width: f64,
}

/// What [`check_book`] found.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Everything that is wrong, one line each, `lang/page at width: what`.
    pub problems: Vec<String>,
    /// Every talk page's size, in the order of the day, every edition.
    pub heights: Vec<Height>,
    /// How many pages were checked (every edition).
    pub pages: usize,
    /// How many searches were asked.
    pub searches: usize,
}

/// What [`PAGE_CHECKS`] reports about one page.
#[derive(Debug, Deserialize)]
struct PageReport {
    problems: Vec<String>,
    /// `(language, href)` of every link of the language switch.
    switches: Vec<(String, String)>,
    details: usize,
    height: f64,
    width: f64,
}

/// The checks that need only the loaded page; `NARROW_PAGE` is true in the narrow tab.
const PAGE_CHECKS: &str = r#"(async () => {
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) {
        const wide = [];
        for (const el of document.querySelectorAll("main *")) {
            const box = el.getBoundingClientRect();
            if (box.right > root.clientWidth + 1 && el.getClientRects().length > 0) {
                const parentBox = el.parentElement.getBoundingClientRect();
                if (parentBox.right <= root.clientWidth + 1 || wide.length === 0) {
                    wide.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
                        + " (" + Math.round(box.width) + " px)");
                }
            }
        }
        problems.push("the page scrolls sideways: " + root.scrollWidth + " px wide in a "
            + root.clientWidth + " px window; too wide: " + wide.slice(0, 5).join(", "));
    }
    // Whatever scrolls sideways inside the page says so, with the line
    // book/theme/scroll-hint.js puts above it.
    for (const el of document.querySelectorAll("main *")) {
        const overflow = getComputedStyle(el).overflowX;
        if ((overflow === "auto" || overflow === "scroll")
            && el.scrollWidth > el.clientWidth + 1 && el.checkVisibility()) {
            const box = el.tagName === "CODE" && el.parentElement.tagName === "PRE"
                ? el.parentElement : el;
            const before = box.previousElementSibling;
            if (!(before && before.classList.contains("scroll-hint") && before.checkVisibility())) {
                problems.push("scrolls sideways with nothing saying so: "
                    + box.tagName.toLowerCase() + (box.className ? "." + box.className : "")
                    + " (" + el.scrollWidth + " px in " + el.clientWidth + " px)");
            }
        }
    }
    for (const img of document.images) {
        if (!img.complete || img.naturalWidth === 0) {
            problems.push("image not loaded: " + img.getAttribute("src"));
        } else if (NARROW_PAGE && img.src.endsWith(".svg")
            && img.getBoundingClientRect().width < READABLE_FIGURE) {
            problems.push("figure drawn " + Math.round(img.getBoundingClientRect().width)
                + " px wide, too small to read: " + img.getAttribute("src"));
        }
    }
    if (!NARROW_PAGE) {
        for (const link of document.querySelectorAll("main a[href$='.svg']")) {
            const shown = link.getAttribute("href");
            try {
                const response = await fetch(link.href);
                const type = response.headers.get("content-type") || "";
                const text = await response.text();
                const svg = new DOMParser().parseFromString(text, "image/svg+xml");
                if (!response.ok) {
                    problems.push("figure link " + shown + ": HTTP " + response.status);
                } else if (!type.startsWith("image/svg+xml")
                    || svg.documentElement.nodeName !== "svg"
                    || svg.querySelector("parsererror")) {
                    problems.push("figure link " + shown + " does not open an SVG (" + type + ")");
                }
            } catch (e) {
                problems.push("figure link " + shown + ": " + e);
            }
        }
    }
    const details = Array.from(document.querySelectorAll("main details"));
    details.forEach((d, i) => {
        const body = Array.from(d.children).filter((c) => c.tagName !== "SUMMARY");
        if (d.open || body.some((c) => c.checkVisibility())) {
            problems.push("speaker notes " + (i + 1) + " are open before a click");
        }
    });
    const switches = Array.from(document.querySelectorAll(".language-switch a"))
        .map((a) => [a.hreflang, a.href]);
    const main = document.querySelector("main");
    const box = main.getBoundingClientRect();
    return {
        problems, switches, details: details.length,
        height: main.scrollHeight, width: box.width,
    };
})()"#;

/// Whether the `index`-th speaker notes are open and show their content.
const DETAILS_OPEN: &str = r#"(() => {
    const d = document.querySelectorAll("main details")[INDEX];
    return d.open && Array.from(d.children).some((c) => c.tagName !== "SUMMARY"
        && c.checkVisibility());
})()"#;

/// Checks the book built in `site` (the English edition, the others in `dir`s below
/// it): the pages of `chapters` (relative paths, `.html`) in every edition, the
/// `talks` (page, minutes) measured. `progress` hears about each step.
pub fn check_book(
    browser: &Browser,
    site: &Path,
    editions: &[Edition],
    chapters: &[String],
    talks: &[(String, u32)],
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Outcome> {
    let server = Server::start(site)?;
    let wide = browser.page(WIDE)?;
    let wide_too = browser.page(WIDE)?;
    let narrow = browser.page(NARROW)?;
    let search = browser.page(WIDE)?;
    let started = Instant::now();
    // Four tabs at once: the wide pass in two halves, the narrow one, the searches.
    let half = chapters.len().div_ceil(2);
    let (wide, narrow, searched) = std::thread::scope(|scope| {
        let later = scope.spawn(|| {
            wide_pass(
                &wide_too,
                &server,
                editions,
                &chapters[half..],
                talks,
                &|line| {
                    progress(&format!(
                        "{line} ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    ))
                },
            )
        });
        let narrow = scope.spawn(|| narrow_pass(&narrow, &server, editions, chapters));
        let searched = scope.spawn(|| {
            let mut problems = Vec::new();
            let mut searches = 0;
            for edition in editions {
                let (found, asked) = check_search(&search, &server, site, edition, chapters)?;
                problems.extend(found);
                searches += asked;
                progress(&format!(
                    "{}: {asked} searches ({:.1} s)",
                    edition.language,
                    started.elapsed().as_secs_f64()
                ));
            }
            anyhow::Ok((problems, searches))
        });
        let wide = wide_pass(
            &wide,
            &server,
            editions,
            &chapters[..half],
            talks,
            &|line| {
                progress(&format!(
                    "{line} ({:.1} s)",
                    started.elapsed().as_secs_f64()
                ))
            },
        );
        let wide = wide.and_then(|mut first| {
            let second = later.join().expect("the wide pass panicked")?;
            first.problems.extend(second.problems);
            first.heights.extend(second.heights);
            first.pages += second.pages;
            Ok(first)
        });
        (
            wide,
            narrow.join().expect("the narrow pass panicked"),
            searched.join().expect("the search pass panicked"),
        )
    });
    let mut outcome = wide?;
    outcome.problems.extend(narrow?);
    let (problems, searches) = searched?;
    outcome.problems.extend(problems);
    outcome.searches = searches;
    Ok(outcome)
}

/// The `chapters` at [`WIDE`], the English page first, then a click on its language
/// switch to each twin (checked there too) and one back.
fn wide_pass(
    wide: &Page,
    server: &Server,
    editions: &[Edition],
    chapters: &[String],
    talks: &[(String, u32)],
    progress: &dyn Fn(&str),
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    for chapter in chapters {
        let english = server.url(&format!("{}{chapter}", editions[0].dir));
        wide.open(&english)?;
        for (e, edition) in editions.iter().enumerate() {
            let place = format!("{}/{chapter}", edition.language);
            let mut problems = Vec::new();
            if e > 0 {
                // From the English page, a click on the switch to this edition.
                let twin = server.url(&format!("{}{chapter}", edition.dir));
                wide.click(".language-switch a", e - 1)?;
                if let Err(err) = wide.wait_at(&twin) {
                    problems.push(format!("a click on the language switch: {err:#}"));
                    outcome
                        .problems
                        .extend(problems.into_iter().map(|p| format!("{place}: {p}")));
                    wide.open(&english)?;
                    continue;
                }
            }
            let report: PageReport = wide.eval(&page_checks(false))?;
            problems.extend(report.problems.iter().map(|p| format!("at {WIDE} px: {p}")));
            for index in 0..report.details {
                wide.click("main details > summary", index)?;
                let open = DETAILS_OPEN.replace("INDEX", &index.to_string());
                if wide.wait_for(&place, &open).is_err() {
                    problems.push(format!(
                        "speaker notes {} do not open when clicked",
                        index + 1
                    ));
                }
            }
            problems.extend(check_switches(server, editions, edition, chapter, &report));
            if let Some((_, minutes)) = talks.iter().find(|(page, _)| page == chapter) {
                outcome.heights.push(Height {
                    language: edition.language.clone(),
                    page: chapter.clone(),
                    minutes: *minutes,
                    height: report.height,
                    width: report.width,
                });
            }
            if e > 0 {
                // And back, by the twin's switch to English.
                let back: i64 = wide.eval(&format!(
                    "Array.from(document.querySelectorAll('.language-switch a')).findIndex((a) => a.href === {})",
                    js_string(&english)
                ))?;
                match usize::try_from(back) {
                    Ok(back) => {
                        wide.click(".language-switch a", back)?;
                        if let Err(err) = wide.wait_at(&english) {
                            problems.push(format!("the switch back to English: {err:#}"));
                            wide.open(&english)?;
                        }
                    }
                    Err(_) => {
                        problems.push("no switch back to English".to_string());
                        wide.open(&english)?;
                    }
                }
            }
            problems.extend(
                wide.take_messages()
                    .into_iter()
                    .map(|p| format!("at {WIDE} px: {p}")),
            );
            outcome.pages += 1;
            outcome
                .problems
                .extend(problems.into_iter().map(|p| format!("{place}: {p}")));
        }
        progress(&format!("{chapter}: checked in every edition"));
    }
    Ok(outcome)
}

/// Every page of every edition at [`NARROW`]: the same checks, at a phone's width.
fn narrow_pass(
    narrow: &Page,
    server: &Server,
    editions: &[Edition],
    chapters: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for chapter in chapters {
        for edition in editions {
            let place = format!("{}/{chapter}: at {NARROW} px", edition.language);
            narrow.open(&server.url(&format!("{}{chapter}", edition.dir)))?;
            let report: PageReport = narrow.eval(&page_checks(true))?;
            problems.extend(report.problems.iter().map(|p| format!("{place}: {p}")));
            problems.extend(
                narrow
                    .take_messages()
                    .into_iter()
                    .map(|p| format!("{place}: {p}")),
            );
        }
    }
    Ok(problems)
}

fn page_checks(narrow: bool) -> String {
    PAGE_CHECKS
        .replace("NARROW_PAGE", if narrow { "true" } else { "false" })
        .replace("READABLE_FIGURE", &READABLE_FIGURE.to_string())
}

/// The page's language switch links to the same page in every other edition.
fn check_switches(
    server: &Server,
    editions: &[Edition],
    edition: &Edition,
    chapter: &str,
    report: &PageReport,
) -> Vec<String> {
    let mut problems = Vec::new();
    for other in editions.iter().filter(|o| o.language != edition.language) {
        let twin = server.url(&format!("{}{chapter}", other.dir));
        match report
            .switches
            .iter()
            .find(|(lang, _)| *lang == other.language)
        {
            None => problems.push(format!("no language switch to `{}`", other.language)),
            Some((_, href)) if *href != twin => problems.push(format!(
                "the switch to `{}` leads to {href}, not {twin}",
                other.language
            )),
            Some(_) => {}
        }
    }
    problems
}

/// `text` as a JavaScript string literal.
fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string")
}

/// Whether the search index has loaded and the search box is ready.
pub const SEARCH_READY: &str = "window.search && window.search.index \
    && !document.getElementById('mdbook-searchbar-outer').classList.contains('searching')";

/// The sections that the search box lists now (`page#anchor`, relative to the
/// edition), once it has answered.
const RESULTS: &str = r##"(() => {
    const header = document.getElementById("mdbook-searchresults-header");
    if (!header || header.innerText.trim() === "") { return null; }
    return Array.from(document.querySelectorAll("#mdbook-searchresults a")).map((a) => {
        const url = new URL(a.href);
        const page = decodeURIComponent(url.pathname).slice(ROOT.length);
        return page + (url.hash.length > 1 ? decodeURIComponent(url.hash) : "");
    });
})()"##;

/// In one edition: every page found by its title in the search box, and the
/// [`QUERIES`] (in a translated edition) opened from the URL, each listing what the
/// index says. Returns the problems and how many searches were asked.
fn check_search(
    page: &Page,
    server: &Server,
    site: &Path,
    edition: &Edition,
    chapters: &[String],
) -> anyhow::Result<(Vec<String>, usize)> {
    let mut problems = Vec::new();
    let mut searches = 0;
    let root = format!("/{}", edition.dir);
    let results = RESULTS.replace("ROOT", &js_string(&root));
    let dir = site.join(&edition.dir);
    let index = pipeline_book::search::read_index(&pipeline_book::search::index_script(&dir)?)?;
    let limit = index["results_options"]["limit_results"]
        .as_u64()
        .unwrap_or(30) as usize;
    let titles = titles(&index, chapters);
    let start = server.url(&format!("{}index.html", edition.dir));
    page.open(&start)?;
    page.click("#mdbook-search-toggle", 0)?;
    page.wait_for("search", SEARCH_READY)?;
    for (chapter, title) in chapters.iter().zip(&titles) {
        // A query that finds nothing first: the search box skips a repeated query.
        for query in ["-", title.as_str()] {
            let ask = format!(
                "(() => {{ const bar = document.getElementById('mdbook-searchbar');
                    bar.value = {}; bar.dispatchEvent(new KeyboardEvent('keyup')); return true; }})()",
                js_string(query)
            );
            page.eval::<bool>(&ask)?;
        }
        searches += 1;
        let listed: Vec<String> = page
            .eval::<Option<Vec<String>>>(&results)?
            .unwrap_or_default();
        if !listed
            .iter()
            .any(|hit| hit.split('#').next() == Some(chapter))
        {
            problems.push(format!(
                "{}/{chapter}: searching its title `{title}` does not list it (listed: {})",
                edition.language,
                listed.join(", ")
            ));
        }
    }
    problems.extend(
        page.take_messages()
            .into_iter()
            .map(|p| format!("{}/ search: {p}", edition.language)),
    );
    if edition.dir.is_empty() {
        return Ok((problems, searches));
    }
    for query in QUERIES {
        let encoded: String = query.bytes().map(|b| format!("%{b:02X}")).collect();
        let url = server.url(&format!(
            "{}introduction.html?search={encoded}",
            edition.dir
        ));
        page.open(&url)?;
        page.wait_for(&url, &format!("{results} !== null"))?;
        searches += 1;
        let listed: BTreeSet<String> = page
            .eval::<Option<Vec<String>>>(&results)?
            .unwrap_or_default()
            .into_iter()
            .collect();
        let expected: BTreeSet<String> = pipeline_book::search::search(&index, query)
            .into_iter()
            .map(|hit| match hit.anchor.as_str() {
                "" => hit.page,
                anchor => format!("{}#{anchor}", hit.page),
            })
            .collect();
        let place = format!("{}/ ?search={query}", edition.language);
        if expected.is_empty() {
            problems.push(format!("{place}: the index finds nothing"));
        }
        if listed.len() != expected.len().min(limit) {
            problems.push(format!(
                "{place}: the search box lists {} results, the index has {} (shown up to {limit})",
                listed.len(),
                expected.len()
            ));
        }
        let header: String =
            page.eval("document.getElementById('mdbook-searchresults-header').innerText.trim()")?;
        if header.contains("search result") || !header.contains(query) {
            problems.push(format!(
                "{place}: the results are announced as `{header}`, not in the edition's words"
            ));
        }
        let strays: Vec<&String> = listed.difference(&expected).collect();
        if !strays.is_empty() {
            problems.push(format!(
                "{place}: lists what the index does not find: {strays:?}"
            ));
        }
        problems.extend(
            page.take_messages()
                .into_iter()
                .map(|p| format!("{place}: {p}")),
        );
    }
    Ok((problems, searches))
}

/// The title of each chapter in the index `config`: its first section's, the page's
/// `<h1>`.
fn titles(config: &serde_json::Value, chapters: &[String]) -> Vec<String> {
    let urls = config["doc_urls"].as_array().cloned().unwrap_or_default();
    let docs = &config["index"]["documentStore"]["docs"];
    chapters
        .iter()
        .map(|chapter| {
            let first = urls.iter().position(|url| {
                url.as_str()
                    .is_some_and(|u| u.split('#').next() == Some(chapter.as_str()))
            });
            first
                .and_then(|n| docs[n.to_string()]["title"].as_str())
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// The book's chapters, in order: the pages of the English edition's search index
/// (every chapter of SUMMARY.md, as `.html` paths).
pub fn chapters(site: &Path) -> anyhow::Result<Vec<String>> {
    let index = pipeline_book::search::read_index(&pipeline_book::search::index_script(site)?)?;
    let urls = index["doc_urls"]
        .as_array()
        .context("the search index has no doc_urls")?;
    let mut seen = BTreeSet::new();
    Ok(urls
        .iter()
        .filter_map(|url| url.as_str())
        .map(|url| url.split('#').next().unwrap_or(url).to_string())
        .filter(|page| seen.insert(page.clone()))
        .collect())
}
