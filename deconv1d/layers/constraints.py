"""Keras-named weight constraints: ``weights -> projected weights``.

Keras applies a layer's constraints to its weights after each optimizer update;
``Conv1DTranspose.apply_constraints()`` does the same here.  Each constraint
returns a new array and leaves its input alone.

Norms are taken along ``axis`` (default 0, Keras's default: for a ``(K, F,
C_in)`` kernel that is the norm over the ``K`` taps of each ``(f, c)`` pair; use
``axis=[0, 2]`` for the norm of each output filter's whole kernel).
``epsilon = 1e-7`` (Keras's ``backend.epsilon()``) keeps zero vectors at zero.
"""

from __future__ import annotations

from typing import Any, Callable, Union

import numpy as np
import numpy.typing as npt

from . import _keras
from ._keras import as_float, snake_case

__all__ = [
    "CONSTRAINTS",
    "EPSILON",
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "check_axis",
    "check_axis_fits",
    "get",
    "serialize",
]

EPSILON = 1e-7

#: An ``axis`` argument: one axis, several (a list or tuple), or ``None`` for all.
Axis = Union[int, list[int], tuple[int, ...], None]


def _axis(axis: Axis) -> int | tuple[int, ...] | None:
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def check_axis(axis: Any) -> Axis:
    """``axis`` if it is an int, a list or tuple of ints, or None; else a TypeError."""
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if axis is not None and not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in items):
        raise TypeError(
            f"`axis` must be an int, a list of ints or None. Received: axis={axis!r}")
    return axis


def check_axis_fits(constraint: Any, ndim: int, weight: str) -> None:
    """Refuse a constraint whose ``axis`` a weight of rank ``ndim`` does not have.

    Called when a layer creates its weights, so that a bad axis is reported
    before any training step.

    Examples
    --------
    >>> check_axis_fits(MaxNorm(axis=5), 3, "kernel")
    Traceback (most recent call last):
    ...
    ValueError: `kernel_constraint` MaxNorm has axis=5, but the kernel has rank 3 (axes -3 to 2). Received: axis=5
    """
    axis = getattr(constraint, "axis", None)
    if axis is None:
        return
    for a in (axis if isinstance(axis, (list, tuple)) else [axis]):
        if not -ndim <= a < ndim:
            raise ValueError(
                f"`{weight}_constraint` {type(constraint).__name__} has axis={axis!r}, but "
                f"the {weight} has rank {ndim} (axes {-ndim} to {ndim - 1}). "
                f"Received: axis={axis!r}")


def _norms(w: np.ndarray, axis: Axis) -> np.ndarray:
    return np.sqrt(np.sum(np.square(w), axis=_axis(axis), keepdims=True))


class Constraint(_keras.Serializable):
    """Base class: ``c(w) -> w'``; ``get_config``/``from_config`` as in Keras."""

    def __call__(self, w: npt.ArrayLike) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class MaxNorm(Constraint):
    """Rescale slices whose norm exceeds ``max_value`` down to ``max_value``.

    ``w * clip(n, 0, max_value) / (epsilon + n)`` with ``n`` the norm along ``axis``.

    Examples
    --------
    >>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).round(6)
    array([[0.6],
           [0.8]])
    """

    def __init__(self, max_value: float = 2, axis: Axis = 0) -> None:
        self.max_value = _keras.check_number("max_value", max_value, 0)
        self.axis = check_axis(axis)

    def __call__(self, w: npt.ArrayLike) -> np.ndarray:
        w = as_float(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Pull slice norms into ``[min_value, max_value]`` at ``rate``.

    ``w * (rate * clip(n, min, max) + (1 - rate) * n) / (epsilon + n)``.

    Examples
    --------
    >>> MinMaxNorm(2.0, 3.0)(np.array([[0.6], [0.8]])).round(6)
    array([[1.2],
           [1.6]])
    """

    def __init__(self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0,
                 axis: Axis = 0) -> None:
        self.min_value = _keras.check_number("min_value", min_value, 0)
        self.max_value = _keras.check_number("max_value", max_value, 0)
        if self.max_value < self.min_value:
            raise ValueError(
                "`max_value` must be >= `min_value`. "
                f"Received: min_value={min_value!r}, max_value={max_value!r}"
            )
        self.rate = _keras.check_number("rate", rate, 0)
        self.axis = check_axis(axis)

    def __call__(self, w: npt.ArrayLike) -> np.ndarray:
        w = as_float(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Zero the negative entries: ``w * (w >= 0)``.

    Examples
    --------
    >>> NonNeg()(np.array([-1.0, 2.0]))
    array([-0.,  2.])
    """

    def __call__(self, w: npt.ArrayLike) -> np.ndarray:
        w = as_float(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Divide each slice by its norm along ``axis``: ``w / (epsilon + n)``.

    Examples
    --------
    >>> UnitNorm()(np.array([[3.0], [4.0]])).round(6)
    array([[0.6],
           [0.8]])
    """

    def __init__(self, axis: Axis = 0) -> None:
        self.axis = check_axis(axis)

    def __call__(self, w: npt.ArrayLike) -> np.ndarray:
        w = as_float(w)
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


_CLASSES = [MaxNorm, MinMaxNorm, NonNeg, UnitNorm]

#: Names :func:`get` accepts (Keras's snake_case names, the Keras 2 legacy
#: ``maxnorm``/``nonneg``/``unitnorm``, and the class names).
CONSTRAINTS = {snake_case(c.__name__): c for c in _CLASSES}
CONSTRAINTS.update({"maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm})
CONSTRAINTS.update({c.__name__: c for c in _CLASSES})


def get(identifier: Any, *, argument: str = "constraint") -> Callable[..., Any] | None:
    """Return a constraint for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, callable or None
        A name from :data:`CONSTRAINTS`, a Keras 2 or Keras 3 serialization dict,
        or a callable ``weights -> weights`` (returned as it is).
    argument : str, default "constraint"
        The argument name used in error messages.

    Returns
    -------
    callable or None

    Examples
    --------
    >>> get("max_norm")
    MaxNorm(max_value=2, axis=0)
    >>> get({"class_name": "UnitNorm", "config": {"axis": [0, 2]}})
    UnitNorm(axis=[0, 2])
    """
    return _keras.get(identifier, CONSTRAINTS, "constraint", argument)


def serialize(constraint: Any) -> dict[str, Any] | str | None:
    """Keras 2 serialization ``{'class_name': ..., 'config': {...}}``.

    Examples
    --------
    >>> serialize(NonNeg())
    {'class_name': 'NonNeg', 'config': {}}
    """
    return _keras.serialize(constraint, Constraint)
