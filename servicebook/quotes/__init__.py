"""Customer quotes (accept by link), subcontractor quotes approved within limits, and
out-of-scope work handed to the third party that owns it (docs/quotes.md)."""
