"""Moves a test's child process onto the test's moved clock (see tests/clock.py).

Python imports `sitecustomize` at start-up from PYTHONPATH; tests.clock.subprocess_env()
puts this directory there only when the test process's clock is moved, with the offset
in MPP_TEST_CLOCK_SHIFT. The child's clock then runs at real time plus that offset.
"""

import os

_shift = os.environ.get("MPP_TEST_CLOCK_SHIFT")
if _shift:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_shift), tick=True).start()
    time.time()  # the moved clock starts running now, not at its first reading
