"""Usage statistics of the service (GB/T 47483 §10.1): hourly counters, queries, API, page."""
