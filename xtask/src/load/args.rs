//! What `cargo xtask bench --load` is asked to do: how much to seed, how long to measure, and
//! on which backends.

/// How `cargo xtask bench --load` runs.
#[derive(Debug, Clone)]
pub struct LoadArgs {
    /// Key pairs to seed.
    pub keys: u32,
    /// Instances to seed.
    pub instances: u32,
    /// Seconds each scenario is measured (after a 1 s warm-up).
    pub duration: u32,
    /// `sqlite`, `postgres` or both.
    pub backends: Vec<BackendKind>,
    /// Only the agent-lookup step.
    pub lookups_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}
