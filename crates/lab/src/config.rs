//! From the command line to a config: the backend by name, the scenario and its
//! overrides, and the gallery directory. Everything here runs before any thread
//! starts, and every refusal is a [`ConfigError`] that says what to change.

use std::fs;
use std::io::Write;
use std::path::Path;

use pipeline_core::{Backend, Config, ConfigError, Scenario};

use crate::args::ConfigArgs;
use crate::error::LabError;

/// The backend called `name`, from the registry of pipelines.
pub fn backend_named(name: &str) -> Result<Backend, LabError> {
    pipeline_registry::backend_named(name).ok_or_else(|| LabError::UnknownBackend(name.to_string()))
}

/// What a run is asked to do: a config, and the scenario it started from.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The named scenario, or `None` for the book's pipeline ([`Config::default`]).
    pub scenario: Option<Scenario>,
    /// The scenario's config with the command line's overrides applied (not yet
    /// prepared for a backend).
    pub config: Config,
}

impl Plan {
    /// The scenario named on the command line (or the default config), then every
    /// override given.
    pub fn from_args(args: &ConfigArgs) -> Result<Plan, ConfigError> {
        let scenario = args.scenario.as_deref().map(Scenario::named).transpose()?;
        let mut config = scenario.map_or_else(Config::default, |s| s.config());
        if let Some(items) = args.items {
            config = match scenario {
                Some(scenario) => scenario.with_items(config, items),
                None => Config { items, ..config },
            };
        }
        if let Some(workers) = args.workers {
            config.workers = workers;
        }
        if let Some(capacity) = args.capacity {
            config.capacity = capacity.0;
        }
        if let Some(ms) = args.source_interval_ms {
            config.source_interval_ms = ms;
        }
        if let Some(ms) = args.download_ms {
            config.download_ms = ms;
        }
        if let Some(ms) = args.resize_ms {
            config.resize_ms = ms;
        }
        if let Some(ms) = args.upload_ms {
            config.upload_ms = ms;
        }
        if let Some(frame) = args.frame {
            config.frame = frame.0;
        }
        config.poll_sleep_ms = args.poll_sleep_ms;
        config.faults = args.fail_at.iter().chain(&args.panic_at).copied().collect();
        config.validate()?;
        Ok(Plan { scenario, config })
    }

    /// The scenario's name, as the report states it.
    pub fn scenario_name(&self) -> Option<String> {
        self.scenario.map(|s| s.name.to_string())
    }
}

/// Refuses `dir` as the gallery of `config` without creating anything: the
/// items must carry frames, and `dir` must not be a file.
pub fn check_gallery(dir: &Path, config: &Config) -> Result<(), LabError> {
    let refuse = |reason: String| LabError::Gallery {
        path: dir.display().to_string(),
        reason,
    };
    if config.frame.is_none() {
        return Err(refuse(
            "the items carry no frames, so there are no thumbnails: \
             give --frame WxH (e.g. 64x48) or a scenario with frames"
                .into(),
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(refuse(
            "it is a file, not a directory; give a directory (it is created if missing)".into(),
        ));
    }
    Ok(())
}

/// Makes sure the upload stage will be able to write thumbnails into `dir`:
/// the items carry frames, and the directory exists (it is created if missing)
/// and takes a file as large as a thumbnail (a probe file of that size is
/// written, synced and deleted: an empty one would fit on a full disk).
pub fn prepare_gallery(dir: &Path, config: &Config) -> Result<(), LabError> {
    check_gallery(dir, config)?;
    let refuse = |reason: String| LabError::Gallery {
        path: dir.display().to_string(),
        reason,
    };
    fs::create_dir_all(dir).map_err(|e| {
        refuse(format!(
            "cannot create it ({e}); give a directory you can write to"
        ))
    })?;
    let probe = dir.join(format!(".lab-write-check-{}", std::process::id()));
    let thumbnail_bytes = config.frame.map_or(0, |(w, h)| {
        (w / 4).max(1) as usize * (h / 4).max(1) as usize * 3
    });
    let written = fs::File::create(&probe).and_then(|mut file| {
        file.write_all(&vec![0; thumbnail_bytes.max(1)])?;
        file.sync_all()
    });
    let _ = fs::remove_file(&probe);
    written.map_err(|e| refuse(format!("{e}; give a directory you can write to")))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::args::{Cli, Command};

    fn plan(line: &str) -> Result<Plan, ConfigError> {
        let words = format!("lab compare {line}");
        let Command::Compare(args) = Cli::parse_from(words.split_whitespace()).command else {
            unreachable!("parsed a compare command");
        };
        Plan::from_args(&args.config)
    }

    #[test]
    fn every_backend_is_found_by_its_name() {
        for backend in pipeline_registry::backends() {
            assert_eq!(backend_named(backend.name).unwrap().name, backend.name);
        }
        let unknown = backend_named("nats").unwrap_err().to_string();
        assert_eq!(
            unknown,
            format!(
                "unknown backend 'nats': use one of {}",
                pipeline_registry::backend_names()
            )
        );
    }

    #[test]
    fn without_a_scenario_the_config_is_the_default() {
        let plan = plan("").unwrap();
        assert_eq!(plan.scenario, None);
        assert_eq!(plan.config, Config::default());
        assert_eq!(plan.config, Scenario::BOOK.config());
    }

    #[test]
    fn overrides_replace_the_scenario_s_values() {
        let plan = plan(
            "--scenario camera --items 7 --workers 2,3,4 --capacity 0 --source-interval-ms 0.5 \
             --download-ms 1.5 --resize-ms 0 --upload-ms 3 --frame none --poll-sleep-ms 2 \
             --fail-at resize:1 --panic-at upload:2",
        )
        .unwrap();
        let config = plan.config;
        assert_eq!(plan.scenario, Some(Scenario::CAMERA));
        assert_eq!((config.items, config.workers), (7, [2, 3, 4]));
        assert_eq!(config.capacity, Some(0));
        assert_eq!(config.source_interval_ms, 0.5);
        assert_eq!(
            (config.download_ms, config.resize_ms, config.upload_ms),
            (1.5, 0.0, 3.0)
        );
        assert_eq!((config.frame, config.poll_sleep_ms), (None, Some(2)));
        assert_eq!(config.faults.len(), 2);
    }

    #[test]
    fn an_out_of_range_override_is_refused() {
        assert!(matches!(
            plan("--workers 1,0,1"),
            Err(ConfigError::Workers { .. })
        ));
        assert!(matches!(
            plan("--download-ms -1"),
            Err(ConfigError::Wait { .. })
        ));
        assert!(matches!(
            plan("--scenario nope"),
            Err(ConfigError::UnknownScenario { .. })
        ));
    }

    #[test]
    fn a_gallery_needs_frames_and_a_directory() {
        let dir = std::env::temp_dir().join(format!("lab-gallery-test-{}", std::process::id()));
        let framed = Scenario::CAMERA.config();
        assert!(prepare_gallery(&dir, &Config::default()).is_err());
        prepare_gallery(&dir.join("nested"), &framed).unwrap();
        assert!(dir.join("nested").is_dir());
        let file = dir.join("a-file");
        fs::write(&file, b"").unwrap();
        assert!(prepare_gallery(&file, &framed).is_err());
        fs::remove_dir_all(dir).unwrap();
    }
}
