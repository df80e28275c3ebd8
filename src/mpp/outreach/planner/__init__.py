"""The jemput bola route planner: a pure problem (problem.py), distances from
coordinates (distances.py) and the PyVRP model (solve.py). No database here: plans.py
builds the Problem from a mall's requests and stores the Solution."""
