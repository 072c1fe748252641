"""Keras-named activation functions, in NumPy.

:data:`ACTIVATIONS` maps every name Keras 2.9 accepts for ``activation=`` (plus
the Keras 3 additions) to a function ``ndarray -> ndarray`` with Keras 2.9's
formula.  :func:`get` turns whatever a user or a saved Keras config holds (a
name, a Keras 2 or Keras 3 serialization dict, a callable, or ``None``) into a
callable; :func:`serialize` goes back to the name.

Each function returns a new array of the input's floating dtype (integer and
bool inputs are promoted to float64) and never modifies its input.

Each function carries its derivative, written beside it: ``fn.vjp(x, dy,
*args, **kwargs)`` is the vector-Jacobian product ``J_f(x)^T dy`` by exact
formulas, taking ``fn``'s own arguments after ``dy``.  :func:`activation_vjp`
applies it to whatever :func:`get` returned (a ``functools.partial`` from a
config included).  At kinks (``relu`` at its threshold, the ends of a clip)
the slope is that of the side TensorFlow's gradient takes: 0 at the kink of
``relu``, 0 at the ends of ``hard_sigmoid``'s ramp.

>>> relu.vjp(np.array([-1.0, 0.0, 2.0]), np.ones(3))
array([0., 0., 1.])
>>> relu.vjp(np.array([-1.0, 2.0]), np.ones(2), alpha=0.1)
array([0.1, 1. ])

Keras 3 differs from Keras 2.9 in one formula: ``hard_sigmoid`` is
``clip(x / 6 + 0.5, 0, 1)`` in Keras 3 and ``clip(0.2 * x + 0.5, 0, 1)`` in
Keras 2.  Both are here (:func:`hard_sigmoid`, :func:`hard_sigmoid_keras3`);
``get("hard_sigmoid", keras_version=3)`` picks the Keras 3 one.
"""

from __future__ import annotations

import functools
import math
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from ._keras import as_float, snake_case, split_identifier

__all__ = [
    "ACTIVATIONS",
    "KERAS3_OVERRIDES",
    "SELU_ALPHA",
    "SELU_SCALE",
    "activation_vjp",
    "celu",
    "elu",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_sigmoid_keras3",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


#: ``erf``, ``sqrt(1/2)``, ``1/sqrt(2 pi)``, ``sqrt(2/pi)`` and the cubic coefficient
#: of GELU's tanh approximation: shared by :func:`gelu` and its derivative.
_erf = np.frompyfunc(math.erf, 1, 1)
_SQRT_HALF = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_SQRT_2_OVER_PI = 0.7978845608028654
_GELU_CUBIC = 0.044715


def _erf64(x):
    """The C library's ``erf``, elementwise, on a float64 array (no SciPy)."""
    return np.asarray(_erf(x), dtype=np.float64)


def _c(value, x):
    """A Python number as a scalar of ``x``'s dtype (keeps float32 float32)."""
    return np.asarray(value, dtype=x.dtype)


# --------------------------------------------------------------------------- #
# Derivatives: each function's vector-Jacobian product is registered right    #
# after it, as ``fn.vjp(x, dy, *args, **kwargs) = J_f(x)^T dy``.              #
# --------------------------------------------------------------------------- #
def _defvjp(fn, vjp):
    """Attach ``vjp(x, dy, *args, **kwargs)`` (``fn``'s own arguments) as ``fn.vjp``."""
    def fn_vjp(x, dy, *args, **kwargs):
        return vjp(np.asarray(x), np.asarray(dy), *args, **kwargs)
    fn_vjp.__name__ = fn_vjp.__qualname__ = f"{fn.__name__}.vjp"
    fn_vjp.__doc__ = f"Vector-Jacobian product of :func:`{fn.__name__}`: ``J(x)^T dy``."
    setattr(fn, "vjp", fn_vjp)  # noqa: B010 - a function attribute mypy cannot see


def _defprime(fn, prime):
    """Elementwise ``fn`` with slope ``prime(x, *args, **kwargs)``: vjp is ``dy * f'(x)``."""
    _defvjp(fn, lambda x, dy, *args, **kwargs: dy * prime(x, *args, **kwargs))


def _band(x, lo, hi, value):
    """``value`` strictly inside ``(lo, hi)``, 0 outside (the slope of a clip).

    At the ends of a clip the slope is 0, the side TensorFlow's gradient takes.
    """
    return np.where((x > lo) & (x < hi), value, 0.0).astype(x.dtype)


# --------------------------------------------------------------------------- #
# Keras 2.9 activations.                                                      #
# --------------------------------------------------------------------------- #
def linear(x: npt.ArrayLike) -> np.ndarray:
    """Identity: ``x`` (as a new array).

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray, same shape

    Examples
    --------
    >>> linear([1.0, -2.0])
    array([ 1., -2.])
    """
    return np.array(as_float(x), copy=True)

_defprime(linear, lambda x: np.ones_like(x))


def relu(x: npt.ArrayLike, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0, *, negative_slope: float | None = None) -> np.ndarray:
    """Rectified linear unit, with Keras's ``alpha``/``max_value``/``threshold``.

    ``x`` for ``threshold < x``, ``alpha * (x - threshold)`` below, clipped at
    ``max_value`` when given (Keras 2.9 ``backend.relu``; Keras 3 names ``alpha``
    ``negative_slope``, accepted here as well).

    Parameters
    ----------
    x : array_like, any shape
    alpha : float, default 0.0
        Slope below the threshold.
    max_value : float, optional
        Saturation value.
    threshold : float, default 0.0
    negative_slope : float, optional
        Keras 3 name for ``alpha``.

    Returns
    -------
    ndarray, same shape

    Examples
    --------
    >>> relu([-2.0, 0.5, 9.0], max_value=6.0)
    array([0. , 0.5, 6. ])
    >>> relu([-2.0, 3.0], alpha=0.1)
    array([-0.2,  3. ])
    """
    if negative_slope is not None:
        alpha = negative_slope
    x = as_float(x)
    negative_part = None
    if alpha != 0.0:
        if max_value is None and threshold == 0:
            return leaky_relu(x, alpha)
        if threshold != 0:
            negative_part = np.maximum(-x + _c(threshold, x), 0)
        else:
            negative_part = np.maximum(-x, 0)
    clip_max = max_value is not None
    if threshold != 0:
        y = x * (x > threshold).astype(x.dtype)
    elif max_value == 6:
        y = np.minimum(np.maximum(x, 0), _c(6, x))
        clip_max = False
    else:
        y = np.maximum(x, 0)
    if clip_max:
        y = np.clip(y, _c(0, x), _c(max_value, x))
    if negative_part is not None:
        y = y - _c(alpha, x) * negative_part
    return y


def _relu_prime(x, alpha=0.0, max_value=None, threshold=0.0, *, negative_slope=None):
    # y = clip(x * (x > t), 0, max) - alpha * max(t - x, 0): slope 1 inside, alpha below t.
    if negative_slope is not None:
        alpha = negative_slope
    inside = x > (threshold if threshold != 0 else 0)
    if max_value is not None:
        inside &= (x > 0) & (x < max_value)
    slope = inside.astype(x.dtype)
    if alpha != 0.0:
        slope += alpha * (x < threshold)
    return slope


_defprime(relu, _relu_prime)


def leaky_relu(x: npt.ArrayLike, alpha: float = 0.2, *,
               negative_slope: float | None = None) -> np.ndarray:
    """Leaky ReLU: ``x`` for ``x > 0``, ``alpha * x`` otherwise (``tf.nn.leaky_relu``).

    Examples
    --------
    >>> leaky_relu([-1.0, 2.0])
    array([-0.2,  2. ])
    """
    if negative_slope is not None:
        alpha = negative_slope
    x = as_float(x)
    return np.where(x > 0, x, _c(alpha, x) * x)


def _leaky_relu_prime(x, alpha=0.2, *, negative_slope=None):
    alpha = alpha if negative_slope is None else negative_slope
    return np.where(x > 0, 1.0, alpha).astype(x.dtype)


_defprime(leaky_relu, _leaky_relu_prime)


def relu6(x: npt.ArrayLike) -> np.ndarray:
    """``min(max(x, 0), 6)``.

    Examples
    --------
    >>> relu6([-1.0, 3.0, 7.0])
    array([0., 3., 6.])
    """
    x = as_float(x)
    return np.minimum(np.maximum(x, 0), _c(6, x))

_defprime(relu6, lambda x: _band(x, 0, 6, 1.0))


def elu(x: npt.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Examples
    --------
    >>> elu([1.0, 0.0])
    array([1., 0.])
    """
    x = as_float(x)
    return np.where(x > 0, x, _c(alpha, x) * np.expm1(np.minimum(x, 0)))


def _elu_prime(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)


_defprime(elu, _elu_prime)


def selu(x: npt.ArrayLike) -> np.ndarray:
    """Scaled ELU: ``scale * elu(x, alpha)`` with Klambauer et al.'s constants.

    Examples
    --------
    >>> float(selu([1.0])[0])
    1.0507009873554805
    """
    x = as_float(x)
    return _c(SELU_SCALE, x) * elu(x, SELU_ALPHA)

_defprime(selu, lambda x: SELU_SCALE * _elu_prime(x, SELU_ALPHA))


def softplus(x: npt.ArrayLike) -> np.ndarray:
    """``log(exp(x) + 1)``, computed without overflow.

    Examples
    --------
    >>> softplus([0.0])
    array([0.69314718])
    """
    x = as_float(x)
    return np.logaddexp(x, _c(0, x))

_defprime(softplus, lambda x: sigmoid(x))


def softsign(x: npt.ArrayLike) -> np.ndarray:
    """``x / (abs(x) + 1)``.

    Examples
    --------
    >>> softsign([1.0, -3.0])
    array([ 0.5 , -0.75])
    """
    x = as_float(x)
    return x / (np.abs(x) + _c(1, x))

_defprime(softsign, lambda x: 1 / (1 + np.abs(x)) ** 2)


def sigmoid(x: npt.ArrayLike) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Examples
    --------
    >>> sigmoid([0.0])
    array([0.5])
    """
    x = as_float(x)
    e = np.exp(-np.abs(x))
    one = _c(1, x)
    return np.where(x >= 0, one / (one + e), e / (one + e))

_defprime(sigmoid, lambda x: sigmoid(x) * sigmoid(-x))


def swish(x: npt.ArrayLike) -> np.ndarray:
    """``x * sigmoid(x)`` (also called ``silu``).

    Examples
    --------
    >>> swish([0.0, 1.0]).round(6)
    array([0.      , 0.731059])
    """
    x = as_float(x)
    return x * sigmoid(x)

_defprime(swish, lambda x: sigmoid(x) * (1 + x * sigmoid(-x)))


silu = swish


def gelu(x: npt.ArrayLike, approximate: bool = False) -> np.ndarray:
    """Gaussian error linear unit.

    ``0.5 * x * (1 + erf(x / sqrt(2)))`` (Keras's default, ``approximate=False``),
    or ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    ``erf`` is the C library's, applied elementwise in float64 (no SciPy).

    Examples
    --------
    >>> gelu([0.0, 1.0]).round(6)
    array([0.      , 0.841345])
    """
    x = as_float(x)
    if approximate:
        inner = _c(_SQRT_2_OVER_PI, x) * (x + _c(_GELU_CUBIC, x) * x ** 3)
        return _c(0.5, x) * x * (_c(1, x) + np.tanh(inner))
    erf = _erf64(x.astype(np.float64) * _SQRT_HALF)
    return _c(0.5, x) * x * (_c(1, x) + erf.astype(x.dtype))


def _gelu_prime(x, approximate=False):
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3))
        return (0.5 * (1 + t)
                + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x ** 2))
    wide = x.astype(np.float64)
    cdf = 0.5 * (1 + _erf64(wide * _SQRT_HALF))
    return (cdf + wide * _INV_SQRT_2PI * np.exp(-0.5 * wide * wide)).astype(x.dtype)


_defprime(gelu, _gelu_prime)


def tanh(x: npt.ArrayLike) -> np.ndarray:
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    return np.tanh(as_float(x))

_defprime(tanh, lambda x: 1 - np.tanh(x) ** 2)


def exponential(x: npt.ArrayLike) -> np.ndarray:
    """``exp(x)``.

    Examples
    --------
    >>> exponential([0.0])
    array([1.])
    """
    return np.exp(as_float(x))

_defprime(exponential, np.exp)


def hard_sigmoid(x: npt.ArrayLike) -> np.ndarray:
    """Keras 2 hard sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``.

    Keras 3 changed this to ``clip(x / 6 + 0.5, 0, 1)``: see
    :func:`hard_sigmoid_keras3`.

    Examples
    --------
    >>> hard_sigmoid([-3.0, 0.0, 1.0])
    array([0. , 0.5, 0.7])
    """
    x = as_float(x)
    return np.clip(_c(0.2, x) * x + _c(0.5, x), _c(0, x), _c(1, x))

_defprime(hard_sigmoid, lambda x: _band(x, -2.5, 2.5, 0.2))


def hard_sigmoid_keras3(x: npt.ArrayLike) -> np.ndarray:
    """Keras 3 hard sigmoid: ``relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)``.

    Examples
    --------
    >>> hard_sigmoid_keras3([-3.0, 0.0, 3.0])
    array([0. , 0.5, 1. ])
    """
    x = as_float(x)
    return np.clip(x / _c(6, x) + _c(0.5, x), _c(0, x), _c(1, x))

_defprime(hard_sigmoid_keras3, lambda x: _band(x, -3, 3, 1 / 6))


def softmax(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """``exp(x) / sum(exp(x), axis)``, shifted by the maximum for stability.

    Keras 2.9 refuses 1-D input; this accepts it, as Keras 3 does.

    Examples
    --------
    >>> softmax([[0.0, 0.0]])
    array([[0.5, 0.5]])
    """
    x = as_float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(x, dy, axis=-1):
    y = softmax(x, axis=axis)
    return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


_defvjp(softmax, _softmax_vjp)


def log_softmax(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """``x - log(sum(exp(x), axis))``, shifted by the maximum for stability.

    Examples
    --------
    >>> np.exp(log_softmax([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """
    x = as_float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(x, dy, axis=-1):
    return dy - softmax(x, axis=axis) * np.sum(dy, axis=axis, keepdims=True)


_defvjp(log_softmax, _log_softmax_vjp)


# --------------------------------------------------------------------------- #
# Keras 3 additions (formulas of Keras 3's NumPy backend).                    #
# --------------------------------------------------------------------------- #
def mish(x: npt.ArrayLike) -> np.ndarray:
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> mish([0.0])
    array([0.])
    """
    x = as_float(x)
    return x * np.tanh(softplus(x))


def _mish_prime(x):
    t = np.tanh(softplus(x))
    return t + x * (1 - t * t) * sigmoid(x)


_defprime(mish, _mish_prime)


def celu(x: npt.ArrayLike, alpha: float = 1.0) -> np.ndarray:
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)`` (Keras 3).

    Examples
    --------
    >>> celu([1.0, 0.0])
    array([1., 0.])
    """
    x = as_float(x)
    a = _c(alpha, x)
    return np.maximum(x, 0) + a * np.expm1(np.minimum(x, 0) / a)

_defprime(celu, lambda x, alpha=1.0: np.where(
    x > 0, 1.0, np.exp(np.minimum(x, 0) / alpha)).astype(x.dtype))


def squareplus(x: npt.ArrayLike, b: float = 4) -> np.ndarray:
    """``(x + sqrt(x**2 + b)) / 2`` (Keras 3).

    Examples
    --------
    >>> squareplus([0.0])
    array([1.])
    """
    x = as_float(x)
    return (x + np.sqrt(x ** 2 + _c(b, x))) / _c(2, x)

_defprime(squareplus, lambda x, b=4: 0.5 * (1 + x / np.sqrt(x * x + b)))


def soft_shrink(x: npt.ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """``x - t`` above ``t``, ``x + t`` below ``-t``, 0 between (Keras 3).

    Examples
    --------
    >>> soft_shrink([-1.0, 0.2, 1.0])
    array([-0.5,  0. ,  0.5])
    """
    x = as_float(x)
    t = _c(threshold, x)
    return np.where(x > t, x - t, np.where(x < -t, x + t, _c(0, x)))


def _shrink_prime(x, threshold=0.5):
    return (np.abs(x) > threshold).astype(x.dtype)


_defprime(soft_shrink, _shrink_prime)


def hard_shrink(x: npt.ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """``x`` where ``|x| > threshold``, else 0 (Keras 3).

    Examples
    --------
    >>> hard_shrink([-1.0, 0.2])
    array([-1.,  0.])
    """
    x = as_float(x)
    return np.where(np.abs(x) > _c(threshold, x), x, _c(0, x))

_defprime(hard_shrink, _shrink_prime)


def sparse_plus(x: npt.ArrayLike) -> np.ndarray:
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` between, ``x`` for ``x >= 1`` (Keras 3).

    Examples
    --------
    >>> sparse_plus([-2.0, 0.0, 2.0])
    array([0.  , 0.25, 2.  ])
    """
    x = as_float(x)
    return np.where(x <= -1, _c(0, x),
                    np.where(x < 1, _c(0.25, x) * (x + _c(1, x)) ** 2, x))

_defprime(sparse_plus, lambda x: np.where(
    x <= -1, 0.0, np.where(x < 1, 0.5 * (x + 1), 1.0)).astype(x.dtype))


def sparse_sigmoid(x: npt.ArrayLike) -> np.ndarray:
    """0 for ``x <= -1``, ``(x + 1) / 2`` between, 1 for ``x >= 1`` (Keras 3).

    Examples
    --------
    >>> sparse_sigmoid([-2.0, 0.0, 2.0])
    array([0. , 0.5, 1. ])
    """
    x = as_float(x)
    return np.where(x <= -1, _c(0, x),
                    np.where(x >= 1, _c(1, x), _c(0.5, x) * (x + _c(1, x))))

_defprime(sparse_sigmoid, lambda x: _band(x, -1, 1, 0.5))


def tanh_shrink(x: npt.ArrayLike) -> np.ndarray:
    """``x - tanh(x)`` (Keras 3).

    Examples
    --------
    >>> tanh_shrink([0.0])
    array([0.])
    """
    x = as_float(x)
    return x - np.tanh(x)

_defprime(tanh_shrink, lambda x: np.tanh(x) ** 2)


def hard_tanh(x: npt.ArrayLike) -> np.ndarray:
    """``clip(x, -1, 1)`` (Keras 3).

    Examples
    --------
    >>> hard_tanh([-3.0, 0.5])
    array([-1. ,  0.5])
    """
    x = as_float(x)
    return np.clip(x, _c(-1, x), _c(1, x))

_defprime(hard_tanh, lambda x: _band(x, -1, 1, 1.0))


def hard_silu(x: npt.ArrayLike) -> np.ndarray:
    """``x * hard_sigmoid_keras3(x)`` (Keras 3; also called ``hard_swish``).

    Examples
    --------
    >>> hard_silu([-4.0, 0.0, 4.0])
    array([-0.,  0.,  4.])
    """
    x = as_float(x)
    return x * hard_sigmoid_keras3(x)

_defprime(hard_silu, lambda x: hard_sigmoid_keras3(x) + x * _band(x, -3, 3, 1 / 6))


hard_swish = hard_silu


def log_sigmoid(x: npt.ArrayLike) -> np.ndarray:
    """``log(sigmoid(x)) = -softplus(-x)`` (Keras 3).

    Examples
    --------
    >>> np.exp(log_sigmoid([0.0]))
    array([0.5])
    """
    x = as_float(x)
    return -softplus(-x)

_defprime(log_sigmoid, lambda x: sigmoid(-x))


def glu(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis``; ``a * sigmoid(b)``.

    The size along ``axis`` must be even (Keras 3).

    Examples
    --------
    >>> glu([[1.0, 0.0]])
    array([[0.5]])
    """
    x = as_float(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"`glu` needs an even size along `axis`. Received: x.shape={x.shape}, "
            f"axis={axis}"
        )
    a, b = np.split(x, 2, axis=axis)
    return a * sigmoid(b)


def _glu_vjp(x, dy, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    sb = sigmoid(b)
    return np.concatenate([dy * sb, dy * a * sb * sigmoid(-b)], axis=axis)


_defvjp(glu, _glu_vjp)


def sparsemax(x: npt.ArrayLike, axis: int = -1) -> np.ndarray:
    """Euclidean projection of ``x`` onto the probability simplex (Keras 3).

    ``max(x - tau, 0)`` with ``tau = (sum of the k largest - 1) / k``, ``k`` the
    support size (Martins and Astudillo, arXiv:1602.02068).  Keras 3.15 computes
    ``tau`` from the sum of the *cumulative sums* over the support instead, which
    is wrong whenever ``k > 1`` (its ``sparsemax([[1., 1.]])`` is ``[[0., 0.]]``,
    not ``[[0.5, 0.5]]``); this function follows the paper.

    Examples
    --------
    >>> sparsemax([[1.0, 0.0], [1.0, 1.0]])
    array([[1. , 0. ],
           [0.5, 0.5]])
    """
    x = as_float(x)
    z = -np.sort(-x, axis=axis)
    cumsum = np.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = np.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    support = z - (cumsum - 1) / r > 0
    k = np.sum(support, axis=axis, keepdims=True)
    top_k_sum = np.take_along_axis(cumsum, k - 1, axis=axis)
    tau = (top_k_sum - 1) / k
    return np.maximum(x - tau.astype(x.dtype), _c(0, x))


def _sparsemax_vjp(x, dy, axis=-1):
    support = (sparsemax(x, axis=axis) > 0).astype(x.dtype)
    mean = np.sum(dy * support, axis=axis, keepdims=True) / np.sum(
        support, axis=axis, keepdims=True)
    return support * (dy - mean)


_defvjp(sparsemax, _sparsemax_vjp)


def threshold(x: npt.ArrayLike, threshold: float, default_value: float) -> np.ndarray:
    """``x`` where ``x > threshold``, else ``default_value`` (Keras 3).

    Examples
    --------
    >>> threshold([0.5, 2.0], 1.0, -1.0)
    array([-1.,  2.])
    """
    x = as_float(x)
    return np.where(x > threshold, x, _c(default_value, x))

_defprime(threshold, lambda x, threshold, default_value: (x > threshold).astype(x.dtype))


#: Every name accepted by :func:`get`, Keras 2.9 names first.
ACTIVATIONS: dict[str, Callable[..., np.ndarray]] = {
    "softmax": softmax,
    "elu": elu,
    "selu": selu,
    "softplus": softplus,
    "softsign": softsign,
    "swish": swish,
    "relu": relu,
    "gelu": gelu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "exponential": exponential,
    "hard_sigmoid": hard_sigmoid,
    "linear": linear,
    "leaky_relu": leaky_relu,
    "log_softmax": log_softmax,
    "relu6": relu6,
    "silu": silu,
    "mish": mish,
    # Keras 3 additions.
    "celu": celu,
    "squareplus": squareplus,
    "soft_shrink": soft_shrink,
    "sparse_plus": sparse_plus,
    "glu": glu,
    "tanh_shrink": tanh_shrink,
    "sparse_sigmoid": sparse_sigmoid,
    "hard_silu": hard_silu,
    "hard_swish": hard_swish,
    "hard_tanh": hard_tanh,
    "hard_shrink": hard_shrink,
    "log_sigmoid": log_sigmoid,
    "sparsemax": sparsemax,
    "threshold": threshold,
}

#: Names whose Keras 3 formula differs from Keras 2.9's.
KERAS3_OVERRIDES: dict[str, Callable[..., Any]] = {"hard_sigmoid": hard_sigmoid_keras3}

_REVERSE: dict[Callable[..., Any], str] = {}
for _name, _fn in ACTIVATIONS.items():
    _REVERSE.setdefault(_fn, _name)
_REVERSE[hard_sigmoid_keras3] = "hard_sigmoid"


def get(identifier: Any, *, keras_version: int = 2,
        argument: str = "activation") -> Callable[..., Any]:
    """Return the activation callable for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, callable or None
        A name from :data:`ACTIVATIONS` (``None`` means ``"linear"``), a Keras 2
        or Keras 3 serialization dict, or any callable (returned as it is).
    keras_version : {2, 3}, default 2
        Which Keras's formula a name means where they differ (``hard_sigmoid``).
        A Keras 3 function dict (``class_name`` ``"function"``) always means 3.
    argument : str, default "activation"
        The argument name used in error messages.

    Returns
    -------
    callable

    Raises
    ------
    ValueError
        If the name is unknown.
    TypeError
        If ``identifier`` is neither a name, a dict, a callable, nor None.

    Examples
    --------
    >>> get("relu") is relu
    True
    >>> get(None) is linear
    True
    >>> get("hard_sigmoid", keras_version=3) is hard_sigmoid_keras3
    True
    """
    if identifier is None:
        return linear
    config: dict[str, Any] = {}
    if isinstance(identifier, dict):
        if identifier.get("class_name") == "function" and "module" in identifier:
            keras_version = 3          # only Keras 3 writes a function this way
        identifier, config = split_identifier(identifier, argument)
    if isinstance(identifier, str):
        key = identifier if identifier in ACTIVATIONS else snake_case(identifier)
        if key not in ACTIVATIONS:
            raise ValueError(
                f"Unknown activation for `{argument}`: {identifier!r}. Known names: "
                f"{', '.join(sorted(ACTIVATIONS))}. Received: {argument}={identifier!r}"
            )
        fn = ACTIVATIONS[key]
        if keras_version == 3:
            fn = KERAS3_OVERRIDES.get(key, fn)
        return functools.partial(fn, **config) if config else fn
    if callable(identifier):
        return identifier
    raise TypeError(
        f"`{argument}` must be a name, a Keras config dict, a callable or None. "
        f"Received: {argument}={identifier!r}"
    )


def serialize(activation: Any) -> str:
    """The Keras name of an activation (what ``get_config`` writes).

    ``None`` gives ``"linear"``; a callable not in :data:`ACTIVATIONS` gives its
    ``__name__``, as Keras does for custom functions.

    Examples
    --------
    >>> serialize(relu), serialize(None)
    ('relu', 'linear')
    """
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation
    name = _REVERSE.get(activation)
    if name is not None:
        return name
    if isinstance(activation, functools.partial):
        return serialize(activation.func)
    return getattr(activation, "__name__", type(activation).__name__)


def activation_vjp(activation: Callable[..., Any], x: npt.ArrayLike,
                   dy: npt.ArrayLike) -> np.ndarray:
    """Gradient through an activation: ``dx = J_f(x)^T dy``, by its ``vjp``.

    Parameters
    ----------
    activation : callable
        A function of this module, a ``functools.partial`` of one with its
        arguments (as :func:`get` builds from a config), or any callable with a
        ``vjp(x, dy)`` attribute.
    x : array_like, any shape
        The activation's input (pre-activation).
    dy : array_like, shape of the activation's output
        Gradient with respect to the activation's output.

    Returns
    -------
    ndarray, shape of ``x``

    Raises
    ------
    TypeError
        For a callable whose derivative is not known (no ``vjp`` attribute).

    Examples
    --------
    >>> activation_vjp(tanh, np.array([0.0, 1.0]), np.ones(2)).round(6)
    array([1.      , 0.419974])
    >>> activation_vjp(get({"class_name": "relu", "config": {"alpha": 0.1}}),
    ...                np.array([-1.0, 2.0]), np.ones(2))
    array([0.1, 1. ])
    """
    vjp, args, kwargs = getattr(activation, "vjp", None), (), {}
    if vjp is None and isinstance(activation, functools.partial):
        vjp = getattr(activation.func, "vjp", None)
        args, kwargs = activation.args, activation.keywords
    if not callable(vjp):
        raise TypeError(
            "The derivative of this activation is not known: use a Keras activation "
            "(deconv1d.activations) or give the callable a `vjp(x, dy)` attribute. "
            f"Received: activation={activation!r}"
        )
    return vjp(np.asarray(x), np.asarray(dy), *args, **kwargs)
