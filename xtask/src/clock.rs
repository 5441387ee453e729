//! Where a long command's time goes: a line as each step starts and ends, numbered against
//! the plan, and a recap with the total when the clock is dropped, so that a log says how
//! far a run got and what took long even when it failed.

use std::time::{Duration, Instant};

use anyhow::Result;

pub struct Clock {
    label: &'static str,
    planned: usize,
    started: Instant,
    steps: Vec<(&'static str, Duration)>,
}

impl Clock {
    /// A clock for `label` (`xtask run`, say) that expects `planned` steps.
    pub fn start(label: &'static str, planned: usize) -> Self {
        Self {
            label,
            planned,
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Runs one step, printing its number and name before and its wall time after.
    pub fn step<T>(&mut self, name: &'static str, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let at = format!("{} [{}/{}]", self.label, self.steps.len() + 1, self.planned);
        eprintln!("{at} {name} …");
        let started = Instant::now();
        let result = work();
        let took = started.elapsed();
        let so_far = secs(self.started.elapsed());
        match &result {
            Ok(_) => eprintln!("{at} {name}: {} s ({so_far} s so far)", secs(took)),
            Err(_) => eprintln!("{at} {name}: failed after {} s", secs(took)),
        }
        self.steps.push((name, took));
        result
    }

    /// Seconds since the clock started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

impl Drop for Clock {
    fn drop(&mut self) {
        let recap: Vec<String> = self
            .steps
            .iter()
            .map(|(name, took)| format!("{name} {} s", secs(*took)))
            .collect();
        eprintln!("{}: steps: {}", self.label, recap.join(", "));
        eprintln!(
            "{}: total took {} s",
            self.label,
            secs(self.started.elapsed())
        );
    }
}

pub fn secs(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64())
}
