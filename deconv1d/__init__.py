"""deconv1d: a pure-NumPy, float64-exact reference for the 1-D transposed convolution.

The operation behind Keras ``Conv1DTranspose``, PyTorch ``ConvTranspose1d``,
ONNX ``ConvTranspose`` and JAX ``lax.conv_transpose``.
"""

from . import explain, reference, shapes
from .adjoint import conv1d, conv1d_transpose_vjp
from .functional import conv1d_transpose
from . import activations, constraints, initializers, regularizers
from . import interop, verify
from .layer import Conv1DTranspose, Convolution1DTranspose
from .shapes import output_length
from .stream import Conv1DTransposeStream

__version__ = "0.1.0"

__all__ = ["Conv1DTransposeStream", "interop", "verify", "Conv1DTranspose", "Convolution1DTranspose", "activations", "constraints",
           "initializers", "regularizers", "conv1d", "conv1d_transpose",
           "conv1d_transpose_vjp", "explain", "output_length", "reference", "shapes"]
