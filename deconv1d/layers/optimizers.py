"""Optimizer steps over a layer's weights: plain SGD, then the weights' constraints.

A step is a function of the weights, not a method of the layer: it takes the
weights and their gradients by name and returns new weights, leaving its
arguments alone.  ``Conv1DTranspose.apply_gradients`` is a thin wrapper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

__all__ = ["constrain", "sgd"]

Constraint = Callable[[np.ndarray], Any]


def constrain(weights: Mapping[str, np.ndarray],
              constraints: Mapping[str, Constraint | None] | None = None,
              ) -> dict[str, np.ndarray]:
    """Each weight projected by its constraint (as a Keras optimizer does after an update).

    Parameters
    ----------
    weights : mapping of str to ndarray
        The weights by name, any shapes.
    constraints : mapping of str to callable or None, optional
        ``w -> w'`` by weight name; a missing or ``None`` entry leaves the
        weight as it is.

    Returns
    -------
    dict of str to ndarray
        The same names; a constrained weight is a new array of its old dtype, an
        unconstrained one is the given array itself.

    Examples
    --------
    >>> from deconv1d.constraints import NonNeg
    >>> constrain({"kernel": np.array([-1.0, 2.0])}, {"kernel": NonNeg()})
    {'kernel': array([-0.,  2.])}
    """
    constraints = constraints or {}
    projected = {}
    for name, weight in weights.items():
        constraint = constraints.get(name)
        projected[name] = (weight if constraint is None
                           else np.array(constraint(weight), dtype=weight.dtype))
    return projected


def sgd(weights: Mapping[str, np.ndarray], grads: Mapping[str, npt.ArrayLike | None],
        learning_rate: float = 0.01,
        constraints: Mapping[str, Constraint | None] | None = None,
        ) -> dict[str, np.ndarray]:
    """One plain SGD step, ``w - learning_rate * grad`` for each weight, then its constraint.

    Parameters
    ----------
    weights : mapping of str to ndarray
        The weights by name, any shapes; not modified.
    grads : mapping of str to array_like or None
        ``d loss / d weight`` by name, each in its weight's shape (cast to its
        dtype).  A missing or ``None`` gradient leaves its weight unmoved (its
        constraint still applies); names that are not weights are ignored.
    learning_rate : float, default 0.01
        Keras ``SGD``'s default; a finite number ``>= 0``.
    constraints : mapping of str to callable or None, optional
        Applied after the step, as :func:`constrain`.

    Returns
    -------
    dict of str to ndarray
        The new weights, in the weights' dtypes.

    Raises
    ------
    ValueError
        For a negative or non-finite ``learning_rate``, or a gradient whose shape
        is not its weight's; before any weight is computed.

    Examples
    --------
    >>> sgd({"bias": np.array([1.0, 1.0])}, {"bias": np.array([2.0, -2.0])},
    ...     learning_rate=0.5)
    {'bias': array([0., 2.])}
    """
    if isinstance(learning_rate, bool) or not isinstance(
            learning_rate, (int, float, np.floating, np.integer)) \
            or not np.isfinite(learning_rate) or learning_rate < 0:
        raise ValueError(
            "`learning_rate` must be a finite number >= 0. "
            f"Received: learning_rate={learning_rate!r}"
        )
    steps = {}
    for name, weight in weights.items():
        grad = grads.get(name)
        if grad is None:
            continue
        grad = np.asarray(grad)
        if grad.shape != weight.shape:
            raise ValueError(
                f"The gradient of `{name}` must have shape {weight.shape}. "
                f"Received: grads[{name!r}] with shape {grad.shape}"
            )
        steps[name] = np.asarray(learning_rate, dtype=weight.dtype) * grad.astype(weight.dtype)
    stepped = {name: weight - steps[name] if name in steps else weight
               for name, weight in weights.items()}
    return constrain(stepped, constraints)
