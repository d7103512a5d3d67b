//! How pipeline-lab writes figures for people: [`units`] turns numbers into text
//! (durations, sizes, ratios, percentages, counts, capacities), and [`Table`] lines
//! them up, as Markdown for the reports and the book, or as aligned plain text for
//! the terminal, and [`fact`] holds the named facts the book's sentences show. The lab and the report bench both write through this crate, so a
//! value prints the same wherever it appears.

pub mod fact;
mod table;
pub mod units;

pub use table::{Align, Table};
