//! Child processes that must not outlive the command that started them.

use std::process::Child;

/// Kills the child (by its pid) and reaps it when dropped, whatever happened in between.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
