"""Keras initializers: the public path of :mod:`deconv1d.layers.initializers`.

The implementation lives in ``deconv1d/layers/initializers.py``; this module keeps
``deconv1d.initializers`` working as the README shows it.
"""

from .layers.initializers import *  # noqa: F401,F403
from .layers.initializers import __all__  # noqa: F401
