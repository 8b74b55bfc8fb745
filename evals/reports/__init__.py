"""Report writers: JSON, Markdown, HTML."""
