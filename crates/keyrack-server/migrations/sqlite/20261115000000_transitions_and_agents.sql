-- Power transitions and agent tokens.

-- A STOPPING or STARTING instance finishes its transition at transition_until (RFC 3339, as
-- every timestamp here); NULL when it is not in transition. Overdue transitions are settled
-- lazily by the next read or write, so a restart in the middle of one loses nothing.
ALTER TABLE instances ADD COLUMN transition_until TEXT;
CREATE INDEX instances_transition_until ON instances (transition_until)
    WHERE transition_until IS NOT NULL;

-- An agent token belongs to one instance and goes with it.
ALTER TABLE tokens ADD COLUMN instance_id TEXT REFERENCES instances (id) ON DELETE CASCADE;
CREATE INDEX tokens_instance ON tokens (instance_id) WHERE instance_id IS NOT NULL;
