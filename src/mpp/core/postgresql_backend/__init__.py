"""PostgreSQL backend that checks pooled connections before lending them (see base.py)."""
