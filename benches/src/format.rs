//! Number formats shared by the tables, the terminal summary and the figures: the
//! lab's own, from `pipeline-present`, so a figure prints the same in both.

pub use pipeline_present::units::{
    MISSING, capacity, count, duration, mib, micros, percent, ratio, ratio3, secs,
};
