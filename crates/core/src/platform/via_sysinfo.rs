//! What macOS and Windows answer through `sysinfo`: the memory available and
//! the CPU's name.

/// The memory the system could give without swapping, as `sysinfo` reads it
/// (macOS: free, inactive and purgeable pages; Windows: `GlobalMemoryStatusEx`).
pub fn available_memory() -> Option<u64> {
    let mut system = sysinfo::System::new();
    system.refresh_memory();
    Some(system.available_memory()).filter(|bytes| *bytes > 0)
}

/// The CPU's brand string (`Apple M2`, `Intel(R) Core(TM) i7-…`).
pub fn cpu_model() -> Option<String> {
    let kind = sysinfo::RefreshKind::nothing().with_cpu(sysinfo::CpuRefreshKind::nothing());
    let system = sysinfo::System::new_with_specifics(kind);
    let brand = system.cpus().first()?.brand().trim().to_string();
    Some(brand).filter(|brand| !brand.is_empty())
}
