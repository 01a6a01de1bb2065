"""mieux: a terminal catalogue of MIEUX Actions, good practices, round-tables and facts."""

__version__ = "0.1.0"
