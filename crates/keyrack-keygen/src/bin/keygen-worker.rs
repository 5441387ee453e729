//! The key-generation Web Worker that Trunk builds beside the console. Natively it does
//! nothing; the crate's tests cover the code it runs.

fn main() {
    #[cfg(target_arch = "wasm32")]
    keyrack_keygen::worker::start();
}
