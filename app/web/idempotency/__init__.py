"""Safe retries of creating requests: the Idempotency-Key header."""
