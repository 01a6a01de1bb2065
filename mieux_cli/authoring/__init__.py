"""Authoring: the plans behind every change a person makes (add, edit, remove, rename, undo,
restore) and a record as text to edit."""
