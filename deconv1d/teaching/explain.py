"""Every teaching view of one 1-D transposed convolution at once.

Give the geometry the way Keras does (``length, kernel_size, stride, padding,
output_padding, dilation``; ``padding`` may also be a PyTorch-style int or an
ONNX-style pair of crops) and each view returns a small data object whose
``str()`` is meant for people and whose attributes are meant for notebooks and
tests.  One module a view:

- :mod:`.walkthrough`: :func:`~deconv1d.explain.shape`, the length arithmetic
  line by line, with :mod:`.relationships` (which Relationship of the guide it is)
  and :mod:`.arguments` (how Keras, PyTorch and ONNX are asked for it);
- :mod:`.connectivity`: :func:`~deconv1d.explain.connectivity` and
  :func:`~deconv1d.explain.inputs_of`, which ``(input i, tap k)`` pairs reach every
  output, the overlap counts and the checkerboard pattern;
- :mod:`.matrices`: ``C`` and ``C^T`` with symbolic entries, checked numerically;
- :mod:`.direct`: the equivalent stride-1 convolution (zero insertion, padding,
  flipped kernel), checked numerically;
- :mod:`.drawing`: :func:`~deconv1d.explain.draw`, a strip drawing for an
  80-column terminal;
- :mod:`.plot`: pictures and animations with matplotlib;
- :mod:`.stacked`: :func:`~deconv1d.explain.stacked`, overlap compounding through
  stacked layers, against resize-then-convolve;
- this module: :func:`explain`, all of the text views.

:mod:`.text` and :mod:`.request` hold what the views share.  The public path of
all of them is :mod:`deconv1d.explain`.

The one fact behind every view: input ``i`` and tap ``k`` land on position
``t = i*s + k*d`` of the full scatter, and output ``o`` is position
``t = o + crop_left``.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, section 4 (Relationships 8-14) and Relationship 15 (dilation).
A. Odena, V. Dumoulin and C. Olah, "Deconvolution and Checkerboard Artifacts",
Distill, 2016.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy.typing as npt

from .connectivity import Connectivity, connectivity
from .direct import Direct, direct
from .drawing import Drawing, draw
from .matrices import Matrices, matrices
from .request import Padding
from .text import COLUMNS, html_pre
from .walkthrough import ShapeWalkthrough, shape

__all__ = ["Explanation", "explain"]


@dataclass(frozen=True)
class Explanation:
    """All five views of one geometry.

    Attributes
    ----------
    shape : ShapeWalkthrough
    connectivity : Connectivity
    matrices : Matrices
    direct : Direct
    drawing : Drawing
    """

    shape: ShapeWalkthrough
    connectivity: Connectivity
    matrices: Matrices
    direct: Direct
    drawing: Drawing

    def __str__(self) -> str:
        parts = [self.shape, self.drawing, self.connectivity, self.matrices, self.direct]
        rule = "-" * COLUMNS
        return f"\n{rule}\n".join(str(p) for p in parts)

    def _repr_html_(self) -> str:
        return html_pre(str(self))


def explain(length: int, kernel_size: int, stride: int = 1, padding: Padding = "valid",
            output_padding: int | None = None, dilation: int = 1, *,
            x: npt.ArrayLike | None = None, w: npt.ArrayLike | None = None) -> Explanation:
    """Every teaching view of one transposed convolution.

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`deconv1d.explain.shape`.
    x : array_like, shape (L,), (L, C_in) or (N, L, C_in), optional
    w : array_like, shape (K,) or (K, C_out, C_in), optional
        Your numbers: the connectivity, matrix and direct views then show them.

    Returns
    -------
    Explanation
        ``str()`` of it prints the walkthrough, the drawing, the connectivity, the
        matrices and the direct convolution, separated by rules.

    References
    ----------
    arXiv:1603.07285, section 4.

    Examples
    --------
    >>> e = explain(3, 3, stride=2, padding="same")
    >>> e.shape.geometry.output_length, e.matrices.agree, e.direct.agree
    (6, True, True)
    >>> explain(3, 3, 2, "same", x=[1, 2, 3], w=[1, 0.5, -1]).connectivity.y.tolist()
    [1.0, 0.5, 1.0, 1.0, 1.0, 1.5]
    >>> explain(3, 3, 2, "same")._repr_html_().startswith("<pre")
    True
    """
    args = (length, kernel_size, stride, padding, output_padding, dilation)
    return Explanation(shape=shape(*args), connectivity=connectivity(*args, x=x, w=w),
                       matrices=matrices(*args, x=x, w=w), direct=direct(*args, x=x, w=w),
                       drawing=draw(*args))
