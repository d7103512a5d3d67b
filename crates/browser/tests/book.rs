//! The built book in headless Chromium: every page of every edition checked as a
//! reader uses it (see `pipeline_browser::check`), and the height of every talk page
//! printed and held to its minutes in `book/schedule.txt`. Skipped, with one line naming the package, where Chromium is not
//! installed, unless `PIPELINE_REQUIRE_BROWSER=1`.

use std::time::Instant;

use pipeline_book::Segment;
use pipeline_browser::check;

/// How tall a talk page may be to project as one slide (Comprehensive Rust holds its
/// slides to this at a 1280 px window). A talk page is presented by scrolling, at
/// most one slide's height a minute: a page taller than its scheduled minutes ×
/// this is a problem, to split or trim (tables fold into a `<details>` block).
const SLIDE_HEIGHT: f64 = 1333.0;

/// Writes a line to standard error past the test harness's capture, so that
/// `cargo test` shows it even when the test passes.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[test]
fn every_page_of_every_edition_works_in_a_browser() {
    let Some(chromium) = pipeline_browser::chromium() else {
        let line = format!("the browser test needs {}", pipeline_browser::INSTALL);
        if pipeline_browser::browser_required() {
            panic!("{line}; {}=1 says it must run", pipeline_browser::REQUIRE);
        }
        say(&format!("skipped: {line}"));
        return;
    };
    let started = Instant::now();
    let root = pipeline_book::workspace_root();
    // Built from the committed snapshot, beside the book a reader's `cargo bench` built.
    let out = root.join("target/book-browser");
    let snapshot = pipeline_book::Reports::snapshot(&root);
    let editions = pipeline_book::build_books_into(&root, &snapshot, Some(&out))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let site = editions[0].index.parent().unwrap().to_path_buf();
    let editions = check::editions(&editions);
    let chapters = check::chapters(&site).unwrap();
    let schedule = pipeline_book::load_schedule(&root).unwrap();
    let talks: Vec<(String, u32)> = schedule
        .all_segments()
        .filter_map(|segment| match segment {
            Segment::Talk { pages, .. } => Some(pages),
            _ => None,
        })
        .flatten()
        .map(|page| (page.path.replace(".md", ".html"), page.minutes))
        .collect();
    let built = started.elapsed();
    let browser = pipeline_browser::Browser::launch(&chromium).unwrap();
    let outcome = check::check_book(&browser, &site, &editions, &chapters, &talks, &|line| {
        eprintln!("browser: {line}")
    })
    .unwrap_or_else(|e| panic!("the browser check stopped: {e:#}"));
    drop(browser);
    say(&format!(
        "talk pages at 1280 px (a slide is {SLIDE_HEIGHT} px; at most one a minute):"
    ));
    let mut problems = outcome.problems;
    for height in &outcome.heights {
        let most = f64::from(height.minutes) * SLIDE_HEIGHT;
        if height.height > most {
            problems.push(format!(
                "{}/{}: {:.0} px high at 1280 px, more than its {} min × {SLIDE_HEIGHT} px: split or trim it",
                height.language, height.page, height.height, height.minutes
            ));
        }
        say(&format!(
            "  {:<3}{:<34}{:>2} min {:>6.0} px high × {:.0} px{}",
            height.language,
            height.page,
            height.minutes,
            height.height,
            height.width,
            if height.height > most {
                "  longer than its minutes"
            } else if height.height > SLIDE_HEIGHT {
                "  scrolls"
            } else {
                ""
            }
        ));
    }
    say(&format!(
        "browser: {} pages and {} searches in {:.1} s (book built in {:.1} s)",
        outcome.pages,
        outcome.searches,
        (started.elapsed() - built).as_secs_f64(),
        built.as_secs_f64()
    ));
    assert!(
        problems.is_empty(),
        "{} problem(s) in the book, in Chromium:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
