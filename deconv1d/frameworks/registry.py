"""The registry of frameworks: every framework deconv1d speaks, looked up by name.

Each framework is one module of this package holding a
:class:`~deconv1d.frameworks.base.Framework` called ``FRAMEWORK`` (see
``CONTRIBUTING.md`` to add one).  :mod:`deconv1d.interop`,
:mod:`deconv1d.verify`, the ``deconv1d verify`` command and
:mod:`deconv1d.explain` all go through :func:`get` and :func:`frameworks`.

Examples
--------
>>> get("pytorch").name
'torch'
>>> names()
('keras', 'torch', 'onnx', 'tf', 'jax')
"""

from __future__ import annotations

from collections.abc import Sequence

from . import jax, keras, onnx, tf, torch
from .base import Framework

__all__ = ["frameworks", "get", "names"]

_FRAMEWORKS: tuple[Framework, ...] = tuple(
    module.FRAMEWORK for module in (keras, torch, onnx, tf, jax))

_BY_NAME: dict[str, Framework] = {}
_WEIGHTS_ONLY: dict[str, Framework] = {}
for _framework in _FRAMEWORKS:
    for _name in (_framework.name, *_framework.aliases):
        _BY_NAME[_name] = _framework
    for _name in _framework.weight_aliases:
        _WEIGHTS_ONLY[_name] = _framework


def frameworks() -> tuple[Framework, ...]:
    """Every registered :class:`~deconv1d.frameworks.base.Framework`, in order."""
    return _FRAMEWORKS


def names(weights: bool = False) -> tuple[str, ...]:
    """The framework names (with ``weights=True``, also the weight-layout-only ones)."""
    extra: Sequence[str] = tuple(_WEIGHTS_ONLY) if weights else ()
    return tuple(f.name for f in _FRAMEWORKS) + tuple(extra)


def get(name: object, weights: bool = False) -> Framework:
    """The framework called ``name`` (case-insensitive; aliases such as ``"pytorch"``).

    Parameters
    ----------
    name : str
    weights : bool, default False
        Also accept names known only for their weight layout (``"flax"``).

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If no framework has that name; the message lists them.
    """
    if not isinstance(name, str):
        raise TypeError(f"`framework` must be a string. Received: framework={name!r}")
    key = name.lower()
    found = _BY_NAME.get(key) or (_WEIGHTS_ONLY.get(key) if weights else None)
    if found is None:
        raise ValueError(
            f"`framework` must be one of {', '.join(names(weights))}. "
            f"Received: framework={name!r}"
        )
    return found
