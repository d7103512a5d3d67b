//! The item's first program: 1000 items through no-op stages, one polling worker
//! per stage, then the count of polls.
//!
//! ```text
//! cargo run -p pipeline-polling --example item
//! ```

use pipeline_core::Scenario;

fn main() -> Result<(), pipeline_core::PipelineError> {
    let report = pipeline_polling::run(&Scenario::BOOK.config())?;
    println!(
        "Processed {} items after polling {} times",
        report.items_out,
        report.total_polls()
    );
    for stage in &report.stages {
        println!(
            "  {:<8} polls {:>5}  done {:>5}",
            stage.name,
            stage.polls(),
            stage.done()
        );
    }
    Ok(())
}
