//! The built book in a real browser: headless Chromium, from Debian's `chromium`
//! package, driven over the DevTools protocol with `headless_chrome` (its `fetch`
//! feature, a browser download, stays off: the browser is the one installed).
//!
//! - [`Browser`] starts Chromium (headless, no sandbox, no GPU, no background
//!   networking, a fresh temporary profile) and opens [`Page`]s, tabs of a given
//!   width that collect every JavaScript error, console error and failed request.
//! - [`server::Server`] serves the built book on 127.0.0.1, as a web site.
//! - [`check`] walks every page of every edition as a reader would (the browser
//!   test, `crates/browser/tests/book.rs`), and [`screenshots`] writes PNGs of pages
//!   (`cargo xtask screenshots`).
//!
//! Where Chromium is not installed, [`chromium`] is `None`: the test says so in one
//! line naming the package ([`PACKAGE`]) and skips, unless
//! `PIPELINE_REQUIRE_BROWSER=1` ([`REQUIRE`]) is set, as CI does.

pub mod check;
pub mod server;
mod shots;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use headless_chrome::protocol::cdp::{Emulation, Network, Page as Cdp, Runtime};
use headless_chrome::{LaunchOptions, Tab};
use serde::de::DeserializeOwned;

pub use shots::{SCREENSHOT_DIR, WIDTHS, screenshots};

/// The Debian package that has the browser.
pub const PACKAGE: &str = "chromium";

/// How to get a browser the test can drive, on this platform.
#[cfg(target_os = "linux")]
pub const INSTALL: &str = "Debian's `chromium` package (apt-get install chromium fonts-noto-cjk)";
/// How to get a browser the test can drive, on this platform.
#[cfg(target_os = "macos")]
pub const INSTALL: &str = "Chromium or Google Chrome (brew install --cask chromium)";
/// How to get a browser the test can drive, on this platform.
#[cfg(windows)]
pub const INSTALL: &str = "Google Chrome or Chromium (winget install Google.Chrome)";

/// The variable that makes a missing browser a failure instead of a skip.
pub const REQUIRE: &str = "PIPELINE_REQUIRE_BROWSER";

/// The variable that names the browser's executable, if it is not `chromium` on the
/// `PATH`.
pub const EXECUTABLE: &str = "PIPELINE_CHROMIUM";

/// The widths the book is checked at: a laptop's window and a phone's.
pub const WIDE: u32 = 1280;
/// See [`WIDE`].
pub const NARROW: u32 = 390;

/// The height of the window the pages are shown in.
const HEIGHT: u32 = 800;

/// The browser's executable: `$PIPELINE_CHROMIUM`, else Chromium or Chrome where
/// this platform puts them ([`candidates`]).
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(EXECUTABLE) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    candidates()
        .into_iter()
        .find(|candidate| candidate.is_file())
}

/// Where this platform puts Chromium or Chrome, in the order they are tried:
/// the names on the `PATH` (`chromium` first), then the usual install places
/// (the applications folder on macOS, Program Files and the user's own on
/// Windows).
pub fn candidates() -> Vec<PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["chrome.exe", "chromium.exe"]
    } else {
        &[
            PACKAGE,
            "chromium-browser",
            "google-chrome",
            "google-chrome-stable",
        ]
    };
    let mut found: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| {
            std::env::split_paths(&path)
                .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
                .collect()
        })
        .unwrap_or_default();
    if cfg!(target_os = "macos") {
        for app in [
            "Chromium.app/Contents/MacOS/Chromium",
            "Google Chrome.app/Contents/MacOS/Google Chrome",
        ] {
            found.push(Path::new("/Applications").join(app));
        }
    }
    if cfg!(windows) {
        for root in ["ProgramFiles", "ProgramFiles(x86)", "LocalAppData"] {
            if let Some(root) = std::env::var_os(root) {
                let root = PathBuf::from(root);
                found.push(root.join(r"Google\Chrome\Application\chrome.exe"));
                found.push(root.join(r"Chromium\Application\chrome.exe"));
            }
        }
    }
    found
}

/// Whether a missing browser must fail (`PIPELINE_REQUIRE_BROWSER=1`).
pub fn browser_required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| v == "1")
}

/// With `PIPELINE_BROWSER_TRACE=1`, every step of the browser on standard error.
fn trace(step: &str) {
    if std::env::var_os("PIPELINE_BROWSER_TRACE").is_some() {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        let at = START.get_or_init(Instant::now).elapsed().as_secs_f64();
        eprintln!("browser: {at:7.2} {step}");
    }
}

/// A running headless Chromium; dropping it ends the browser and removes its profile.
pub struct Browser {
    browser: headless_chrome::Browser,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts the browser at `executable`.
    pub fn launch(executable: &Path) -> anyhow::Result<Browser> {
        let profile = tempfile::Builder::new()
            .prefix("pipeline-browser-profile")
            .tempdir()?;
        // Headless, no sandbox and no GPU come from the options below; the rest keeps
        // Chromium from calling home (this machine, and CI's, have no network).
        let args: Vec<&OsStr> = [
            "--disable-quic",
            "--disable-component-update",
            "--disable-background-networking",
            "--disable-sync",
            "--no-first-run",
            "--disable-gpu",
            "--no-sandbox",
            "--headless",
            "--hide-scrollbars",
            "--lang=en-US",
        ]
        .iter()
        .map(OsStr::new)
        .collect();
        let options = LaunchOptions::default_builder()
            .path(Some(executable.to_path_buf()))
            .headless(true)
            .sandbox(false)
            .enable_gpu(false)
            .window_size(Some((WIDE, HEIGHT)))
            .user_data_dir(Some(profile.path().to_path_buf()))
            .idle_browser_timeout(Duration::from_secs(300))
            .args(args)
            .build()
            .map_err(|e| anyhow!("{e}"))?;
        let browser = headless_chrome::Browser::new(options)
            .with_context(|| format!("cannot start {}", executable.display()))?;
        Ok(Browser {
            browser,
            _profile: profile,
        })
    }

    /// A new tab, `width` CSS pixels wide.
    pub fn page(&self, width: u32) -> anyhow::Result<Page> {
        let tab = self.browser.new_tab()?;
        tab.set_default_timeout(Duration::from_secs(30));
        let page = Page {
            tab,
            messages: Arc::new(Mutex::new(Vec::new())),
            width,
        };
        page.listen()?;
        page.set_size(width, HEIGHT)?;
        Ok(page)
    }
}

/// A tab of the browser.
pub struct Page {
    tab: Arc<Tab>,
    /// JavaScript errors, console errors and failed requests since the last
    /// [`Page::take_messages`].
    messages: Arc<Mutex<Vec<String>>>,
    width: u32,
}

impl Page {
    /// Collects what goes wrong in the page: uncaught exceptions, `console.error`,
    /// the browser's own error log (a resource that failed to load), failed requests.
    fn listen(&self) -> anyhow::Result<()> {
        use headless_chrome::protocol::cdp::types::Event;
        self.tab.enable_log()?;
        self.tab.enable_runtime()?;
        self.tab.call_method(Network::Enable {
            max_total_buffer_size: None,
            max_resource_buffer_size: None,
            max_post_data_size: None,
            report_direct_socket_traffic: None,
            enable_durable_messages: None,
        })?;
        let messages = Arc::clone(&self.messages);
        self.tab.add_event_listener(Arc::new(move |event: &Event| {
            let message = match event {
                Event::RuntimeExceptionThrown(e) => {
                    let details = &e.params.exception_details;
                    let description = details
                        .exception
                        .as_ref()
                        .and_then(|x| x.description.clone())
                        .unwrap_or_else(|| details.text.clone());
                    let at = details.url.clone().unwrap_or_default();
                    Some(format!(
                        "JavaScript error: {description} ({at}:{})",
                        details.line_number + 1
                    ))
                }
                Event::RuntimeConsoleAPICalled(e)
                    if matches!(
                        e.params.Type,
                        Runtime::ConsoleAPICalledEventTypeOption::Error
                    ) =>
                {
                    let text: Vec<String> = e
                        .params
                        .args
                        .iter()
                        .map(|arg| {
                            arg.value
                                .as_ref()
                                .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                                .or_else(|| arg.description.clone())
                                .unwrap_or_default()
                        })
                        .collect();
                    Some(format!("console.error: {}", text.join(" ")))
                }
                Event::LogEntryAdded(e)
                    if matches!(
                        e.params.entry.level,
                        headless_chrome::protocol::cdp::Log::LogEntryLevel::Error
                    ) =>
                {
                    let entry = &e.params.entry;
                    let url = entry.url.clone().unwrap_or_default();
                    Some(format!("console: {} {url}", entry.text))
                }
                Event::NetworkLoadingFailed(e) if e.params.canceled != Some(true) => Some(format!(
                    "request failed: {} ({:?})",
                    e.params.error_text, e.params.Type
                )),
                _ => None,
            };
            if let Some(message) = message {
                messages.lock().unwrap().push(message);
            }
        }))?;
        Ok(())
    }

    /// The width the page is shown at.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Shows the page in a window of `width` × `height` CSS pixels.
    fn set_size(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.tab.call_method(Emulation::SetDeviceMetricsOverride {
            width,
            height,
            device_scale_factor: 1.0,
            mobile: false,
            scale: None,
            screen_width: None,
            screen_height: None,
            position_x: None,
            position_y: None,
            dont_set_visible_size: None,
            screen_orientation: None,
            viewport: None,
            display_feature: None,
            device_posture: None,
        })?;
        Ok(())
    }

    /// Loads `url` and waits until it and its scripts, styles and images have loaded.
    pub fn open(&self, url: &str) -> anyhow::Result<()> {
        trace(&format!("open {url}"));
        // The page before has this mark; the new one has not.
        self.eval::<bool>("(window.pipelineLeft = true)")?;
        self.tab
            .navigate_to(url)
            .with_context(|| format!("cannot open {url}"))?;
        self.wait_for(
            url,
            "!window.pipelineLeft && document.readyState === 'complete'",
        )
    }

    /// Waits until the page's `load` event has passed.
    pub fn wait_loaded(&self, what: &str) -> anyhow::Result<()> {
        self.wait_for(what, "document.readyState === 'complete'")
    }

    /// Waits (up to 20 s) until the JavaScript expression `condition` is true.
    pub fn wait_for(&self, what: &str, condition: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match self.eval::<bool>(&format!("!!({condition})")) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                // The page is between two documents (a click's navigation): the
                // question is asked again of the next one.
                Err(error) if navigating(&error) => {}
                Err(error) => return Err(error),
            }
            if Instant::now() > deadline {
                bail!("{what}: `{condition}` still false after 20 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The page's URL now.
    pub fn url(&self) -> anyhow::Result<String> {
        self.eval("location.href")
    }

    /// Everything that went wrong in the page since the last call.
    pub fn take_messages(&self) -> Vec<String> {
        std::mem::take(&mut *self.messages.lock().unwrap())
    }

    /// The value of the JavaScript expression `expression` (awaited if it is a
    /// promise), through JSON.
    pub fn eval<T: DeserializeOwned>(&self, expression: &str) -> anyhow::Result<T> {
        trace(&format!(
            "eval {}",
            expression.chars().take(60).collect::<String>()
        ));
        let is_promise = expression.trim_start().starts_with("(async")
            || expression.trim_start().starts_with("new Promise");
        let wrapped = if is_promise {
            format!("({expression}).then((v) => JSON.stringify(v === undefined ? null : v))")
        } else {
            format!(
                "JSON.stringify((() => {{ const v = ({expression}); return v === undefined ? null : v; }})())"
            )
        };
        let result = self.tab.evaluate(&wrapped, is_promise)?;
        let json = result
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .with_context(|| format!("`{expression}` gave no value: {:?}", result.description))?;
        serde_json::from_str(json).with_context(|| format!("`{expression}` gave {json}"))
    }

    /// Waits (up to 20 s) until the tab is at `url` (after a click on a link), then
    /// until that page has loaded.
    pub fn wait_at(&self, url: &str) -> anyhow::Result<()> {
        let at = serde_json::to_string(url)?;
        self.wait_for(
            url,
            &format!("!window.pipelineLeft && document.readyState === 'complete' && location.href === {at}"),
        )
        .with_context(|| format!("the page stayed at {}", self.tab.get_url()))
    }

    /// Clicks the `index`-th element that `selector` matches, scrolled into view
    /// first: the page gets the click event a mouse or a tap gives it, and follows a
    /// link or opens a `<details>` as it would. (The protocol's mouse events take
    /// seconds each in headless Chromium on two cores; this takes milliseconds.)
    pub fn click(&self, selector: &str, index: usize) -> anyhow::Result<()> {
        trace(&format!("click {selector} {index}"));
        let click = format!(
            "(() => {{ const el = document.querySelectorAll({})[{index}];
                if (!el) {{ return false; }}
                el.scrollIntoView({{ block: 'center', inline: 'center' }});
                window.pipelineLeft = true;
                el.click();
                return true; }})()",
            serde_json::to_string(selector)?
        );
        if !self.eval::<bool>(&click)? {
            bail!("no `{selector}` number {index} to click");
        }
        Ok(())
    }

    /// A PNG of the whole page (as tall as its content, up to 8000 px).
    pub fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let height: f64 = self.eval("document.documentElement.scrollHeight")?;
        let height = (height.ceil() as u32).clamp(HEIGHT, 8000);
        self.set_size(self.width, height)?;
        // Let the page lay out at its new height.
        self.eval::<bool>("new Promise((r) => requestAnimationFrame(() => r(true)))")?;
        let png =
            self.tab
                .capture_screenshot(Cdp::CaptureScreenshotFormatOption::Png, None, None, true);
        self.set_size(self.width, HEIGHT)?;
        png
    }
}

/// Whether `error` is DevTools saying the page went away under the call: it was
/// navigating to the next document.
fn navigating(error: &anyhow::Error) -> bool {
    let message = format!("{error:#}");
    message.contains("Inspected target navigated or closed")
        || message.contains("Cannot find context with specified id")
}
