"""Working-day deadlines on every stage of a case: the published clock policy, the clocks computed from the
audit events, reminders before a deadline and escalation after it."""
