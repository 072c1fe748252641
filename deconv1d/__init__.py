"""deconv1d: a pure-NumPy, float64-exact reference for the 1-D transposed convolution.

The operation behind Keras ``Conv1DTranspose``, PyTorch ``ConvTranspose1d``,
ONNX ``ConvTranspose`` and JAX ``lax.conv_transpose``.
"""

from . import reference, shapes
from .functional import conv1d_transpose
from .shapes import output_length

__version__ = "0.1.0"

__all__ = ["conv1d_transpose", "output_length", "reference", "shapes"]
