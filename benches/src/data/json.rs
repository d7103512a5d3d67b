//! `results.json`: every run in full, written one run per line, and read back.

use std::fmt::Write;
use std::path::Path;

use crate::data::results::Results;

/// `results.json`: the machine, the timer measurement and every run in full (report
/// and depth series, or the bare run), one run per line.
pub fn results_json(results: &Results) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"schema\": {},", results.schema);
    let _ = writeln!(out, "  \"mode\": {},", line(&results.mode));
    let _ = writeln!(out, "  \"date\": {},", line(&results.date));
    let _ = writeln!(out, "  \"machine\": {},", line(&results.machine));
    let _ = writeln!(out, "  \"sleep\": {},", line(&results.sleep));
    if let Some(elapsed) = results.elapsed_s {
        let _ = writeln!(out, "  \"elapsed_s\": {},", line(&elapsed));
    }
    out.push_str("  \"runs\": [\n");
    for (i, run) in results.runs.iter().enumerate() {
        let comma = if i + 1 < results.runs.len() { "," } else { "" };
        let _ = writeln!(out, "    {}{comma}", line(run));
    }
    out.push_str("  ]\n}\n");
    out
}

/// Compact JSON of a value of the report.
fn line<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("report values serialize")
}

/// Reads a `results.json` back.
pub fn read_results(path: &Path) -> anyhow::Result<Results> {
    let text = std::fs::read_to_string(path)?;
    Ok(serde_json::from_str(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::results::tests::one_run;

    #[test]
    fn results_round_trip_through_json() {
        let results = one_run();
        let back: Results = serde_json::from_str(&results_json(&results)).unwrap();
        assert_eq!(back, results);
    }
}
