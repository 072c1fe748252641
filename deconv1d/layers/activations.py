"""Keras-named activation functions, in NumPy.

:data:`ACTIVATIONS` maps every name Keras 2.9 accepts for ``activation=`` (plus
the Keras 3 additions) to a function ``ndarray -> ndarray`` with Keras 2.9's
formula.  :func:`get` turns whatever a user or a saved Keras config holds (a
name, a Keras 2 or Keras 3 serialization dict, a callable, or ``None``) into a
callable; :func:`serialize` goes back to the name.

Each function returns a new array of the input's floating dtype (integer and
bool inputs are promoted to float64) and never modifies its input.

Keras 3 differs from Keras 2.9 in one formula: ``hard_sigmoid`` is
``clip(x / 6 + 0.5, 0, 1)`` in Keras 3 and ``clip(0.2 * x + 0.5, 0, 1)`` in
Keras 2.  Both are here (:func:`hard_sigmoid`, :func:`hard_sigmoid_keras3`);
``get("hard_sigmoid", keras_version=3)`` picks the Keras 3 one.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._keras import snake_case, split_identifier

__all__ = [
    "ACTIVATIONS",
    "get",
    "serialize",
    "celu",
    "elu",
    "exponential",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_sigmoid_keras3",
    "hard_silu",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
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
    "threshold", "silu", "SELU_ALPHA", "SELU_SCALE"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _float(x):
    """A float (or complex) array holding ``x``; a copy is made only when needed."""
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    return x


def _c(value, x):
    """A Python number as a scalar of ``x``'s dtype (keeps float32 float32)."""
    return np.asarray(value, dtype=x.dtype)


# --------------------------------------------------------------------------- #
# Keras 2.9 activations.                                                      #
# --------------------------------------------------------------------------- #
def linear(x):
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
    return np.array(_float(x), copy=True)


def relu(x, alpha=0.0, max_value=None, threshold=0.0, *, negative_slope=None):
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
    x = _float(x)
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


def leaky_relu(x, alpha=0.2, *, negative_slope=None):
    """Leaky ReLU: ``x`` for ``x > 0``, ``alpha * x`` otherwise (``tf.nn.leaky_relu``).

    Examples
    --------
    >>> leaky_relu([-1.0, 2.0])
    array([-0.2,  2. ])
    """
    if negative_slope is not None:
        alpha = negative_slope
    x = _float(x)
    return np.where(x > 0, x, _c(alpha, x) * x)


def relu6(x):
    """``min(max(x, 0), 6)``.

    Examples
    --------
    >>> relu6([-1.0, 3.0, 7.0])
    array([0., 3., 6.])
    """
    x = _float(x)
    return np.minimum(np.maximum(x, 0), _c(6, x))


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Examples
    --------
    >>> elu([1.0, 0.0])
    array([1., 0.])
    """
    x = _float(x)
    return np.where(x > 0, x, _c(alpha, x) * np.expm1(np.minimum(x, 0)))


def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with Klambauer et al.'s constants.

    Examples
    --------
    >>> float(selu([1.0])[0])
    1.0507009873554805
    """
    x = _float(x)
    return _c(SELU_SCALE, x) * elu(x, SELU_ALPHA)


def softplus(x):
    """``log(exp(x) + 1)``, computed without overflow.

    Examples
    --------
    >>> softplus([0.0])
    array([0.69314718])
    """
    x = _float(x)
    return np.logaddexp(x, _c(0, x))


def softsign(x):
    """``x / (abs(x) + 1)``.

    Examples
    --------
    >>> softsign([1.0, -3.0])
    array([ 0.5 , -0.75])
    """
    x = _float(x)
    return x / (np.abs(x) + _c(1, x))


def sigmoid(x):
    """Logistic function ``1 / (1 + exp(-x))``, computed without overflow.

    Examples
    --------
    >>> sigmoid([0.0])
    array([0.5])
    """
    x = _float(x)
    e = np.exp(-np.abs(x))
    one = _c(1, x)
    return np.where(x >= 0, one / (one + e), e / (one + e))


def swish(x):
    """``x * sigmoid(x)`` (also called ``silu``).

    Examples
    --------
    >>> swish([0.0, 1.0]).round(6)
    array([0.      , 0.731059])
    """
    x = _float(x)
    return x * sigmoid(x)


silu = swish

_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(x, approximate=False):
    """Gaussian error linear unit.

    ``0.5 * x * (1 + erf(x / sqrt(2)))`` (Keras's default, ``approximate=False``),
    or ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.

    ``erf`` is the C library's, applied elementwise in float64 (no SciPy).

    Examples
    --------
    >>> gelu([0.0, 1.0]).round(6)
    array([0.      , 0.841345])
    """
    x = _float(x)
    if approximate:
        inner = _c(0.7978845608028654, x) * (x + _c(0.044715, x) * x ** 3)
        return _c(0.5, x) * x * (_c(1, x) + np.tanh(inner))
    erf = np.asarray(_erf(x.astype(np.float64) * 0.7071067811865476), dtype=np.float64)
    return _c(0.5, x) * x * (_c(1, x) + erf.astype(x.dtype))


def tanh(x):
    """Hyperbolic tangent.

    Examples
    --------
    >>> tanh([0.0])
    array([0.])
    """
    return np.tanh(_float(x))


def exponential(x):
    """``exp(x)``.

    Examples
    --------
    >>> exponential([0.0])
    array([1.])
    """
    return np.exp(_float(x))


def hard_sigmoid(x):
    """Keras 2 hard sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``.

    Keras 3 changed this to ``clip(x / 6 + 0.5, 0, 1)``: see
    :func:`hard_sigmoid_keras3`.

    Examples
    --------
    >>> hard_sigmoid([-3.0, 0.0, 1.0])
    array([0. , 0.5, 0.7])
    """
    x = _float(x)
    return np.clip(_c(0.2, x) * x + _c(0.5, x), _c(0, x), _c(1, x))


def hard_sigmoid_keras3(x):
    """Keras 3 hard sigmoid: ``relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1)``.

    Examples
    --------
    >>> hard_sigmoid_keras3([-3.0, 0.0, 3.0])
    array([0. , 0.5, 1. ])
    """
    x = _float(x)
    return np.clip(x / _c(6, x) + _c(0.5, x), _c(0, x), _c(1, x))


def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x), axis)``, shifted by the maximum for stability.

    Keras 2.9 refuses 1-D input; this accepts it, as Keras 3 does.

    Examples
    --------
    >>> softmax([[0.0, 0.0]])
    array([[0.5, 0.5]])
    """
    x = _float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
    """``x - log(sum(exp(x), axis))``, shifted by the maximum for stability.

    Examples
    --------
    >>> np.exp(log_softmax([[0.0, 0.0]]))
    array([[0.5, 0.5]])
    """
    x = _float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------------- #
# Keras 3 additions (formulas of Keras 3's NumPy backend).                    #
# --------------------------------------------------------------------------- #
def mish(x):
    """``x * tanh(softplus(x))``.

    Examples
    --------
    >>> mish([0.0])
    array([0.])
    """
    x = _float(x)
    return x * np.tanh(softplus(x))


def celu(x, alpha=1.0):
    """``max(x, 0) + alpha * expm1(min(x, 0) / alpha)`` (Keras 3).

    Examples
    --------
    >>> celu([1.0, 0.0])
    array([1., 0.])
    """
    x = _float(x)
    a = _c(alpha, x)
    return np.maximum(x, 0) + a * np.expm1(np.minimum(x, 0) / a)


def squareplus(x, b=4):
    """``(x + sqrt(x**2 + b)) / 2`` (Keras 3).

    Examples
    --------
    >>> squareplus([0.0])
    array([1.])
    """
    x = _float(x)
    return (x + np.sqrt(x ** 2 + _c(b, x))) / _c(2, x)


def soft_shrink(x, threshold=0.5):
    """``x - t`` above ``t``, ``x + t`` below ``-t``, 0 between (Keras 3).

    Examples
    --------
    >>> soft_shrink([-1.0, 0.2, 1.0])
    array([-0.5,  0. ,  0.5])
    """
    x = _float(x)
    t = _c(threshold, x)
    return np.where(x > t, x - t, np.where(x < -t, x + t, _c(0, x)))


def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0 (Keras 3).

    Examples
    --------
    >>> hard_shrink([-1.0, 0.2])
    array([-1.,  0.])
    """
    x = _float(x)
    return np.where(np.abs(x) > _c(threshold, x), x, _c(0, x))


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)**2 / 4`` between, ``x`` for ``x >= 1`` (Keras 3).

    Examples
    --------
    >>> sparse_plus([-2.0, 0.0, 2.0])
    array([0.  , 0.25, 2.  ])
    """
    x = _float(x)
    return np.where(x <= -1, _c(0, x),
                    np.where(x < 1, _c(0.25, x) * (x + _c(1, x)) ** 2, x))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, ``(x + 1) / 2`` between, 1 for ``x >= 1`` (Keras 3).

    Examples
    --------
    >>> sparse_sigmoid([-2.0, 0.0, 2.0])
    array([0. , 0.5, 1. ])
    """
    x = _float(x)
    return np.where(x <= -1, _c(0, x),
                    np.where(x >= 1, _c(1, x), _c(0.5, x) * (x + _c(1, x))))


def tanh_shrink(x):
    """``x - tanh(x)`` (Keras 3).

    Examples
    --------
    >>> tanh_shrink([0.0])
    array([0.])
    """
    x = _float(x)
    return x - np.tanh(x)


def hard_tanh(x):
    """``clip(x, -1, 1)`` (Keras 3).

    Examples
    --------
    >>> hard_tanh([-3.0, 0.5])
    array([-1. ,  0.5])
    """
    x = _float(x)
    return np.clip(x, _c(-1, x), _c(1, x))


def hard_silu(x):
    """``x * hard_sigmoid_keras3(x)`` (Keras 3; also called ``hard_swish``).

    Examples
    --------
    >>> hard_silu([-4.0, 0.0, 4.0])
    array([-0.,  0.,  4.])
    """
    x = _float(x)
    return x * hard_sigmoid_keras3(x)


hard_swish = hard_silu


def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x)`` (Keras 3).

    Examples
    --------
    >>> np.exp(log_sigmoid([0.0]))
    array([0.5])
    """
    x = _float(x)
    return -softplus(-x)


def glu(x, axis=-1):
    """Gated linear unit: split ``x`` in halves ``a, b`` along ``axis``; ``a * sigmoid(b)``.

    The size along ``axis`` must be even (Keras 3).

    Examples
    --------
    >>> glu([[1.0, 0.0]])
    array([[0.5]])
    """
    x = _float(x)
    if x.shape[axis] % 2:
        raise ValueError(
            f"`glu` needs an even size along `axis`. Received: x.shape={x.shape}, "
            f"axis={axis}"
        )
    a, b = np.split(x, 2, axis=axis)
    return a * sigmoid(b)


def sparsemax(x, axis=-1):
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
    x = _float(x)
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


def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (Keras 3).

    Examples
    --------
    >>> threshold([0.5, 2.0], 1.0, -1.0)
    array([-1.,  2.])
    """
    x = _float(x)
    return np.where(x > threshold, x, _c(default_value, x))


#: Every name accepted by :func:`get`, Keras 2.9 names first.
ACTIVATIONS = {
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
KERAS3_OVERRIDES = {"hard_sigmoid": hard_sigmoid_keras3}

_REVERSE: dict[object, str] = {}
for _name, _fn in ACTIVATIONS.items():
    _REVERSE.setdefault(_fn, _name)
_REVERSE[hard_sigmoid_keras3] = "hard_sigmoid"


def get(identifier, *, keras_version=2, argument="activation"):
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
    config = {}
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


def serialize(activation):
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
