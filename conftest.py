"""Collection rules for the whole tree (the suite's own settings are in tests/conftest.py).

``deconv1d/dask.py`` needs the optional extra ``deconv1d[dask]``; without it
its doctests are not collected (``tests/test_dask.py`` skips, saying why).
"""

try:
    import dask.array  # noqa: F401
    collect_ignore = []
except ImportError:
    collect_ignore = ["deconv1d/dask.py"]
