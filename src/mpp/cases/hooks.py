"""Where the cases app takes part in lower apps' work (their hooks.py registries).

Filled in by the parts that need it (search's next step, the kiosk's links).
"""
