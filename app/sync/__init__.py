"""Offline sync: a queue of posts applied in one request, item by item."""
