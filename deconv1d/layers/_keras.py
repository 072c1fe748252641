"""What the Keras-named modules share: reading Keras identifiers and configs.

:mod:`~deconv1d.activations`, :mod:`~deconv1d.initializers`,
:mod:`~deconv1d.regularizers` and :mod:`~deconv1d.constraints` each map names to
callables; this module holds the one reader of the identifiers Keras writes (a
name, a Keras 2 ``{'class_name', 'config'}`` dict, a Keras 3 dict with ``module``
and ``registered_name`` too, or a callable), and the base class that gives their
objects ``get_config`` / ``from_config`` / ``repr``; and :func:`as_float`, the one
promotion of their array arguments to a floating dtype.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

__all__ = ["Serializable", "as_float", "check_number", "get", "serialize", "snake_case",
           "split_identifier"]


def as_float(x: npt.ArrayLike) -> np.ndarray:
    """``x`` as an array of a floating (or complex) dtype: integer and bool become float64.

    A copy is made only when needed: a float array comes back as it is, so
    callers must not write into the result.

    Parameters
    ----------
    x : array_like, any shape

    Returns
    -------
    ndarray, shape of ``x``

    Examples
    --------
    >>> as_float([1, 2]).dtype, as_float(np.ones(2, np.float32)).dtype
    (dtype('float64'), dtype('float32'))
    """
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    return x


class Serializable:
    """Base of the Keras-named objects: ``from_config(config)`` is ``cls(**config)``."""

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as Keras writes them."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Any:
        """Rebuild from :meth:`get_config`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def check_number(name: str, value: Any, minimum: float | None = None,
                 what: str = "a finite number") -> Any:
    """Return ``value`` if it is a finite real number ``>= minimum``, else raise.

    Examples
    --------
    >>> check_number("max_value", 2, minimum=0)
    2
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or (minimum is not None and value < minimum):
        bound = "" if minimum is None else f" >= {minimum}"
        raise ValueError(f"`{name}` must be {what}{bound}. Received: {name}={value!r}")
    return value


def snake_case(name: str) -> str:
    """``"GlorotUniform" -> "glorot_uniform"``, as Keras converts class names.

    Examples
    --------
    >>> snake_case("MinMaxNorm")
    'min_max_norm'
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def split_identifier(identifier: dict[str, Any], argument: str) -> tuple[str, dict[str, Any]]:
    """``(name, config)`` from a Keras 2 or Keras 3 serialization dict.

    Keras 2 writes ``{"class_name": ..., "config": {...}}``; Keras 3 adds
    ``"module"`` and ``"registered_name"``, and writes a plain function as
    ``{"class_name": "function", "config": "relu", ...}``.

    Examples
    --------
    >>> split_identifier({"class_name": "L2", "config": {"l2": 0.1}}, "kernel_regularizer")
    ('L2', {'l2': 0.1})
    >>> split_identifier({"module": "builtins", "class_name": "function",
    ...                   "config": "relu", "registered_name": "function"}, "activation")
    ('relu', {})
    """
    if "class_name" not in identifier:
        raise ValueError(
            f"`{argument}` as a dict must be a Keras serialization "
            "{'class_name': ..., 'config': ...}. "
            f"Received: {argument}={identifier!r}"
        )
    name = identifier["class_name"]
    config = identifier.get("config") or {}
    if name == "function" and isinstance(config, str):
        return config, {}
    if not isinstance(name, str) or not isinstance(config, dict):
        # A bad value inside a dict the user gave: ValueError, as for the other shapes.
        raise ValueError(  # noqa: TRY004
            f"`{argument}` has a malformed Keras serialization. "
            f"Received: {argument}={identifier!r}"
        )
    return name, dict(config)


def get(identifier: Any, table: dict[str, Any], kind: str, argument: str,
        fix_config: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Any:
    """The object an identifier names, built from ``table`` (name -> class or factory).

    Parameters
    ----------
    identifier : str, dict, callable or None
        A name in ``table`` (or its CamelCase class name), a Keras 2 or Keras 3
        serialization dict, or a callable (returned as it is).
    table : dict
        Names to classes (built with ``from_config``) or factory functions.
    kind : str
        What the table holds (``"initializer"``...), for error messages.
    argument : str
        The argument's name, for error messages.
    fix_config : callable, optional
        ``config -> config``, applied before building.

    Examples
    --------
    >>> class Thing(Serializable):
    ...     def __init__(self, size=1):
    ...         self.size = size
    ...     def get_config(self):
    ...         return {"size": self.size}
    >>> get({"class_name": "Thing", "config": {"size": 3}}, {"thing": Thing}, "thing", "x")
    Thing(size=3)
    """
    if identifier is None:
        return None
    config: dict[str, Any] = {}
    if isinstance(identifier, dict):
        identifier, config = split_identifier(identifier, argument)
    if isinstance(identifier, str):
        factory: Any = table.get(identifier) or table.get(snake_case(identifier))
        if factory is None:
            raise ValueError(
                f"Unknown {kind} for `{argument}`: {identifier!r}. Known names: "
                f"{', '.join(sorted(n for n in table if n.islower()))}. "
                f"Received: {argument}={identifier!r}"
            )
        if fix_config is not None:
            config = fix_config(config)
        try:
            if isinstance(factory, type) and issubclass(factory, Serializable):
                return factory.from_config(config)
            return factory(**config)
        except TypeError as error:
            raise ValueError(
                f"Bad config for {kind} {identifier!r} in `{argument}`: {error}. "
                f"Received: {argument} config={config!r}"
            ) from None
    if callable(identifier):
        return identifier
    raise TypeError(
        f"`{argument}` must be a name, a Keras config dict, a callable or None. "
        f"Received: {argument}={identifier!r}"
    )


def serialize(obj: Any, base: type[Serializable]) -> Any:
    """Keras 2 serialization ``{'class_name': ..., 'config': {...}}`` of a ``base`` object;
    a plain callable gives its ``__name__``.

    Examples
    --------
    >>> serialize(Serializable(), Serializable)
    {'class_name': 'Serializable', 'config': {}}
    """
    if obj is None:
        return None
    if isinstance(obj, base):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return getattr(obj, "__name__", type(obj).__name__)
