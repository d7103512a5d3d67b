//! Named facts: the numbers the book's sentences are built on, as typed values.
//!
//! The report bench computes them from its results and writes them to `facts.json`
//! beside the tables; the book's pages name them (`{{#fact paced.blocking.p99}}`) and
//! the book's build shows each with [`Fact::show`], through [`units`](crate::units),
//! so a fact prints the way the tables print the same number. A fact holds a value and
//! its kind, never text made for a sentence: the sentence is the page's.
//!
//! ```
//! use pipeline_present::fact::{Fact, Facts};
//!
//! let mut facts = Facts::default();
//! facts.insert("paced.blocking.p99", Fact::range(Fact::Micros(78), Fact::Micros(184)));
//! facts.insert("paced.blocking.count", Fact::Count(4));
//! facts.insert("paced.blocking_below_sleeper", Fact::Bool(true));
//! assert_eq!(facts.get("paced.blocking.p99").unwrap().show(), "78 µs–184 µs");
//! let json = facts.to_json();
//! assert_eq!(Facts::from_json(&json).unwrap(), facts);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::units;

/// The `facts.json` schema version.
pub const FACTS_SCHEMA: u32 = 1;

/// One fact: a value of a known kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Fact {
    /// A whole number of things: `3,003`.
    Count(u64),
    /// A number with a fixed count of decimals: `3.00` (value, decimals).
    Number(f64, usize),
    /// A ratio: `3.97×`.
    Ratio(f64),
    /// A fraction shown as a percentage: `4.6%`.
    Percent(f64),
    /// A duration in seconds, in the unit that suits it: `1.289 s`, `36 µs`.
    Seconds(f64),
    /// A duration in whole microseconds (a latency): `78 µs`.
    Micros(u64),
    /// A size in bytes, in MiB with two decimals: `2.70 MiB`.
    Mib(u64),
    /// A name as code: a scenario, a crate (`` `camera` ``).
    Code(String),
    /// A name as it is written: a pipeline's label (`polling (spin)`).
    Name(String),
    /// One run of a scenario: its name, and its queues' bound when it ran with more
    /// than one (`` `bottleneck` (8) ``, `` `bottleneck` (unbounded) ``).
    Config {
        /// The scenario's name.
        scenario: String,
        /// `Some(None)` for the unbounded run of a scenario that also ran bounded,
        /// `Some(Some(n))` for a bound of `n`, `None` when it ran one way only.
        capacity: Option<Option<usize>>,
    },
    /// From the first to the second (`a–b`, or one value when both show the same).
    Range(Box<Fact>, Box<Fact>),
    /// A value with what it belongs to: `label (value)`.
    Of(Box<Fact>, Box<Fact>),
    /// Several values, shown separated by commas.
    List(Vec<Fact>),
    /// Whether something holds: what a page's reading rests on, or which of two
    /// readings applies.
    Bool(bool),
}

impl Fact {
    /// `lo–hi`.
    pub fn range(lo: Fact, hi: Fact) -> Fact {
        Fact::Range(Box::new(lo), Box::new(hi))
    }

    /// `what (value)`.
    pub fn of(what: Fact, value: Fact) -> Fact {
        Fact::Of(Box::new(what), Box::new(value))
    }

    /// The fact as the book shows it.
    pub fn show(&self) -> String {
        match self {
            Fact::Count(n) => units::count(*n),
            Fact::Number(value, places) => units::decimals(*value, *places),
            Fact::Ratio(r) => units::ratio(*r),
            Fact::Percent(fraction) => units::percent(*fraction),
            Fact::Seconds(s) => units::duration(*s),
            Fact::Micros(us) => units::micros(*us),
            Fact::Mib(bytes) => format!("{} MiB", units::mib(Some(*bytes))),
            Fact::Code(name) => format!("`{name}`"),
            Fact::Name(name) => name.clone(),
            Fact::Config { scenario, capacity } => match capacity {
                None => format!("`{scenario}`"),
                Some(capacity) => format!("`{scenario}` ({})", units::capacity(*capacity)),
            },
            Fact::Range(lo, hi) => {
                let (lo, hi) = (lo.show(), hi.show());
                if lo == hi { lo } else { format!("{lo}–{hi}") }
            }
            Fact::Of(what, value) => format!("{} ({})", what.show(), value.show()),
            Fact::List(items) => items.iter().map(Fact::show).collect::<Vec<_>>().join(", "),
            Fact::Bool(holds) => holds.to_string(),
        }
    }

    /// Whether it holds, for a [`Fact::Bool`].
    pub fn holds(&self) -> Option<bool> {
        match self {
            Fact::Bool(holds) => Some(*holds),
            _ => None,
        }
    }
}

/// Every fact of one report run, by name (`paced.blocking.p99`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// [`FACTS_SCHEMA`].
    pub schema: u32,
    /// The facts, by name.
    pub facts: BTreeMap<String, Fact>,
}

impl Facts {
    /// Adds (or replaces) the fact `name`.
    pub fn insert(&mut self, name: impl Into<String>, fact: Fact) {
        self.schema = FACTS_SCHEMA;
        self.facts.insert(name.into(), fact);
    }

    /// The fact `name`.
    pub fn get(&self, name: &str) -> Option<&Fact> {
        self.facts.get(name)
    }

    /// `facts.json`: one fact per line, sorted by name.
    pub fn to_json(&self) -> String {
        let mut out = format!("{{\"schema\": {}, \"facts\": {{\n", self.schema);
        let mut first = true;
        for (name, fact) in &self.facts {
            if !first {
                out.push_str(",\n");
            }
            first = false;
            let name = serde_json::to_string(name).expect("a string serializes");
            let fact = serde_json::to_string(fact).expect("a fact serializes");
            out.push_str(&format!("  {name}: {fact}"));
        }
        out.push_str("\n}}\n");
        out
    }

    /// Reads `facts.json`.
    pub fn from_json(text: &str) -> Result<Facts, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_show_as_the_tables_show_numbers() {
        assert_eq!(Fact::Count(3003).show(), "3,003");
        assert_eq!(Fact::Number(3.0, 2).show(), "3.00");
        assert_eq!(Fact::Ratio(3.974).show(), "3.97×");
        assert_eq!(Fact::Percent(0.046).show(), "4.6%");
        assert_eq!(Fact::Seconds(1.2891).show(), "1.289 s");
        assert_eq!(Fact::Micros(36).show(), "36 µs");
        assert_eq!(Fact::Mib(2_831_155).show(), "2.70 MiB");
        let bounded = Fact::Config {
            scenario: "bottleneck".into(),
            capacity: Some(Some(8)),
        };
        assert_eq!(bounded.show(), "`bottleneck` (8)");
        let once = Fact::Config {
            scenario: "camera".into(),
            capacity: None,
        };
        assert_eq!(once.show(), "`camera`");
        let same = Fact::range(Fact::Micros(36), Fact::Micros(36));
        assert_eq!(same.show(), "36 µs");
        let list = Fact::List(vec![
            Fact::of(once, Fact::Ratio(1.01)),
            Fact::of(bounded, Fact::Ratio(0.99)),
        ]);
        assert_eq!(list.show(), "`camera` (1.01×), `bottleneck` (8) (0.99×)");
    }

    #[test]
    fn facts_round_trip_through_json() {
        let mut facts = Facts::default();
        facts.insert(
            "a.range",
            Fact::range(Fact::Seconds(0.5), Fact::Seconds(2.0)),
        );
        facts.insert("a.holds", Fact::Bool(false));
        facts.insert(
            "a.list",
            Fact::List(vec![Fact::Name("x".into()), Fact::Code("y".into())]),
        );
        let json = facts.to_json();
        assert_eq!(Facts::from_json(&json).unwrap(), facts);
        assert!(json.lines().count() >= 4, "one fact per line: {json}");
    }
}
