"""Sharing: a team's catalogue kept in a git repository, merged record by record (`mieux sync`)."""
