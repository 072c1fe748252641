"""Settings shared by the whole suite.

Hypothesis: the default profile here has no per-example deadline (the suite runs
on shared, loaded machines, where a deadline measures the machine, not the code;
speed is the benchmarks' business) and prints the blob that replays a failing
example.  Tests still choose their own ``max_examples``.
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "deconv1d", deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("deconv1d")

#: Helper modules of the tests, not tests: ``hifigan.py`` builds a PyTorch model and
#: imports torch, which is optional (the tests that use it skip without it).
collect_ignore = ["hifigan.py"]
