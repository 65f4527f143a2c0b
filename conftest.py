"""Hypothesis profiles for every test directory.

The suite's verdict is reproducible: each property test draws the same examples on every run of the
same code (`derandomize`, seeded from the test itself), so the same commit always gets the same
verdict and a CI failure fails again on a rerun. Random draws find what the fixed ones miss, so run
them before landing a change to code a property test covers:

    .venv/bin/python -m pytest -q -p no:cacheprovider -m hypothesis --hypothesis-profile=explore

(`--hypothesis-seed=N` picks the draws; rerun with it to see a failure again.)
"""

from hypothesis import settings

settings.register_profile("reproducible", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("reproducible")  # `--hypothesis-profile` on the command line loads another
