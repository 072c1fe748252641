"""Keras constraints: the public path of :mod:`deconv1d.layers.constraints`.

The implementation lives in ``deconv1d/layers/constraints.py``; this module keeps
``deconv1d.constraints`` working as the README shows it.
"""

from .layers.constraints import *  # noqa: F401,F403
from .layers.constraints import __all__  # noqa: F401
