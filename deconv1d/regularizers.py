"""Keras regularizers: the public path of :mod:`deconv1d.layers.regularizers`.

The implementation lives in ``deconv1d/layers/regularizers.py``; this module keeps
``deconv1d.regularizers`` working as the README shows it.
"""

from .layers.regularizers import *  # noqa: F401,F403
from .layers.regularizers import __all__  # noqa: F401
