"""Verifying another framework's output against the reference: the public path of :mod:`deconv1d.frameworks.verify`.

The implementation lives in ``deconv1d/frameworks/verify.py`` (one layer's output)
and ``deconv1d/frameworks/models.py`` (every transposed convolution of a PyTorch,
Keras or ONNX model: ``torch_model``, ``keras_model``, ``onnx_model``,
``compare_models``); this module keeps ``deconv1d.verify`` working as the README
shows it.
"""

from .frameworks.verify import *  # noqa: F401,F403
from .frameworks.verify import __all__ as _one_layer
from .frameworks.models import (  # noqa: F401
    LayerCheck,
    ModelReport,
    compare_models,
    keras_model,
    onnx_model,
    torch_model,
)

__all__ = [*_one_layer, "LayerCheck", "ModelReport", "compare_models", "keras_model",
           "onnx_model", "torch_model"]
