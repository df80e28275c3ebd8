"""SQLite backend with a fair in-process queue for write transactions (see base.py)."""
