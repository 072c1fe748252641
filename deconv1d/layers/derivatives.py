"""Derivatives of the Keras activations and regularizers, for ``Conv1DTranspose.backward``.

(Moved out of the core; the architecture issue puts each derivative beside its function.)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from . import activations as act
from . import regularizers as reg

__all__ = ["activation_vjp", "regularizer_gradient"]


# --------------------------------------------------------------------------- #
# Derivatives of the Keras activations and regularizers (for layer.backward). #
# --------------------------------------------------------------------------- #
_erf = np.frompyfunc(math.erf, 1, 1)
_SQRT_HALF = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_GELU_C = 0.7978845608028654          # sqrt(2 / pi), as in activations.gelu


def _relu_prime(x, alpha=0.0, max_value=None, threshold=0.0, *, negative_slope=None):
    # Mirrors activations.relu: y = clip(x * (x > t), 0, max) - alpha * max(t - x, 0).
    if negative_slope is not None:
        alpha = negative_slope
    inside = x > (threshold if threshold != 0 else 0)
    if max_value is not None:
        inside &= (x > 0) & (x < max_value)
    slope = inside.astype(x.dtype)
    if alpha != 0.0:
        slope += alpha * (x < threshold)
    return slope


def _leaky_relu_prime(x, alpha=0.2, *, negative_slope=None):
    alpha = alpha if negative_slope is None else negative_slope
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


def _elu_prime(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


def _gelu_prime(x, approximate=False):
    if approximate:
        t = np.tanh(_GELU_C * (x + 0.044715 * x ** 3))
        return (0.5 * (1 + t)
                + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * 0.044715 * x ** 2))
    wide = x.astype(np.float64)
    cdf = 0.5 * (1 + np.asarray(_erf(wide * _SQRT_HALF), dtype=np.float64))
    return (cdf + wide * _INV_SQRT_2PI * np.exp(-0.5 * wide * wide)).astype(x.dtype)


def _band(x, lo, hi, value):
    """``value`` strictly inside ``(lo, hi)``, 0 outside (slope of a clip)."""
    return np.where((x > lo) & (x < hi), value, 0.0).astype(x.dtype)


def _mish_prime(x):
    t = np.tanh(act.softplus(x))
    return t + x * (1 - t * t) * act.sigmoid(x)


def _squareplus_prime(x, b=4):
    return 0.5 * (1 + x / np.sqrt(x * x + b))


def _shrink_prime(x, threshold=0.5):
    return (np.abs(x) > threshold).astype(x.dtype)


def _threshold_prime(x, threshold, default_value):
    return (x > threshold).astype(x.dtype)


#: Elementwise activations: ``f'(x)``, same keyword arguments as ``f``.
_PRIMES = {
    act.linear: lambda x: np.ones_like(x),
    act.relu: _relu_prime,
    act.leaky_relu: _leaky_relu_prime,
    act.relu6: lambda x: _band(x, 0, 6, 1.0),
    act.elu: _elu_prime,
    act.selu: lambda x: act.SELU_SCALE * _elu_prime(x, act.SELU_ALPHA),
    act.softplus: act.sigmoid,
    act.softsign: lambda x: 1 / (1 + np.abs(x)) ** 2,
    act.sigmoid: lambda x: act.sigmoid(x) * act.sigmoid(-x),
    act.swish: lambda x: act.sigmoid(x) * (1 + x * act.sigmoid(-x)),
    act.gelu: _gelu_prime,
    act.tanh: lambda x: 1 - np.tanh(x) ** 2,
    act.exponential: np.exp,
    act.hard_sigmoid: lambda x: _band(x, -2.5, 2.5, 0.2),
    act.hard_sigmoid_keras3: lambda x: _band(x, -3, 3, 1 / 6),
    act.mish: _mish_prime,
    act.celu: lambda x, alpha=1.0: np.where(
        x > 0, 1.0, np.exp(np.minimum(x, 0) / alpha)).astype(x.dtype),
    act.squareplus: _squareplus_prime,
    act.soft_shrink: _shrink_prime,
    act.hard_shrink: _shrink_prime,
    act.sparse_plus: lambda x: np.where(
        x <= -1, 0.0, np.where(x < 1, 0.5 * (x + 1), 1.0)).astype(x.dtype),
    act.sparse_sigmoid: lambda x: _band(x, -1, 1, 0.5),
    act.tanh_shrink: lambda x: np.tanh(x) ** 2,
    act.hard_tanh: lambda x: _band(x, -1, 1, 1.0),
    act.hard_silu: lambda x: act.hard_sigmoid_keras3(x) + x * _band(x, -3, 3, 1 / 6),
    act.log_sigmoid: lambda x: act.sigmoid(-x),
    act.threshold: _threshold_prime,
}


def _softmax_vjp(x, dy, axis=-1):
    y = act.softmax(x, axis=axis)
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


def _log_softmax_vjp(x, dy, axis=-1):
    return dy - act.softmax(x, axis=axis) * np.sum(dy, axis=axis, keepdims=True)


def _glu_vjp(x, dy, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    sb = act.sigmoid(b)
    return np.concatenate([dy * sb, dy * a * sb * act.sigmoid(-b)], axis=axis)


def _sparsemax_vjp(x, dy, axis=-1):
    support = (act.sparsemax(x, axis=axis) > 0).astype(x.dtype)
    mean = np.sum(dy * support, axis=axis, keepdims=True) / np.sum(
        support, axis=axis, keepdims=True)
    return support * (dy - mean)


#: Activations that mix positions along an axis: ``vjp(x, dy, **kwargs)``.
_VJPS = {
    act.softmax: _softmax_vjp,
    act.log_softmax: _log_softmax_vjp,
    act.glu: _glu_vjp,
    act.sparsemax: _sparsemax_vjp,
}


def activation_vjp(activation, x, dy):
    """Gradient through a Keras activation: ``dx = J_f(x)^T dy``, by exact formulas.

    Parameters
    ----------
    activation : callable
        A function of :mod:`deconv1d.activations` (or a ``functools.partial`` of
        one with keyword arguments, as :func:`deconv1d.activations.get` builds
        from a config), or any callable with a ``vjp(x, dy)`` attribute.
    x : ndarray, any shape
        The activation's input (pre-activation).
    dy : ndarray, shape of ``x``
        Gradient with respect to the activation's output.

    Returns
    -------
    ndarray, shape of ``x``

    Raises
    ------
    TypeError
        For a callable whose derivative is not known.

    Notes
    -----
    At kinks (``relu`` at its threshold, the ends of a clip) the slope of the
    side Keras's TensorFlow gradient takes is used: 0 at the kink of ``relu``,
    0 at the ends of ``hard_sigmoid``'s ramp.

    Examples
    --------
    >>> from deconv1d import activations
    >>> activation_vjp(activations.tanh, np.array([0.0, 1.0]), np.ones(2)).round(6)
    array([1.      , 0.419974])
    >>> activation_vjp(activations.get("relu"), np.array([-1.0, 2.0]), np.ones(2))
    array([0., 1.])
    """
    fn, args, kwargs = activation, (), {}
    if isinstance(activation, functools.partial):
        fn, args, kwargs = activation.func, activation.args, activation.keywords
    x = np.asarray(x)
    dy = np.asarray(dy)
    if fn in _VJPS:
        return _VJPS[fn](x, dy, *args, **kwargs)
    if fn in _PRIMES:
        return dy * _PRIMES[fn](x, *args, **kwargs)
    if callable(getattr(activation, "vjp", None)):
        return activation.vjp(x, dy)
    raise TypeError(
        "The derivative of this activation is not known: use a Keras activation "
        "(deconv1d.activations) or give the callable a `vjp(x, dy)` attribute. "
        f"Received: activation={activation!r}"
    )


def regularizer_gradient(regularizer, w):
    """Gradient of a Keras regularizer's penalty with respect to the weights.

    Parameters
    ----------
    regularizer : deconv1d.regularizers.L1, L2 or L1L2, or callable with ``gradient(w)``
    w : ndarray, any shape

    Returns
    -------
    ndarray, shape of ``w``
        ``l1 * sign(w) + 2 * l2 * w`` (``sign(0) = 0``, as TensorFlow's ``abs``).

    Examples
    --------
    >>> from deconv1d.regularizers import L1L2
    >>> regularizer_gradient(L1L2(l1=0.1, l2=1.0), np.array([-1.0, 0.0, 2.0]))
    array([-2.1,  0. ,  4.1])
    """
    w = np.asarray(w)
    l1 = l2 = 0.0
    if isinstance(regularizer, reg.L1):
        l1 = regularizer.l1
    elif isinstance(regularizer, reg.L2):
        l2 = regularizer.l2
    elif isinstance(regularizer, reg.L1L2):
        l1, l2 = regularizer.l1, regularizer.l2
    elif callable(getattr(regularizer, "gradient", None)):
        return np.asarray(regularizer.gradient(w))
    else:
        raise TypeError(
            "The gradient of this regularizer is not known: use L1, L2, L1L2 "
            "(deconv1d.regularizers) or give the callable a `gradient(w)` attribute. "
            f"Received: regularizer={regularizer!r}"
        )
    grad = np.zeros_like(w)
    if l1:
        grad = grad + np.asarray(l1, w.dtype) * np.sign(w)
    if l2:
        grad = grad + np.asarray(2 * l2, w.dtype) * w
    return grad
