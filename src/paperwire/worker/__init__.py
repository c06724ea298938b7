"""`paperwire worker`: the job table (jobs.py), the runner (runner.py) and the library
calls every job, CLI command and the demo share (tasks.py)."""
