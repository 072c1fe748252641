"""Convolution arithmetic, explained: the public path of :mod:`deconv1d.teaching.explain`.

The implementation lives in ``deconv1d/teaching/explain.py``; this module keeps
``deconv1d.explain`` working as the README shows it.
"""

from .teaching.explain import *  # noqa: F401,F403
from .teaching.explain import __all__  # noqa: F401
