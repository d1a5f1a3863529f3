//! How the server's allocators give memory back: mimalloc (`driehoek`'s global
//! allocator, for Rust's allocations) and glibc's malloc (for C's: SQLite's page
//! caches and row values, made on one thread per connection).
//!
//! mimalloc v3 keeps pages freed by the program for a second before it returns them
//! to the system; glibc gives each thread that allocates its own arena (up to eight
//! per core), which keeps what it once held. Under 16 city reports at once on SQLite,
//! heaptrack put SQLite's heap at ~18 MB while eight arenas held ~42 MiB, and the
//! node peaked at 151 MiB. With freed pages returned after 10 ms (mimalloc v2's
//! default) and one arena per core, 106 MiB, with the hot lists no slower against
//! the same reads run directly (bench/RESULTS.md, the stats and schools suites). mimalloc's `override`
//! feature (C's malloc as mimalloc too) did as well but crashed the binary under
//! `LD_PRELOAD` libraries that allocate before `main` (libfaketime). Both options are
//! set over C interfaces: the workspace's only `unsafe` code.

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

/// Has glibc's malloc keep at most `arenas` arenas, shared by the threads that
/// allocate through it (SQLite's), instead of up to eight per core. Called once at
/// start-up, before any thread is made.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn share_c_arenas(arenas: usize) {
    let arenas = std::ffi::c_int::try_from(arenas.max(1)).unwrap_or(std::ffi::c_int::MAX);
    // SAFETY: `mallopt` sets an integer parameter of glibc's malloc; no pointers, and
    // M_ARENA_MAX only bounds arenas made from then on.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, arenas) };
}

/// glibc's arenas are its own; other C libraries need nothing here.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn share_c_arenas(_arenas: usize) {}

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
