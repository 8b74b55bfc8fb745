"""Personal-data detection and redaction (GB/T 47483 §9.4.1 d, §9.3), after Presidio."""
