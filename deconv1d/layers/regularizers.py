"""Keras-named weight regularizers: ``weights -> scalar penalty``.

A regularizer is any callable taking an array and returning a scalar; the layer
lists its values in ``layer.losses``.  The penalty factors are cast to the
weights' dtype before multiplying, as Keras 2 stores them as floatx (so a
float32 kernel gives the float32 penalty Keras reports).

Defaults follow Keras: ``L1(l1=0.01)``, ``L2(l2=0.01)``; the class ``L1L2()``
defaults to ``l1=0, l2=0`` while the name ``"l1_l2"`` (Keras 2) means
``L1L2(l1=0.01, l2=0.01)``.  Keras 3 spells that name ``"l1l2"`` and, quirk
reproduced, builds ``L1L2()`` from it (both factors 0).

Each built-in regularizer also has ``gradient(w)``, the gradient of its
penalty, ``l1 * sign(w) + 2 * l2 * w`` (``sign(0) = 0``, as TensorFlow's
``abs``); :func:`regularizer_gradient` asks any regularizer for it.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from . import _keras
from ._keras import as_float

__all__ = [
    "L1",
    "L1L2",
    "L2",
    "REGULARIZERS",
    "Regularizer",
    "get",
    "l1_l2",
    "regularizer_gradient",
    "serialize",
]


def _check_factor(name: str, value: Any) -> float:
    return float(_keras.check_number(name, value, 0, what="a finite penalty factor"))


def _penalty_gradient(w: npt.ArrayLike, l1: float, l2: float) -> np.ndarray:
    """``l1 * sign(w) + 2 * l2 * w`` in ``w``'s floating dtype; a zero factor adds nothing."""
    w = as_float(w)
    grad = np.zeros_like(w)
    if l1:
        grad = grad + np.asarray(l1, w.dtype) * np.sign(w)
    if l2:
        grad = grad + np.asarray(2 * l2, w.dtype) * w
    return grad


class Regularizer(_keras.Serializable):
    """Base class: ``reg(weights) -> scalar``; ``get_config``/``from_config`` as in Keras.

    A subclass that defines ``gradient(w) -> ndarray`` (shape of ``w``) can be
    differentiated by :func:`regularizer_gradient` and ``Conv1DTranspose.backward``.
    """

    def __call__(self, x: npt.ArrayLike) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


class L1(Regularizer):
    """``l1 * sum(abs(x))``.

    Parameters
    ----------
    l1 : float, default 0.01

    Examples
    --------
    >>> float(L1(0.5)(np.array([1.0, -2.0])))
    1.5
    """

    def __init__(self, l1: float = 0.01, **kwargs: Any) -> None:
        l1 = kwargs.pop("l", l1)   # Keras 2 accepts the old name `l`.
        if kwargs:
            raise TypeError(f"Unknown argument(s) for L1: {sorted(kwargs)}")
        self.l1 = _check_factor("l1", l1)

    def __call__(self, x: npt.ArrayLike) -> Any:
        x = as_float(x)
        return np.asarray(self.l1, dtype=x.real.dtype) * np.sum(np.abs(x))

    def gradient(self, w: npt.ArrayLike) -> np.ndarray:
        """Gradient of the penalty with respect to ``w`` (shape of ``w``).

        Examples
        --------
        >>> L1(0.5).gradient(np.array([-2.0, 0.0, 3.0]))
        array([-0.5,  0. ,  0.5])
        """
        return _penalty_gradient(w, self.l1, 0.0)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


class L2(Regularizer):
    """``l2 * sum(x ** 2)``.

    Parameters
    ----------
    l2 : float, default 0.01

    Examples
    --------
    >>> float(L2(0.5)(np.array([1.0, -2.0])))
    2.5
    """

    def __init__(self, l2: float = 0.01, **kwargs: Any) -> None:
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Unknown argument(s) for L2: {sorted(kwargs)}")
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x: npt.ArrayLike) -> Any:
        x = as_float(x)
        return np.asarray(self.l2, dtype=x.real.dtype) * np.sum(np.abs(x) ** 2)

    def gradient(self, w: npt.ArrayLike) -> np.ndarray:
        """Gradient of the penalty with respect to ``w`` (shape of ``w``).

        Examples
        --------
        >>> L2(0.5).gradient(np.array([-2.0, 3.0]))
        array([-2.,  3.])
        """
        return _penalty_gradient(w, 0.0, self.l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


class L1L2(Regularizer):
    """``l1 * sum(abs(x)) + l2 * sum(x ** 2)`` (a term is skipped when its factor is 0).

    Parameters
    ----------
    l1, l2 : float, default 0.0

    Examples
    --------
    >>> float(L1L2(l1=1.0, l2=1.0)(np.array([1.0, -2.0])))
    8.0
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = _check_factor("l1", l1)
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x: npt.ArrayLike) -> Any:
        x = as_float(x)
        dtype = x.real.dtype
        penalty = np.asarray(0.0, dtype=dtype)
        if self.l1:
            penalty = penalty + np.asarray(self.l1, dtype=dtype) * np.sum(np.abs(x))
        if self.l2:
            penalty = penalty + np.asarray(self.l2, dtype=dtype) * np.sum(np.abs(x) ** 2)
        return penalty[()]

    def gradient(self, w: npt.ArrayLike) -> np.ndarray:
        """Gradient of the penalty with respect to ``w`` (shape of ``w``).

        Examples
        --------
        >>> L1L2(l1=0.1, l2=1.0).gradient(np.array([-1.0, 0.0, 2.0]))
        array([-2.1,  0. ,  4.1])
        """
        return _penalty_gradient(w, self.l1, self.l2)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


def l1_l2(l1: float = 0.01, l2: float = 0.01) -> L1L2:
    """``L1L2(l1, l2)`` with Keras 2's function defaults (0.01 each).

    Examples
    --------
    >>> l1_l2()
    L1L2(l1=0.01, l2=0.01)
    """
    return L1L2(l1=l1, l2=l2)


#: Names :func:`get` accepts, mapped to the class built with default arguments.
REGULARIZERS: dict[str, Callable[..., Regularizer]] = {
    "l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier: Any, *, argument: str = "regularizer") -> Callable[..., Any] | None:
    """Return a regularizer for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, callable or None
        ``"l1"``, ``"l2"``, ``"l1_l2"`` (Keras 2), ``"l1l2"`` (Keras 3), a class
        name, a Keras 2 or Keras 3 serialization dict, or a callable
        ``weights -> scalar`` (returned as it is).
    argument : str, default "regularizer"
        The argument name used in error messages.

    Returns
    -------
    callable or None

    Examples
    --------
    >>> get("l2")
    L2(l2=0.01)
    >>> get({"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.1}})
    L1L2(l1=0.0, l2=0.1)
    """
    return _keras.get(identifier, REGULARIZERS, "regularizer", argument)


def serialize(regularizer: Any) -> dict[str, Any] | str | None:
    """Keras 2 serialization ``{'class_name': ..., 'config': {...}}``.

    Examples
    --------
    >>> serialize(L2())
    {'class_name': 'L2', 'config': {'l2': 0.01}}
    """
    return _keras.serialize(regularizer, Regularizer)


def regularizer_gradient(regularizer: Callable[..., Any], w: npt.ArrayLike) -> np.ndarray:
    """Gradient of a regularizer's penalty with respect to the weights, by its ``gradient``.

    Parameters
    ----------
    regularizer : L1, L2, L1L2, or any callable with ``gradient(w)``
    w : array_like, any shape

    Returns
    -------
    ndarray, shape of ``w``

    Raises
    ------
    TypeError
        For a regularizer without a ``gradient`` method.

    Examples
    --------
    >>> regularizer_gradient(L1L2(l1=0.1, l2=1.0), np.array([-1.0, 0.0, 2.0]))
    array([-2.1,  0. ,  4.1])
    """
    gradient = getattr(regularizer, "gradient", None)
    if not callable(gradient):
        raise TypeError(
            "The gradient of this regularizer is not known: use L1, L2, L1L2 "
            "(deconv1d.regularizers) or give the callable a `gradient(w)` attribute. "
            f"Received: regularizer={regularizer!r}"
        )
    return np.asarray(gradient(np.asarray(w)))
