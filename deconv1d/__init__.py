"""deconv1d: a pure-NumPy, float64-exact reference for the 1-D transposed convolution.

The operation behind Keras ``Conv1DTranspose``, PyTorch ``ConvTranspose1d``,
ONNX ``ConvTranspose`` and JAX ``lax.conv_transpose``.

The package has four folders, one for each concern: ``core/`` (the operation),
``layers/`` (the Keras-compatible layer), ``frameworks/`` (other frameworks'
conventions and the verifier) and ``teaching/`` (explain and its pictures).
``reference.py`` holds the slow, obvious oracles and depends on nothing else here.
"""

#: The package version, written only here: pyproject.toml reads it
#: (``[tool.setuptools.dynamic]``) and ``deconv1d --version`` prints it.
__version__ = "0.1.0"

from . import reference, shapes
from .core.conv import conv1d
from .core.vjp import conv1d_transpose_vjp
from .core.geometry import output_length
from .core.stream import Conv1DTransposeStream
from .core.transpose import conv1d_transpose
from . import activations, constraints, initializers, regularizers
from .layers.conv1d_transpose import Conv1DTranspose, Convolution1DTranspose
from . import explain, interop, verify


__all__ = ["Conv1DTranspose", "Conv1DTransposeStream", "Convolution1DTranspose",
           "activations", "constraints", "conv1d", "conv1d_transpose",
           "conv1d_transpose_vjp", "explain", "initializers", "interop",
           "output_length", "reference", "regularizers", "shapes", "verify"]
