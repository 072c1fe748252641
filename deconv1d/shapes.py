"""Integer arithmetic of the 1-D transposed convolution: the public path of :mod:`deconv1d.core.geometry`.

The implementation lives in ``deconv1d/core/geometry.py``; this module keeps
``deconv1d.shapes`` working as the README shows it.
"""

from .core.geometry import *  # noqa: F401,F403
from .core.geometry import __all__  # noqa: F401
