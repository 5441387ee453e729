//! Starting and shutting down an instance: `POST /instances/{id}/start` and `/stop`, and
//! what each does to an instance in each state. The server applies it; the console uses it
//! to offer only the buttons that would change something.

use crate::fleet::InstanceState;

/// A power button: **Start** or **Shut down**.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerAction {
    /// `STOPPED` becomes `STARTING`, then `RUNNING` after the transition delay.
    Start,
    /// `RUNNING` becomes `STOPPING`, then `STOPPED` after the transition delay.
    Stop,
}

/// What a power action does to an instance in a given state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PowerChange {
    /// Nothing: it is there already or on its way (the call still succeeds).
    Keep,
    /// It enters this transitional state until the delay has passed.
    Begin(InstanceState),
    /// Refused: it is heading the other way.
    Conflict,
}

impl PowerAction {
    /// Both, in the console's order.
    pub const ALL: [PowerAction; 2] = [PowerAction::Start, PowerAction::Stop];

    /// The last segment of the route: `start` or `stop`.
    pub fn verb(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
        }
    }

    /// The route under `/api/v1` for instance `id` (already URL-encoded by the caller).
    pub fn path(self, id: &str) -> String {
        format!("/instances/{id}/{}", self.verb())
    }

    /// What this action does to an instance in `state`.
    pub fn change(self, state: InstanceState) -> PowerChange {
        use InstanceState::*;
        match (self, state) {
            (PowerAction::Start, Stopped) => PowerChange::Begin(Starting),
            (PowerAction::Stop, Running) => PowerChange::Begin(Stopping),
            (PowerAction::Start, Starting | Running) | (PowerAction::Stop, Stopping | Stopped) => {
                PowerChange::Keep
            }
            (PowerAction::Start, Stopping) | (PowerAction::Stop, Starting) => PowerChange::Conflict,
        }
    }

    /// Whether the button does something for an instance in `state` (the console offers it
    /// only then).
    pub fn begins_from(self, state: InstanceState) -> bool {
        matches!(self.change(state), PowerChange::Begin(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use InstanceState::*;

    #[test]
    fn each_action_begins_only_from_its_resting_state() {
        let states = [Running, Stopped, Starting, Stopping];
        assert_eq!(
            states.map(|s| PowerAction::Start.change(s)),
            [
                PowerChange::Keep,
                PowerChange::Begin(Starting),
                PowerChange::Keep,
                PowerChange::Conflict
            ]
        );
        assert_eq!(
            states.map(|s| PowerAction::Stop.change(s)),
            [
                PowerChange::Begin(Stopping),
                PowerChange::Keep,
                PowerChange::Conflict,
                PowerChange::Keep
            ]
        );
        assert_eq!(
            states.map(|s| PowerAction::ALL.map(|a| a.begins_from(s))),
            [[false, true], [true, false], [false, false], [false, false]]
        );
        assert_eq!(PowerAction::Stop.path("ins-1"), "/instances/ins-1/stop");
    }
}
