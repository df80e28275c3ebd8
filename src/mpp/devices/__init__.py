"""Registered devices: the kiosks and display boards of a mall, each with its own credential.

Why: a walk-in ticket takes a place in the day's queue (and quota), so only a screen the
mall registered may print one. See docs/devices.md.
"""
