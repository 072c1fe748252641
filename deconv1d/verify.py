"""Verifying another framework's output against the reference: the public path of :mod:`deconv1d.frameworks.verify`.

The implementation lives in ``deconv1d/frameworks/verify.py``; this module keeps
``deconv1d.verify`` working as the README shows it.
"""

from .frameworks.verify import *  # noqa: F401,F403
from .frameworks.verify import __all__  # noqa: F401
