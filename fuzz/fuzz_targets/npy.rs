//! `cargo +nightly fuzz run npy`: see `fuzz/README.md`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(why) = checks::npy(data) {
        panic!("{why}");
    }
});
