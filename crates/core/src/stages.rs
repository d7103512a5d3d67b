//! The three stage functions every backend calls: download, resize, upload.
//!
//! They live once, here, so that the pipelines differ only in how they hand
//! work over. Each stage waits like the I/O it stands for, then does real work.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::codecs::png::PngEncoder;
use image::imageops::{self, FilterType};
use image::{ExtendedColorType, ImageEncoder, RgbImage};
use thiserror::Error;

use crate::config::{Config, FaultKind, Stage};
use crate::stop::Stop;

// ANCHOR: job
/// An item on its way through the pipeline: its id, when it entered, and what
/// it carries now.
#[derive(Debug)]
pub struct Job<T> {
    /// The item's id, given by the source: 0, 1, 2, …
    pub id: u64,
    /// When the source put it into the download queue (for latency).
    pub entered: Instant,
    /// What it carries at this point: an id, a frame, a thumbnail, a receipt.
    pub item: T,
}
// ANCHOR_END: job

impl<T> Job<T> {
    /// Item `id`, entering the pipeline at `entered` and carrying `item`: the
    /// one way to make a job (the next stage's job comes from [`Job::try_map`]).
    pub fn new(id: u64, entered: Instant, item: T) -> Job<T> {
        Job { id, entered, item }
    }

    /// The same job carrying what `stage` made of its item, or the stage's error.
    pub fn try_map<U, E>(self, stage: impl FnOnce(T) -> Result<U, E>) -> Result<Job<U>, E> {
        let Job { id, entered, item } = self;
        stage(item).map(|item| Job::new(id, entered, item))
    }
}

/// A stage could not handle one item: the item is counted as failed and the run goes on.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the {stage} stage failed on item {item}: {reason}")]
pub struct StageError {
    /// The stage.
    pub stage: Stage,
    /// The item.
    pub item: u64,
    /// What went wrong: its kind, then `": "` and the details, if any.
    pub reason: String,
}

/// The reason of a [`StageError`] that is no failure: the run's stop cut the
/// stage's wait short, and the item stays unfinished in the stage.
const CUT_SHORT: &str = "cut short by the run's stop";

impl StageError {
    /// The run was stopped while `stage` waited on `item`: not a failure, the item
    /// is left unfinished in the stage ([`StageError::is_stop`]).
    pub fn stop(stage: Stage, item: u64) -> StageError {
        StageError {
            stage,
            item,
            reason: CUT_SHORT.into(),
        }
    }

    /// Whether this is no failure but the run's stop ([`StageError::stop`]).
    pub fn is_stop(&self) -> bool {
        self.reason == CUT_SHORT
    }

    /// The kind of failure: the reason up to its first `": "` (all of it if it has none).
    pub fn kind(&self) -> &str {
        self.reason
            .split_once(": ")
            .map_or(self.reason.as_str(), |(kind, _)| kind)
    }
}

/// A downloaded camera frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The item's id.
    pub id: u64,
    /// The pixels, or `None` when the config carries no payload.
    pub pixels: Option<RgbImage>,
}

/// A frame downscaled to a quarter of each side.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    /// The item's id.
    pub id: u64,
    /// The pixels, or `None` when the config carries no payload.
    pub pixels: Option<RgbImage>,
}

/// What the gallery answers for an uploaded thumbnail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The item's id.
    pub id: u64,
    /// A checksum of the uploaded bytes.
    pub checksum: u64,
}

/// The stage functions of one run, configured once from its [`Config`].
#[derive(Debug, Clone)]
pub struct Stages {
    config: Config,
    /// Each stage's simulated wait, converted once rather than per item.
    waits: [Duration; 3],
    /// The run's stop, which cuts a wait short.
    stop: Arc<Stop>,
}

impl Stages {
    /// The stage functions for `config`, with a stop of their own.
    pub fn new(config: &Config) -> Stages {
        Stages::stopped_by(config, Arc::new(Stop::new()))
    }

    /// The stage functions for `config`, whose waits `stop` cuts short.
    pub fn stopped_by(config: &Config, stop: Arc<Stop>) -> Stages {
        Stages {
            config: config.clone(),
            waits: Stage::ALL.map(|stage| config.wait_of(stage)),
            stop,
        }
    }

    // ANCHOR: download
    /// Waits like a network fetch, then makes the item's frame.
    pub fn download(&self, id: u64) -> Result<Frame, StageError> {
        self.enter(Stage::Download, id)?;
        Ok(self.fetched(id))
    }
    // ANCHOR_END: download

    // ANCHOR: resize
    /// Waits, then really downscales the frame to a quarter of each side.
    pub fn resize(&self, frame: Frame) -> Result<Thumbnail, StageError> {
        self.enter(Stage::Resize, frame.id)?;
        Ok(self.downscaled(frame))
    }
    // ANCHOR_END: resize

    // ANCHOR: upload
    /// Waits like a network send, then checksums the thumbnail (and writes it
    /// to the gallery directory, if one is set).
    pub fn upload(&self, thumbnail: Thumbnail) -> Result<Receipt, StageError> {
        self.enter(Stage::Upload, thumbnail.id)?;
        self.sent(thumbnail)
    }
    // ANCHOR_END: upload

    /// The work of the download stage, once its wait is over: the item's frame.
    pub fn fetched(&self, id: u64) -> Frame {
        let pixels = self.config.frame.map(|(w, h)| synthetic_frame(id, w, h));
        Frame { id, pixels }
    }

    /// The work of the resize stage, once its wait is over: the frame downscaled
    /// to a quarter of each side (the one stage whose work is CPU-bound).
    pub fn downscaled(&self, frame: Frame) -> Thumbnail {
        let pixels = frame.pixels.map(|image| {
            let (w, h) = image.dimensions();
            imageops::resize(&image, w / 4, h / 4, FilterType::Triangle)
        });
        Thumbnail {
            id: frame.id,
            pixels,
        }
    }

    /// The work of the upload stage, once its wait is over: the thumbnail's
    /// checksum, and its file in the gallery directory if one is set.
    pub fn sent(&self, thumbnail: Thumbnail) -> Result<Receipt, StageError> {
        let id = thumbnail.id;
        let bytes = thumbnail.pixels.as_ref().map_or(&[][..], |p| p.as_raw());
        let checksum = fnv1a(bytes, id);
        let gallery = &self.config.gallery;
        if let (Some(dir), Some(pixels)) = (gallery, &thumbnail.pixels) {
            let path = dir.join(format!("{id:06}.png"));
            save_png(pixels, &path).map_err(|e| StageError {
                stage: Stage::Upload,
                item: id,
                reason: format!(
                    "cannot write the gallery ({}): {}",
                    os_reason(&e),
                    path.display()
                ),
            })?;
        }
        Ok(Receipt { id, checksum })
    }

    // ANCHOR: enter
    /// Fires an injected fault for this item, then waits the stage's simulated
    /// wait, unless the run is stopped meanwhile.
    fn enter(&self, stage: Stage, id: u64) -> Result<(), StageError> {
        self.fault(stage, id)?;
        let wait = self.waits[stage.index()];
        if !wait.is_zero() && !self.stop.sleep(wait) {
            return Err(StageError::stop(stage, id));
        }
        Ok(())
    }
    // ANCHOR_END: enter

    // ANCHOR: enter_async
    /// [`Stages::enter`] for a task: the injected fault, then the stage's
    /// wait on the runtime's timer, which holds no thread (a thread's sleep
    /// would hold one of the runtime's few), unless the run is stopped
    /// meanwhile. The stage's work follows: [`Stages::fetched`],
    /// [`Stages::downscaled`] or [`Stages::sent`].
    #[cfg(feature = "tasks")]
    #[rustfmt::skip] // Kept to the book's 80 columns: it is a listing.
    pub async fn enter_async(
        &self,
        stage: Stage,
        id: u64,
    ) -> Result<(), StageError> {
        self.fault(stage, id)?;
        let wait = self.waits[stage.index()];
        if !wait.is_zero() && !self.stop.sleep_async(wait).await {
            return Err(StageError::stop(stage, id));
        }
        Ok(())
    }
    // ANCHOR_END: enter_async

    /// The injected fault for this item, if any: a panic, or an error.
    fn fault(&self, stage: Stage, id: u64) -> Result<(), StageError> {
        match self.config.fault_at(stage, id) {
            Some(FaultKind::Panic) => {
                panic!("injected panic in the {stage} stage at item {id}")
            }
            Some(FaultKind::Error) => Err(StageError {
                stage,
                item: id,
                reason: "injected fault".into(),
            }),
            None => Ok(()),
        }
    }
}

/// Writes `pixels` as a PNG at `path`, or fails with nothing left there: the
/// file is written as `path.partial` through a buffer that is flushed and synced
/// (so a full disk is an error here, not a truncated file found later), then
/// renamed into place; on any error the partial file is removed.
pub fn save_png(pixels: &RgbImage, path: &Path) -> io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = File::create(&partial)
        .and_then(|file| write_png(pixels, BufWriter::new(file)))
        .and_then(|file| file.sync_all())
        .and_then(|()| fs::rename(&partial, path));
    if written.is_err() {
        // Best effort: the directory itself may be gone.
        let _ = fs::remove_file(&partial);
    }
    written
}

/// Encodes `pixels` as a PNG into `out`, flushes it and hands back what it wrapped;
/// every write error, the last buffer's included, comes back as an error.
pub fn write_png<W: Write>(pixels: &RgbImage, mut out: BufWriter<W>) -> io::Result<W> {
    let (width, height) = pixels.dimensions();
    PngEncoder::new(&mut out)
        .write_image(pixels.as_raw(), width, height, ExtendedColorType::Rgb8)
        .map_err(|e| match e {
            image::ImageError::IoError(e) => e,
            other => io::Error::other(other),
        })?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())
}

/// An I/O error's reason without the `(os error N)` suffix: `No space left on device`.
fn os_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// A deterministic test pattern: the same id always gives the same frame.
pub fn synthetic_frame(id: u64, width: u32, height: u32) -> RgbImage {
    let seed = id as u32;
    // Written row by row into one buffer: a pixel at a time through
    // `RgbImage::from_fn` costs several times more, and the frame stands for a
    // download, not for work the pipeline should measure.
    let mut bytes = Vec::with_capacity(width as usize * height as usize * 3);
    for y in 0..height {
        let green = y.wrapping_mul(13).wrapping_add(seed.wrapping_mul(3)) as u8;
        bytes.extend((0..width).flat_map(|x| {
            [
                x.wrapping_mul(7).wrapping_add(seed) as u8,
                green,
                (x ^ y).wrapping_add(seed.wrapping_mul(5)) as u8,
            ]
        }));
    }
    RgbImage::from_raw(width, height, bytes).expect("width × height × 3 bytes")
}

/// FNV-1a over the id and the bytes: cheap, deterministic, good enough to tell
/// two thumbnails apart.
fn fnv1a(bytes: &[u8], id: u64) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in id.to_le_bytes().iter().chain(bytes) {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Fault;

    fn stages(frame: Option<(u32, u32)>) -> Stages {
        Stages::new(&Config {
            frame,
            ..Config::default()
        })
    }

    #[test]
    fn a_job_keeps_its_id_and_entry_through_the_stages() {
        let entered = Instant::now();
        let job = Job::new(7, entered, 20u64);
        let next = job.try_map(|x| Ok::<_, ()>(x.to_string())).unwrap();
        assert_eq!(
            (next.id, next.entered, next.item.as_str()),
            (7, entered, "20")
        );
        assert_eq!(
            next.try_map(|_| Err::<u8, _>("failed")).unwrap_err(),
            "failed"
        );
    }

    #[test]
    fn a_stage_error_kind_is_its_reason_up_to_the_details() {
        let error = |reason: &str| StageError {
            stage: Stage::Upload,
            item: 1,
            reason: reason.into(),
        };
        assert_eq!(error("injected fault").kind(), "injected fault");
        assert_eq!(error("cannot write: /g/1.png").kind(), "cannot write");
    }

    /// The frame is the pattern its doc gives, pixel by pixel.
    #[test]
    fn frames_follow_their_pattern() {
        let (id, seed) = (9, 9u32);
        let frame = synthetic_frame(id, 37, 11);
        for (x, y, pixel) in frame.enumerate_pixels() {
            let expected = [
                x.wrapping_mul(7).wrapping_add(seed) as u8,
                y.wrapping_mul(13).wrapping_add(seed * 3) as u8,
                (x ^ y).wrapping_add(seed * 5) as u8,
            ];
            assert_eq!(pixel.0, expected, "pixel ({x}, {y})");
        }
    }

    #[test]
    fn frames_are_deterministic_and_differ_by_id() {
        assert_eq!(synthetic_frame(3, 16, 8), synthetic_frame(3, 16, 8));
        assert_ne!(synthetic_frame(3, 16, 8), synthetic_frame(4, 16, 8));
    }

    #[test]
    fn resize_downscales_to_a_quarter_of_each_side() {
        let s = stages(Some((64, 48)));
        let thumb = s.resize(s.download(7).unwrap()).unwrap();
        assert_eq!(thumb.pixels.unwrap().dimensions(), (16, 12));
    }

    #[test]
    fn upload_checksums_differ_between_items() {
        let s = stages(Some((16, 16)));
        let receipt = |id| {
            s.upload(s.resize(s.download(id).unwrap()).unwrap())
                .unwrap()
        };
        assert_eq!(receipt(1), receipt(1));
        assert_ne!(receipt(1).checksum, receipt(2).checksum);
    }

    #[test]
    fn no_payload_still_gives_receipts() {
        let s = stages(None);
        let r = s.upload(s.resize(s.download(5).unwrap()).unwrap()).unwrap();
        assert_eq!(r.id, 5);
    }

    #[test]
    fn an_injected_error_names_stage_and_item() {
        let s = Stages::new(&Config {
            faults: vec![Fault {
                stage: Stage::Download,
                item: 2,
                kind: FaultKind::Error,
            }],
            ..Config::default()
        });
        assert!(s.download(1).is_ok());
        let err = s.download(2).unwrap_err();
        assert_eq!((err.stage, err.item), (Stage::Download, 2));
    }

    /// A stop ends a stage's wait of a minute at once, and the item is not failed.
    #[test]
    fn a_stop_cuts_a_stage_wait_short() {
        let stop = Arc::new(Stop::new());
        let s = Stages::stopped_by(
            &Config {
                download_ms: 60_000.0,
                ..Config::default()
            },
            Arc::clone(&stop),
        );
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            stop.raise();
        });
        let err = s.download(4).unwrap_err();
        assert!(err.is_stop(), "{err}");
        assert_eq!((err.stage, err.item), (Stage::Download, 4));
        stopper.join().unwrap();
    }

    #[test]
    fn upload_writes_the_gallery() {
        let dir = std::env::temp_dir().join(format!("pipeline-gallery-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = Stages::new(&Config {
            frame: Some((32, 32)),
            gallery: Some(dir.clone()),
            ..Config::default()
        });
        s.upload(s.resize(s.download(9).unwrap()).unwrap()).unwrap();
        let png = image::open(dir.join("000009.png")).unwrap();
        assert_eq!((png.width(), png.height()), (8, 8));
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// A write error (here the last buffer, which only a flush writes) is an
    /// error, not a silently truncated file: `/dev/full` fails every write with
    /// "No space left on device", like a full disk.
    /// Linux's `/dev/full`: every write fails with `ENOSPC`.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_an_error_and_not_a_truncated_png() {
        let full = match File::options().write(true).open("/dev/full") {
            Ok(file) => file,
            Err(e) => {
                eprintln!("skipped: /dev/full cannot be opened here ({e})");
                return;
            }
        };
        let pixels = synthetic_frame(1, 8, 8);
        let error = write_png(&pixels, BufWriter::new(full)).unwrap_err();
        assert_eq!(os_reason(&error), "No space left on device");
    }

    #[test]
    fn a_failed_gallery_write_names_its_kind_and_leaves_no_file() {
        let dir = tempdir("gone");
        fs::create_dir_all(&dir).unwrap();
        let s = Stages::new(&Config {
            frame: Some((32, 32)),
            gallery: Some(dir.clone()),
            ..Config::default()
        });
        fs::remove_dir_all(&dir).unwrap();
        let err = s
            .upload(s.resize(s.download(3).unwrap()).unwrap())
            .unwrap_err();
        let kind = err.kind();
        assert!(kind.starts_with("cannot write the gallery ("), "{kind}");
        // The OS's own words: Windows says "The system cannot find the path specified."
        #[cfg(unix)]
        assert_eq!(kind, "cannot write the gallery (No such file or directory)");
        assert!(err.to_string().contains("000003.png"), "{err}");
        assert!(!dir.exists());
    }

    #[test]
    fn a_png_written_whole_leaves_no_partial_file() {
        let dir = tempdir("whole");
        fs::create_dir_all(&dir).unwrap();
        save_png(&synthetic_frame(2, 8, 8), &dir.join("a.png")).unwrap();
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["a.png"]);
        fs::remove_dir_all(dir).unwrap();
    }

    fn tempdir(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("pipeline-stages-{name}-{}", std::process::id()))
    }
}
