"""Keras-named weight regularizers: ``weights -> scalar penalty``.

A regularizer is any callable taking an array and returning a scalar; the layer
lists its values in ``layer.losses``.  The penalty factors are cast to the
weights' dtype before multiplying, as Keras 2 stores them as floatx (so a
float32 kernel gives the float32 penalty Keras reports).

Defaults follow Keras: ``L1(l1=0.01)``, ``L2(l2=0.01)``; the class ``L1L2()``
defaults to ``l1=0, l2=0`` while the name ``"l1_l2"`` (Keras 2) means
``L1L2(l1=0.01, l2=0.01)``.  Keras 3 spells that name ``"l1l2"`` and, quirk
reproduced, builds ``L1L2()`` from it (both factors 0).
"""

from __future__ import annotations

import numpy as np

from . import _keras

__all__ = ["REGULARIZERS", "Regularizer", "L1", "L2", "L1L2", "l1_l2", "get", "serialize"]


def _check_factor(name, value):
    return float(_keras.check_number(name, value, 0, what="a finite penalty factor"))


def _float(x):
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    return x


class Regularizer(_keras.Serializable):
    """Base class: ``reg(weights) -> scalar``; ``get_config``/``from_config`` as in Keras."""

    def __call__(self, x):  # pragma: no cover - abstract
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

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)   # Keras 2 accepts the old name `l`.
        if kwargs:
            raise TypeError(f"Unknown argument(s) for L1: {sorted(kwargs)}")
        self.l1 = _check_factor("l1", l1)

    def __call__(self, x):
        x = _float(x)
        return np.asarray(self.l1, dtype=x.real.dtype) * np.sum(np.abs(x))

    def get_config(self):
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

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Unknown argument(s) for L2: {sorted(kwargs)}")
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        x = _float(x)
        return np.asarray(self.l2, dtype=x.real.dtype) * np.sum(np.abs(x) ** 2)

    def get_config(self):
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

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("l1", l1)
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        x = _float(x)
        dtype = x.real.dtype
        penalty = np.asarray(0.0, dtype=dtype)
        if self.l1:
            penalty = penalty + np.asarray(self.l1, dtype=dtype) * np.sum(np.abs(x))
        if self.l2:
            penalty = penalty + np.asarray(self.l2, dtype=dtype) * np.sum(np.abs(x) ** 2)
        return penalty[()]

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1_l2(l1=0.01, l2=0.01):
    """``L1L2(l1, l2)`` with Keras 2's function defaults (0.01 each).

    Examples
    --------
    >>> l1_l2()
    L1L2(l1=0.01, l2=0.01)
    """
    return L1L2(l1=l1, l2=l2)


#: Names :func:`get` accepts, mapped to the class built with default arguments.
REGULARIZERS: dict[str, object] = {"l1": L1, "l2": L2, "l1_l2": l1_l2, "l1l2": L1L2,
                "L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier, *, argument="regularizer"):
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


def serialize(regularizer):
    """Keras 2 serialization ``{'class_name': ..., 'config': {...}}``.

    Examples
    --------
    >>> serialize(L2())
    {'class_name': 'L2', 'config': {'l2': 0.01}}
    """
    return _keras.serialize(regularizer, Regularizer)
