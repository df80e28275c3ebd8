"""Fault-injection scripts (issue: nothing lost, nothing twice, at any hour).

Each part is a script run against real processes (a served app, `mpp worker`s, a private
redis-server, a scratch database) that injects one kind of fault and checks that nothing
was lost, nothing done twice and no request answered 500. `python -m bench.faults`
runs every part (`--short` for CI) and fails when any part does.
"""
