//! The process allocator: mimalloc rather than glibc's malloc. After a large dataset
//! is freed (a batch link, an index rebuilt), glibc sorts the millions of freed chunks
//! lazily during later allocations, which made the first online queries take
//! milliseconds instead of microseconds (`baken bench online`, 10M records: p99
//! 22.8 → 0.21 ms).
//!
//! Built with `no_thp`: otherwise mimalloc asks for transparent huge pages, and with
//! the kernel's usual `defrag = madvise` every first touch of a 2 MiB page waits for
//! compaction and zeroing (more than half of a 1M-record link's reading time in
//! `perf`, and most of its run-to-run spread).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its position in `mi_option_e` of mimalloc.h (the same in
/// mimalloc 2 and 3); the test below checks it against the default in mimalloc 3's
/// `options.c` (1000 ms), the version the `mimalloc` crate builds.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// For batch commands (`baken link`, `baken bench link`): keep freed memory for reuse
/// instead of handing it back to the kernel after a second. A link run frees and
/// allocates vectors of tens of megabytes phase after phase; returned to the kernel,
/// every reuse costs page faults and zeroing (a fifth of the CPU time of a 1M-record
/// run). The server keeps the default, so its memory shrinks after a peak.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` takes any option number and value and only stores
    // them; -1 is the documented value for "never purge".
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, -1);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn purge_delay_is_the_option_it_claims_to_be() {
        // purge_delay's default is 1000 ms; a wrong option number would read some
        // other option's value.
        #[allow(unsafe_code)]
        // SAFETY: reading an option has no preconditions.
        let v = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(v, 1000);
        super::keep_freed_memory();
        #[allow(unsafe_code)]
        // SAFETY: as above.
        let v = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(v, -1);
    }
}
