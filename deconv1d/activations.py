"""Keras activations: the public path of :mod:`deconv1d.layers.activations`.

The implementation lives in ``deconv1d/layers/activations.py``; this module keeps
``deconv1d.activations`` working as the README shows it.
"""

from .layers.activations import *  # noqa: F401,F403
from .layers.activations import __all__  # noqa: F401
