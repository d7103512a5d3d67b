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

/// The browser's executable: `$PIPELINE_CHROMIUM`, else `chromium` on the `PATH`.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(EXECUTABLE) {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(PACKAGE))
        .find(|candidate| candidate.is_file())
}

/// Whether a missing browser must fail (`PIPELINE_REQUIRE_BROWSER=1`).
pub fn browser_required() -> bool {
    std::env::var(REQUIRE).is_ok_and(|v| v == "1")
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
                    if matches!(e.params.Type, Runtime::ConsoleAPICalledEventTypeOption::Error) =>
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
        self.tab
            .navigate_to(url)
            .with_context(|| format!("cannot open {url}"))?;
        self.wait_loaded(url)
    }

    /// Waits until the page's `load` event has passed.
    pub fn wait_loaded(&self, what: &str) -> anyhow::Result<()> {
        self.tab
            .wait_until_navigated()
            .with_context(|| format!("{what} did not finish loading"))?;
        self.wait_for(what, "document.readyState === 'complete'")
    }

    /// Waits (up to 20 s) until the JavaScript expression `condition` is true.
    pub fn wait_for(&self, what: &str, condition: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.eval::<bool>(&format!("!!({condition})"))? {
                return Ok(());
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
        let wrapped =
            format!("Promise.resolve(({expression})).then((v) => JSON.stringify(v === undefined ? null : v))");
        let result = self.tab.evaluate(&wrapped, true)?;
        let json = result
            .value
            .as_ref()
            .and_then(|v| v.as_str())
            .with_context(|| format!("`{expression}` gave no value: {:?}", result.description))?;
        serde_json::from_str(json).with_context(|| format!("`{expression}` gave {json}"))
    }

    /// Clicks, with the mouse, the `index`-th element that `selector` matches
    /// (scrolled into view first).
    pub fn click(&self, selector: &str, index: usize) -> anyhow::Result<()> {
        let elements = self
            .tab
            .find_elements(selector)
            .with_context(|| format!("no `{selector}` to click"))?;
        let element = elements
            .get(index)
            .with_context(|| format!("no `{selector}` number {index} to click"))?;
        element.scroll_into_view()?;
        element.click()?;
        Ok(())
    }

    /// A PNG of the whole page (as tall as its content, up to 8000 px).
    pub fn screenshot(&self) -> anyhow::Result<Vec<u8>> {
        let height: f64 = self.eval("document.documentElement.scrollHeight")?;
        let height = (height.ceil() as u32).clamp(HEIGHT, 8000);
        self.set_size(self.width, height)?;
        // Let the page lay out at its new height.
        self.wait_for("resize", "new Promise((r) => requestAnimationFrame(() => r(true)))")?;
        let png = self.tab.capture_screenshot(
            Cdp::CaptureScreenshotFormatOption::Png,
            None,
            None,
            true,
        );
        self.set_size(self.width, HEIGHT)?;
        png
    }
}
