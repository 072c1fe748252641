"""Keras-named weight initializers, in NumPy, seedable like Keras 3.

Each initializer is called as ``init(shape, dtype="float32")`` and returns a new
array.  The variance-scaling family uses Keras's fan rule: for a kernel of shape
``(K, F, C_in)`` (the ``Conv1DTranspose`` layout) Keras reads the last two axes
as ``(input_depth, depth)``, so ``fan_in = K * F`` and ``fan_out = K * C_in``
(reversed from the true fan-in of a transposed convolution; Keras makes no
special case, and neither does this module, so that the statistics match).

Seeds
-----
Given an integer ``seed``, the random initializers reproduce the values of
Keras 3's NumPy backend bit for bit: Keras 3 feeds ``[seed, 0]`` to
``numpy.random.default_rng``, draws in float64, and casts to ``dtype``; a
truncated normal draws batches of ``prod(shape)`` normals, keeps those within two
standard deviations of the mean, and takes the first ``prod(shape)``.  As in
Keras 3, an integer seed gives the same values on every call.  ``seed=None``
draws fresh values each call; a ``numpy.random.Generator`` is used as it is (and
advances).  tf-keras (Keras 2) seeds TensorFlow's stateless generators, whose
values are not reproduced here.

References
----------
X. Glorot and Y. Bengio (2010); K. He et al., arXiv:1502.01852;
Y. LeCun et al., "Efficient BackProp" (1998); A. Saxe et al., arXiv:1312.6120.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Callable, Union

import numpy as np
import numpy.typing as npt

from . import _keras
from ._keras import snake_case

#: A ``seed`` argument: a uint32 (Keras's seeds), a NumPy ``Generator``, or ``None``.
Seed = Union[int, np.random.Generator, None]

__all__ = [
    "INITIALIZERS",
    "TRUNCATED_STDDEV",
    "Constant",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "Identity",
    "Initializer",
    "LecunNormal",
    "LecunUniform",
    "Ones",
    "Orthogonal",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Zeros",
    "compute_fans",
    "get",
    "serialize",
]

#: Standard deviation of a unit normal truncated to [-2, 2] (Keras's constant).
TRUNCATED_STDDEV = 0.87962566103423978


def compute_fans(shape: Sequence[int], input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> tuple[float, float]:
    """Keras's ``(fan_in, fan_out)`` for a weight shape.

    For rank >= 3 the leading axes are the receptive field and the last two are
    ``(input_depth, depth)``: a ``(K, F, C_in)`` transposed-convolution kernel
    gives ``(K * F, K * C_in)``.  ``input_axes``/``output_axes`` (Keras 3.15)
    choose the axes explicitly.

    Parameters
    ----------
    shape : tuple of int
    input_axes, output_axes : sequence of int, optional

    Returns
    -------
    (int, int)

    Examples
    --------
    >>> compute_fans((3, 4, 5))      # (K, F, C_in)
    (12, 15)
    >>> compute_fans((7,))
    (7, 7)
    """
    shape = tuple(int(d) for d in shape)
    if input_axes is not None and output_axes is not None:
        return (int(math.prod(shape[a] for a in input_axes)),
                int(math.prod(shape[a] for a in output_axes)))
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _check_shape(shape: Any) -> tuple[int, ...]:
    try:
        dims = tuple(shape)
    except TypeError:
        dims = (shape,)
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 0:
            raise ValueError(
                "`shape` must be a tuple of non-negative integers. "
                f"Received: shape={shape!r}"
            )
    return tuple(int(d) for d in dims)


def _check_seed(seed: Any) -> Seed:
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            "`seed` must be None, an integer in [0, 2**32) or a numpy.random.Generator. "
            f"Received: seed={seed!r}"
        )
    value = int(seed)
    if not 0 <= value < 2 ** 32:
        raise ValueError(
            f"`seed` must be in [0, 2**32) (Keras seeds are uint32). Received: seed={seed!r}"
        )
    return value


class Initializer(_keras.Serializable):
    """Base class: ``init(shape, dtype="float32") -> ndarray``.

    Subclasses implement ``__call__`` and ``get_config``; ``from_config(config)``
    is ``cls(**config)``, as in Keras.
    """

    def __call__(self, shape: Sequence[int],
                 dtype: npt.DTypeLike = "float32") -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class Zeros(Initializer):
    """All zeros.

    Examples
    --------
    >>> Zeros()((2,))
    array([0., 0.], dtype=float32)
    """

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        return np.zeros(_check_shape(shape), dtype=dtype)


class Ones(Initializer):
    """All ones.

    Examples
    --------
    >>> Ones()((2,), dtype="float64")
    array([1., 1.])
    """

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        return np.ones(_check_shape(shape), dtype=dtype)


class Constant(Initializer):
    """Every entry ``value`` (a scalar, or an array broadcastable to the shape).

    Examples
    --------
    >>> Constant(0.5)((3,))
    array([0.5, 0.5, 0.5], dtype=float32)
    """

    def __init__(self, value: float = 0.0) -> None:
        self.value = value

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        return np.array(np.broadcast_to(np.asarray(self.value, dtype=dtype), shape))

    def get_config(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return {"value": value}


class _Random(Initializer):
    def __init__(self, seed: Seed = None) -> None:
        self.seed = _check_seed(seed)

    def _rng(self):
        if isinstance(self.seed, np.random.Generator):
            return self.seed
        if self.seed is None:
            return np.random.default_rng()
        # Keras 3: draw_seed(int) -> uint32 tensor [seed, 0] -> default_rng(that).
        return np.random.default_rng(np.array([self.seed, 0], dtype=np.uint32))

    def get_config(self) -> dict[str, Any]:
        seed = self.seed if isinstance(self.seed, int) else None
        return {"seed": seed}


def _truncated_normal(rng, shape, mean, stddev, dtype):
    """Keras 3's NumPy-backend truncated normal, step for step."""
    lower, upper = mean - 2 * stddev, mean + 2 * stddev
    size = math.prod(shape)
    values = np.empty(0)
    while values.shape[0] < size:
        batch = rng.normal(loc=mean, scale=stddev, size=size)
        values = np.append(values, batch[(batch >= lower) & (batch <= upper)])
    return values[:size].astype(dtype).reshape(shape)


class RandomNormal(_Random):
    """Normal draws with ``mean`` and ``stddev``.

    Examples
    --------
    >>> RandomNormal(stddev=1.0, seed=1)((2,)).shape
    (2,)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: Seed = None) -> None:
        self.mean = _keras.check_number("mean", mean)
        self.stddev = _keras.check_number("stddev", stddev, minimum=0)
        super().__init__(seed)

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        return self._rng().normal(size=shape, loc=self.mean, scale=self.stddev).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class RandomUniform(_Random):
    """Uniform draws in ``[minval, maxval)``.

    Examples
    --------
    >>> w = RandomUniform(0.0, 1.0, seed=3)((1000,))
    >>> bool(w.min() >= 0.0 and w.max() < 1.0)
    True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: Seed = None) -> None:
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed)

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        return self._rng().uniform(size=shape, low=self.minval,
                                   high=self.maxval).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class TruncatedNormal(_Random):
    """Normal draws with ``mean`` and ``stddev``, redrawn outside two ``stddev``.

    Examples
    --------
    >>> w = TruncatedNormal(stddev=1.0, seed=0)((1000,), dtype="float64")
    >>> bool(np.abs(w).max() <= 2.0)
    True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05,
                 seed: Seed = None) -> None:
        self.mean = _keras.check_number("mean", mean)
        self.stddev = _keras.check_number("stddev", stddev, minimum=0)
        super().__init__(seed)

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev, dtype)

    def get_config(self) -> dict[str, Any]:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class VarianceScaling(_Random):
    """Draws whose variance is ``scale / fan``.

    Parameters
    ----------
    scale : float, default 1.0
        Positive.
    mode : {"fan_in", "fan_out", "fan_avg"}, default "fan_in"
    distribution : {"truncated_normal", "untruncated_normal", "uniform"}
        ``"normal"`` means ``"truncated_normal"`` (as in Keras).
    seed : int or None or numpy.random.Generator
    input_axes, output_axes : sequence of int, optional
        Keras 3.15: choose the fan axes explicitly.

    Notes
    -----
    With ``n`` the chosen fan (clamped below at 1): uniform on
    ``[-sqrt(3 scale / n), sqrt(3 scale / n)]``; truncated normal with
    ``stddev = sqrt(scale / n) / 0.87962566103423978`` cut at two stddev (so the
    result has standard deviation ``sqrt(scale / n)``); untruncated normal with
    ``stddev = sqrt(scale / n)``.

    Examples
    --------
    >>> init = VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=0)
    >>> w = init((3, 4, 5))          # fan_in = 3 * 4
    >>> bool(np.abs(w).max() <= np.sqrt(3 * 2.0 / 12))
    True
    """

    scale: float
    mode: str
    distribution: str
    input_axes: Sequence[int] | None
    output_axes: Sequence[int] | None

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: Seed = None,
                 input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> None:
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real) \
                or not scale > 0 or not math.isfinite(scale):
            raise ValueError(
                f"`scale` must be a positive float. Received: scale={scale!r}"
            )
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                "`mode` must be 'fan_in', 'fan_out' or 'fan_avg'. "
                f"Received: mode={mode!r}"
            )
        dist = distribution.lower() if isinstance(distribution, str) else distribution
        if dist == "normal":
            dist = "truncated_normal"
        if dist not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(
                "`distribution` must be 'uniform', 'truncated_normal', "
                "'untruncated_normal' or 'normal'. "
                f"Received: distribution={distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = dist
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed)

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        # The same float operations, in the same order, as Keras 3.
        scale = self.scale
        if self.mode == "fan_in":
            scale /= max(1.0, fan_in)
        elif self.mode == "fan_out":
            scale /= max(1.0, fan_out)
        else:
            scale /= max(1.0, (fan_in + fan_out) / 2.0)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / TRUNCATED_STDDEV
            return _truncated_normal(rng, shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            stddev = math.sqrt(scale)
            return rng.normal(size=shape, loc=0.0, scale=stddev).astype(dtype)
        limit = math.sqrt(3.0 * scale)
        return rng.uniform(size=shape, low=-limit, high=limit).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        config = {"scale": self.scale, "mode": self.mode,
                  "distribution": self.distribution, **super().get_config()}
        if self.input_axes is not None or self.output_axes is not None:
            config.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return config


class _Named(VarianceScaling):
    """A variance-scaling initializer with fixed scale/mode/distribution."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed: Seed = None, input_axes: Sequence[int] | None = None,
                 output_axes: Sequence[int] | None = None) -> None:
        super().__init__(scale=self._scale, mode=self._mode,
                         distribution=self._distribution, seed=seed,
                         input_axes=input_axes, output_axes=output_axes)

    def get_config(self) -> dict[str, Any]:
        config = {"seed": _Random.get_config(self)["seed"]}
        if self.input_axes is not None or self.output_axes is not None:
            config.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return config


class GlorotUniform(_Named):
    """Uniform on ``[-l, l]``, ``l = sqrt(6 / (fan_in + fan_out))`` (Keras's default kernel).

    For a ``(K, F, C_in)`` kernel, ``l = sqrt(6 / (K*F + K*C_in))``.

    Examples
    --------
    >>> w = GlorotUniform(seed=0)((3, 4, 5))
    >>> bool(np.abs(w).max() <= np.sqrt(6 / (12 + 15)))
    True
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_Named):
    """Truncated normal, standard deviation ``sqrt(2 / (fan_in + fan_out))``.

    Examples
    --------
    >>> GlorotNormal(seed=0)((3, 4, 5)).shape
    (3, 4, 5)
    """

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_Named):
    """Uniform on ``[-l, l]``, ``l = sqrt(6 / fan_in)``.

    Examples
    --------
    >>> HeUniform(seed=0)((3, 4, 5)).dtype
    dtype('float32')
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_Named):
    """Truncated normal, standard deviation ``sqrt(2 / fan_in)``.

    Examples
    --------
    >>> HeNormal(seed=0)((3, 4, 5)).shape
    (3, 4, 5)
    """

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_Named):
    """Uniform on ``[-l, l]``, ``l = sqrt(3 / fan_in)``.

    Examples
    --------
    >>> LecunUniform(seed=0)((3, 4, 5)).shape
    (3, 4, 5)
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_Named):
    """Truncated normal, standard deviation ``sqrt(1 / fan_in)``.

    Examples
    --------
    >>> LecunNormal(seed=0)((3, 4, 5)).shape
    (3, 4, 5)
    """

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class Orthogonal(_Random):
    """An orthogonal matrix (rows or columns orthonormal), reshaped, times ``gain``.

    The shape is flattened to ``(prod(shape[:-1]), shape[-1])``; a normal matrix
    (drawn in ``dtype``, as Keras 3 does) is QR-factorised and the signs fixed
    by the diagonal of ``R``.

    Examples
    --------
    >>> q = Orthogonal(seed=0)((4, 4), dtype="float64")
    >>> bool(np.allclose(q @ q.T, np.eye(4)))
    True
    """

    def __init__(self, gain: float = 1.0, seed: Seed = None) -> None:
        self.gain = gain
        super().__init__(seed)

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "Orthogonal needs a shape of rank >= 2. "
                f"Received: shape={shape!r}"
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = self._rng().normal(size=flat).astype(dtype)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (np.asarray(self.gain, dtype=dtype) * q.reshape(shape)).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only, as in Keras).

    Examples
    --------
    >>> Identity()((2, 3))
    array([[1., 0., 0.],
           [0., 1., 0.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = gain

    def __call__(self, shape: Sequence[int], dtype: npt.DTypeLike = "float32") -> np.ndarray:
        shape = _check_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity is only for 2-D shapes (a Conv1DTranspose kernel is 3-D). "
                f"Received: shape={shape!r}"
            )
        return (self.gain * np.eye(shape[0], shape[1])).astype(dtype)

    def get_config(self) -> dict[str, Any]:
        return {"gain": self.gain}


_CLASSES = [Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
            LecunUniform, LecunNormal, Orthogonal, Identity]

#: Every name :func:`get` accepts: Keras's snake_case names and aliases, and
#: the class names.
INITIALIZERS = {snake_case(c.__name__): c for c in _CLASSES}
INITIALIZERS.update({
    "zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
    # Keras 3's class names for these two.
    "OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity,
})
INITIALIZERS.update({c.__name__: c for c in _CLASSES})


def get(identifier: Any, *, argument: str = "initializer") -> Callable[..., Any] | None:
    """Return an initializer for ``identifier``.

    Parameters
    ----------
    identifier : str, dict, callable or None
        A name from :data:`INITIALIZERS` (built with default arguments), a
        Keras 2 ``{'class_name', 'config'}`` or Keras 3 ``{'module',
        'class_name', 'config', 'registered_name'}`` dict, or a callable
        ``(shape, dtype) -> array`` (returned as it is).
    argument : str, default "initializer"
        The argument name used in error messages.

    Returns
    -------
    callable or None

    Examples
    --------
    >>> get("glorot_uniform")
    GlorotUniform(seed=None)
    >>> get({"module": "keras.initializers", "class_name": "HeNormal",
    ...      "config": {"seed": 7}, "registered_name": None})
    HeNormal(seed=7)
    """
    def fix_config(config):
        if isinstance(config.get("seed"), dict):
            config["seed"] = None   # a serialized Keras SeedGenerator: no equivalent
        return config

    return _keras.get(identifier, INITIALIZERS, "initializer", argument, fix_config)


def serialize(initializer: Any) -> dict[str, Any] | str | None:
    """Keras 2 serialization ``{'class_name': ..., 'config': {...}}``.

    A callable that is not an :class:`Initializer` gives its ``__name__``.

    Examples
    --------
    >>> serialize(GlorotUniform())
    {'class_name': 'GlorotUniform', 'config': {'seed': None}}
    """
    return _keras.serialize(initializer, Initializer)
