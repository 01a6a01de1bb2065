"""Queries: the questions read commands ask (filters, search, summaries), answered from the index
or from the records in memory, alike."""
