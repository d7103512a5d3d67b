//! The report bench: every pipeline on every scenario, each case in its own process;
//! writes `reports/` and builds the book. `PIPELINE_BENCH_QUICK=1` for a quick run,
//! `PIPELINE_BENCH_OUT=DIR` to write elsewhere (the book is then left alone).

use std::process::ExitCode;

// The peak heap of each run (`peak_heap_bytes`) is counted by this allocator.
#[global_allocator]
static ALLOC: pipeline_core::heap::CountingAlloc = pipeline_core::heap::CountingAlloc;

fn main() -> ExitCode {
    pipeline_bench::report::main()
}
