//! `cargo +nightly fuzz run parse`: see `fuzz/README.md`.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(why) = checks::parse(data) {
        panic!("{why}");
    }
});
