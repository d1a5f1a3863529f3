//! How the server's allocator (mimalloc, `driehoek`'s global allocator, which with
//! its `override` feature also serves SQLite's `malloc`) gives memory back.
//!
//! mimalloc v3 keeps pages freed by the program for a second before it returns them
//! to the system. A city's report frees tens of megabytes in that time, so a node
//! answering 16 reports at once held about 40 MiB it no longer used: 148 MiB at its
//! peak on SQLite against 108 MiB with pages returned after 10 ms (mimalloc v2's
//! default), and no change in the rate of the hot lists (bench/RESULTS.md, the
//! stats and schools suites). The option is set over mimalloc's C interface: the
//! one `unsafe` of the workspace.

use std::ffi::c_long;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (v2 and v3 alike), which
/// libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds mimalloc waits before it returns freed pages to the system.
pub const PURGE_DELAY_MS: c_long = 10;

/// Has mimalloc return freed pages to the system after [`PURGE_DELAY_MS`]. Called
/// once at start-up (unless the operator set mimalloc's own `MIMALLOC_PURGE_DELAY`);
/// it applies to every thread from then on.
#[allow(unsafe_code)]
pub fn return_freed_pages_promptly() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table, which
    // mimalloc reads afresh each time it considers purging; it takes no pointers and
    // may be called from any thread at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

/// The purge delay mimalloc applies now, in milliseconds.
#[allow(unsafe_code)]
pub fn purge_delay_ms() -> c_long {
    // SAFETY: `mi_option_get` reads an integer of mimalloc's option table; no
    // pointers, any thread, any time.
    unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_set_is_the_purge_delay_and_it_takes_the_new_value() {
        // Before: mimalloc v3's default purge delay, 1 000 ms (no other option of
        // its table defaults to it), unless the environment set one.
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(purge_delay_ms(), 1000);
        }
        return_freed_pages_promptly();
        assert_eq!(purge_delay_ms(), PURGE_DELAY_MS);
    }
}
