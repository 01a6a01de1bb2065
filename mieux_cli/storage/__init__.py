"""Storage: the catalogue file (lock, atomic replace, backups, history), its SQLite index, and the
user's other files (settings, drafts). The only layer that touches the catalogue on disk."""
