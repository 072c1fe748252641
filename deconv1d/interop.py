"""Translating other frameworks' arguments and weight layouts: the public path of :mod:`deconv1d.frameworks.interop`.

The implementation lives in ``deconv1d/frameworks/interop.py``; this module keeps
``deconv1d.interop`` working as the README shows it.
"""

from .frameworks.interop import *  # noqa: F401,F403
from .frameworks.interop import __all__  # noqa: F401
