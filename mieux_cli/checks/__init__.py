"""Checks: what `mieux check` finds wrong or missing in a catalogue, and what records state that
their sources do not."""
