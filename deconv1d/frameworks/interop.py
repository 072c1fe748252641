"""One vocabulary for every framework's transposed 1-D convolution.

Every framework computes the same thing (see :mod:`deconv1d.shapes`): a *full
scatter* of natural length ``(L - 1) * stride + dk`` (``dk = (K - 1) * dilation + 1``)
of which a window is kept, given by the canonical pair ``(crop_left, crop_right)``
(a negative crop keeps zeros beyond that end).  Frameworks differ only in

- the **weight layout** (``keras_kernel_from`` / ``kernel_for`` convert), and
- the **arguments** that choose the window (``crops_from`` reads them,
  ``arguments_for`` writes them, ``translate`` does both).

Each framework also has an entry point taking *its own* arguments and layouts,
computed with :func:`deconv1d.conv1d_transpose`:
:func:`torch_conv_transpose1d`, :func:`onnx_conv_transpose`,
:func:`tf_conv1d_transpose`, :func:`jax_conv_transpose`,
:func:`keras_conv1d_transpose`.  When a target framework cannot express a window,
:class:`InexpressibleError` says why and what to do instead.

========================  ===================================  ===========================
framework                 weight                               window
========================  ===================================  ===========================
Keras, tf.nn              ``(K, C_out/groups, C_in)``          padding valid/same, output_padding
PyTorch, ONNX             ``(C_in, C_out/groups, K)``          crop ``(p, p - q)``; ONNX ``(b, e - q)``
JAX transpose_kernel=T    ``(K, C_out, C_in)`` (HIO)            explicit pads: crop ``(dk-1-lo, dk-1-hi)``
JAX default, Flax         ``(K, C_in, C_out)`` flipped in K      same
========================  ===================================  ===========================

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, Relationships 8-14.  ONNX ConvTranspose operator specification;
PyTorch ``torch.nn.ConvTranspose1d``; JAX ``jax.lax.conv_transpose``;
TensorFlow ``tf.nn.conv1d_transpose``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from ..core import geometry as shapes
from ..core.transpose import conv1d_transpose

__all__ = [
    "FRAMEWORKS",
    "InexpressibleError",
    "Call",
    "arguments_for",
    "crops_from",
    "jax_conv_transpose",
    "keras_conv1d_transpose",
    "keras_kernel_from",
    "kernel_for",
    "onnx_conv_transpose",
    "plan",
    "tf_conv1d_transpose",
    "torch_conv_transpose1d",
    "translate",
]

#: Framework names understood by this module (``"flax"`` for weights only).
FRAMEWORKS = ("keras", "torch", "onnx", "tf", "jax")
_ALIASES = {"pytorch": "torch", "tensorflow": "tf", "onnxruntime": "onnx",
            "keras3": "keras", "tf_keras": "keras", "lax": "jax"}


class InexpressibleError(ValueError):
    """A framework cannot express the requested window with its own arguments.

    The message says why, and what to do instead (usually: ask for a larger
    window and slice, or pad zeros yourself).
    """


def _framework(name, allowed=FRAMEWORKS):
    if not isinstance(name, str):
        raise TypeError(f"`framework` must be a string. Received: framework={name!r}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in allowed:
        raise ValueError(
            f"`framework` must be one of {', '.join(allowed)}. Received: framework={name!r}"
        )
    return key


def _one(name, value, minimum=None, default=None):
    """An int from an int or a 1-element sequence (frameworks spell 1-D sizes both ways)."""
    if value is None:
        return default
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return shapes.check_int(name, value, minimum=minimum)


# --------------------------------------------------------------------------- #
# Weight layouts                                                              #
# --------------------------------------------------------------------------- #
def _spec_axes(spec, letters, name):
    """Axis order of a JAX dimension spec string like ``'HIO'`` -> (H, I, O) positions."""
    if not isinstance(spec, str) or len(spec) != 3:
        raise ValueError(
            f"`{name}` must be a 3-letter string such as 'NHC' or 'HIO'. "
            f"Received: {name}={spec!r}"
        )
    a, b = letters
    spatial = [c for c in spec if c not in (a, b)]
    if spec.count(a) != 1 or spec.count(b) != 1 or len(spatial) != 1:
        raise ValueError(
            f"`{name}` must hold {a!r}, {b!r} and one spatial letter. Received: {name}={spec!r}"
        )
    return spec.index(spatial[0]), spec.index(a), spec.index(b)


def keras_kernel_from(framework, weight, *, transpose_kernel=False, rhs_spec="HIO"):
    """Convert a framework's weight to the Keras layout ``(K, C_out // groups, C_in)``.

    Parameters
    ----------
    framework : {"keras", "tf", "torch", "onnx", "jax", "flax"}
    weight : array_like
        ``torch``/``onnx``: ``(C_in, C_out // groups, K)``; ``keras``/``tf``:
        ``(K, C_out, C_in)``; ``jax``/``flax``: in ``rhs_spec`` order (default
        ``'HIO'``), ``(K, C_out, C_in)`` with ``transpose_kernel=True``, else
        ``(K, C_in, C_out)`` and flipped in ``K``.
    transpose_kernel : bool, default False
        JAX ``lax.conv_transpose`` / Flax ``ConvTranspose`` argument of that name.
    rhs_spec : str, default "HIO"
        JAX kernel dimension spec (the middle of ``dimension_numbers``).

    Returns
    -------
    kernel : ndarray, shape (K, C_out // groups, C_in)
        A new array.

    Examples
    --------
    >>> w_torch = np.arange(12.0).reshape(2, 3, 2)      # (C_in=2, C_out=3, K=2)
    >>> keras_kernel_from("torch", w_torch).shape
    (2, 3, 2)
    >>> k = np.arange(6.0).reshape(3, 1, 2)             # (K=3, C_out=1, C_in=2)
    >>> bool((keras_kernel_from("jax", kernel_for("jax", k)) == k).all())
    True
    """
    key = _framework(framework, FRAMEWORKS + ("flax",))
    w = np.asarray(weight)
    if w.ndim != 3:
        raise ValueError(
            f"`weight` must have rank 3 for a 1-D transposed convolution. "
            f"Received: weight with shape {w.shape}"
        )
    if key in ("torch", "onnx"):
        return np.array(w.transpose(2, 1, 0))
    if key in ("keras", "tf"):
        return np.array(w)
    h, i, o = _spec_axes(rhs_spec, "IO", "rhs_spec")
    hio = w.transpose(h, i, o)
    if transpose_kernel:
        return np.array(hio)
    return np.array(hio[::-1].transpose(0, 2, 1))


def kernel_for(framework, kernel, *, transpose_kernel=False, rhs_spec="HIO"):
    """Convert a Keras kernel ``(K, C_out // groups, C_in)`` to a framework's layout.

    The inverse of :func:`keras_kernel_from` (same parameters).

    Returns
    -------
    weight : ndarray
        A new array in the framework's layout.

    Examples
    --------
    >>> k = np.zeros((3, 4, 2))                          # (K, C_out, C_in)
    >>> kernel_for("torch", k).shape                     # (C_in, C_out, K)
    (2, 4, 3)
    >>> kernel_for("jax", k).shape                       # (K, C_in, C_out), flipped
    (3, 2, 4)
    """
    key = _framework(framework, FRAMEWORKS + ("flax",))
    k = np.asarray(kernel)
    if k.ndim != 3:
        raise ValueError(
            "`kernel` must have rank 3, (K, C_out // groups, C_in). "
            f"Received: kernel with shape {k.shape}"
        )
    if key in ("torch", "onnx"):
        return np.array(k.transpose(2, 1, 0))
    if key in ("keras", "tf"):
        return np.array(k)
    hio = k if transpose_kernel else k.transpose(0, 2, 1)[::-1]
    h, i, o = _spec_axes(rhs_spec, "IO", "rhs_spec")
    order = np.argsort([h, i, o])          # position p of the spec holds hio axis order[p]
    return np.array(hio.transpose(order))


# --------------------------------------------------------------------------- #
# Arguments -> canonical crops                                                #
# --------------------------------------------------------------------------- #
def _full(length, kernel_size, stride, dilation):
    return (length - 1) * stride + shapes.effective_kernel_size(kernel_size, dilation)


def _keras_crops(length, kernel_size, stride, dilation, padding="valid",
                 output_padding=None):
    if not isinstance(padding, str):
        raise ValueError(
            "Keras `padding` must be 'valid' or 'same'. "
            f"Received: padding={padding!r} (use framework='torch' for an int, "
            "'onnx' for pads)"
        )
    g = shapes.geometry(length, kernel_size, stride, padding, output_padding, dilation)
    return g.crop_left, g.crop_right


def _torch_crops(length, kernel_size, stride, dilation, padding=0, output_padding=0,
                 output_size=None):
    if isinstance(padding, str):
        raise ValueError(
            "PyTorch ConvTranspose1d has no string padding (it raises for "
            f"'same'/'valid'). Received: padding={padding!r}; use an int"
        )
    p = _one("padding", padding, minimum=0, default=0)
    q = _one("output_padding", output_padding, minimum=0, default=0)
    if output_size is not None:
        size = np.asarray(output_size).ravel().tolist()
        target = shapes.check_int("output_size", size[-1], minimum=1)
        smallest = _full(length, kernel_size, stride, dilation) - 2 * p
        if not smallest <= target <= smallest + stride - 1:
            raise ValueError(
                f"`output_size` must be in [{smallest}, {smallest + stride - 1}] for "
                f"length={length}, kernel_size={kernel_size}, stride={stride}, "
                f"padding={p}, dilation={dilation} (PyTorch's rule). "
                f"Received: output_size={output_size!r}"
            )
        q = target - smallest
    shapes.check_output_padding(q, stride, dilation)
    return p, p - q


def _onnx_crops(length, kernel_size, stride, dilation, pads=None, auto_pad="NOTSET",
                output_padding=None, output_shape=None):
    auto = (auto_pad or "NOTSET")
    if isinstance(auto, bytes):
        auto = auto.decode()
    auto = str(auto).upper()
    if auto not in ("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"):
        raise ValueError(
            "`auto_pad` must be NOTSET, SAME_UPPER, SAME_LOWER or VALID. "
            f"Received: auto_pad={auto_pad!r}"
        )
    q = _one("output_padding", output_padding, minimum=0, default=0)
    shapes.check_output_padding(q, stride, dilation)
    full = _full(length, kernel_size, stride, dilation)
    if output_shape is not None:
        out = shapes.check_int("output_shape", np.asarray(output_shape).ravel().tolist()[-1],
                               minimum=1)
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        out = length * stride
    else:
        out = None
    if out is not None and auto != "VALID":
        total = full + q - out
        if total < 0:
            # The spec's formula gives negative pads here; TF, Keras and JAX keep
            # the start and append zeros, which is what we do (the ONNX reference
            # evaluator instead prepends them: a known disagreement).
            return 0, total - q
        left = total // 2 if auto == "SAME_UPPER" else total - total // 2
        return left, total - left - q
    if auto == "VALID":
        if out is None:
            return 0, -q
        return 0, full - out
    if pads is None:
        b = e = 0
    else:
        values = np.asarray(pads).ravel().tolist()
        if len(values) != 2:
            raise ValueError(
                f"`pads` must be [begin, end] for 1-D. Received: pads={pads!r}"
            )
        b, e = (shapes.check_int("pads", v, minimum=0) for v in values)
    return b, e - q


def _tf_crops(length, kernel_size, stride, dilation, output_shape=None, padding="SAME"):
    if output_shape is None:
        raise TypeError("`output_shape` is required by tf.nn.conv1d_transpose. Received: None")
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(
            f"`padding` must be 'SAME' or 'VALID' for TensorFlow. Received: padding={padding!r}"
        )
    values = np.asarray(output_shape).ravel().tolist()
    if len(values) != 1:
        raise ValueError(
            "`output_shape` here is the output length, an int or [L_out]. "
            f"Received: output_shape={output_shape!r}"
        )
    out = shapes.check_int("output_shape", values[0], minimum=1)
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    full = (length - 1) * stride + dk
    if padding.upper() == "VALID":
        back = -(-(out - dk + 1) // stride)
        left = 0
    else:
        back = -(-out // stride)
        left = max(0, full - out) // 2
    if back != length:
        raise ValueError(
            f"TensorFlow rejects output_shape length {out}: the forward convolution "
            f"({padding.upper()}, kernel {dk}, stride {stride}) of that length has "
            f"length {back}, not the input length {length}. "
            f"Received: output_shape={output_shape!r}"
        )
    return left, full - left - out


def _jax_crops(length, kernel_size, stride, dilation, padding="SAME",
               use_consistent_padding=False):
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    if isinstance(padding, str):
        word = padding.upper()
        if word == "SAME":
            pad_len = dk + stride - 2
            lo = dk - 1 if stride > dk - 1 else -(-pad_len // 2)
        elif word == "VALID":
            pad_len = dk + stride - 2 + max(dk - stride, 0)
            lo = dk - 1
        else:
            raise ValueError(
                f"`padding` must be 'SAME', 'VALID' or [(lo, hi)]. Received: padding={padding!r}"
            )
        hi = pad_len - lo
    else:
        values = np.asarray(padding).ravel().tolist()
        if len(values) != 2:
            raise ValueError(
                f"`padding` must be 'SAME', 'VALID' or [(lo, hi)] for 1-D. "
                f"Received: padding={padding!r}"
            )
        lo, hi = (shapes.check_int("padding", v) for v in values)
        if use_consistent_padding:      # forward-conv padding, PyTorch-like
            lo, hi = dk - 1 - lo, dk - 1 - hi
    return dk - 1 - lo, dk - 1 - hi


_CROPS = {"keras": _keras_crops, "torch": _torch_crops, "onnx": _onnx_crops,
          "tf": _tf_crops, "jax": _jax_crops}


def crops_from(framework, length, kernel_size, *, stride=1, dilation=1, **arguments):
    """The canonical ``(crop_left, crop_right)`` chosen by a framework's arguments.

    Parameters
    ----------
    framework : {"keras", "torch", "onnx", "tf", "jax"}
    length, kernel_size : int
        Input length ``L`` and number of taps ``K``.
    stride, dilation : int, default 1
    **arguments
        The framework's own window arguments: ``keras``: ``padding``,
        ``output_padding``; ``torch``: ``padding``, ``output_padding``,
        ``output_size``; ``onnx``: ``pads``, ``auto_pad``, ``output_padding``,
        ``output_shape``; ``tf``: ``output_shape`` (the length, or ``[L_out]``),
        ``padding``; ``jax``: ``padding``, ``use_consistent_padding``.

    Returns
    -------
    (int, int)
        Samples dropped at the start and end of the full scatter of length
        ``(L - 1) * stride + (K - 1) * dilation + 1``; negative means zeros kept.

    Examples
    --------
    >>> crops_from("keras", 3, 3, stride=2, padding="same")
    (0, 1)
    >>> crops_from("torch", 3, 3, stride=2, padding=1, output_padding=1)
    (1, 0)
    >>> crops_from("onnx", 3, 1, stride=2, auto_pad="SAME_UPPER")
    (0, -1)
    >>> crops_from("jax", 3, 4, stride=2, padding=[(1, 1)])
    (2, 2)
    """
    key = _framework(framework)
    length = shapes.check_int("length", length, minimum=1)
    kernel_size = shapes.check_int("kernel_size", kernel_size, minimum=1)
    stride = shapes.check_int("stride", stride, minimum=1)
    dilation = shapes.check_int("dilation", dilation, minimum=1)
    try:
        return _CROPS[key](length, kernel_size, stride, dilation, **arguments)
    except TypeError as error:
        if "unexpected keyword" in str(error):
            raise TypeError(f"{key}: {error}") from None
        raise


# --------------------------------------------------------------------------- #
# Canonical crops -> arguments                                                #
# --------------------------------------------------------------------------- #
def _describe(crop_left, crop_right):
    def one(c, end):
        return f"crop {c} at the {end}" if c >= 0 else f"append {-c} zeros at the {end}"
    return f"{one(crop_left, 'start')} and {one(crop_right, 'end')}"


def _slice_advice(full, crop_left, crop_right, got_left, got_right):
    """How to get the wanted window from a wider one the framework can produce."""
    out = full - crop_left - crop_right
    start = crop_left - got_left
    return f"slice [{start}:{start + out}] yourself"


def _to_keras(length, kernel_size, stride, dilation, crop_left, crop_right):
    pairs = [("valid", None), ("same", None)]
    # Keras requires output_padding < strides (not < max(strides, dilation)).
    pairs += [(p, op) for op in range(stride) for p in ("same", "valid")]
    for padding, op in pairs:
        try:
            if _keras_crops(length, kernel_size, stride, dilation, padding, op) == \
                    (crop_left, crop_right):
                return {"padding": padding, "output_padding": op}
        except ValueError:
            continue
    full = _full(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    if crop_left >= 0 and crop_right >= 0:
        do = f"use padding='valid', output_padding=None and {_slice_advice(full, crop_left, crop_right, 0, 0)}"
    else:
        do = (f"use padding='valid', output_padding=None and take samples "
              f"[{crop_left}:{crop_left + out}] of the result, padding with zeros where "
              "that runs past an end")
    raise InexpressibleError(
        f"Keras cannot {_describe(crop_left, crop_right)} (length={length}, "
        f"kernel_size={kernel_size}, stride={stride}, dilation={dilation}): 'valid' "
        f"always crops 0 at the start and 'same' crops max(dk - s, 0) // 2 (or "
        f"dk // 2 - ceil(output_padding / 2)). Instead {do}."
    )


def _to_torch(length, kernel_size, stride, dilation, crop_left, crop_right):
    q = crop_left - crop_right
    limit = max(stride, dilation)
    if crop_left >= 0 and 0 <= q < limit:
        return {"padding": crop_left, "output_padding": q}
    full = _full(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    why = (f"PyTorch cannot {_describe(crop_left, crop_right)} (full length {full}): "
           f"padding=p, output_padding=q crops (p, p - q) with p >= 0 and "
           f"0 <= q < max(stride, dilation) = {limit}")
    p2 = max(0, min(crop_left, crop_right))
    q2 = max(0, p2 - crop_right)
    if crop_left >= 0 and q2 < limit:
        start = crop_left - p2
        do = (f"use padding={p2}, output_padding={q2} and slice [{start}:{start + out}] "
              "yourself")
    else:
        p2 = max(0, crop_left)
        got = full - 2 * p2
        do = (f"use padding={p2}, output_padding=0 (length {got}) and pad "
              f"{max(0, -crop_left)} zeros at the start and "
              f"{max(0, out - got - max(0, -crop_left))} at the end yourself "
              "(torch.nn.functional.pad), then add the bias there too")
    raise InexpressibleError(f"{why}. Instead {do}.")


def _to_onnx(length, kernel_size, stride, dilation, crop_left, crop_right):
    if crop_left >= 0 and crop_right >= 0:
        return {"pads": [crop_left, crop_right], "output_padding": 0}
    if crop_left >= 0 and -crop_right < stride:
        return {"pads": [crop_left, 0], "output_padding": -crop_right}
    full = _full(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    got = full - max(0, crop_left)
    raise InexpressibleError(
        f"ONNX ConvTranspose cannot {_describe(crop_left, crop_right)}: pads are "
        f"non-negative and output_padding (which appends at the end) must be < "
        f"stride={stride} in the reference evaluator. Instead use "
        f"pads=[{max(0, crop_left)}, 0] (length {got}) and pad {max(0, -crop_left)} "
        f"zeros at the start and {max(0, out - got - max(0, -crop_left))} at the end "
        "yourself (a Pad node), adding the bias there too."
    )


def _to_tf(length, kernel_size, stride, dilation, crop_left, crop_right):
    full = _full(length, kernel_size, stride, dilation)
    out = full - crop_left - crop_right
    for padding in ("VALID", "SAME"):
        try:
            got = _tf_crops(length, kernel_size, stride, dilation, out, padding)
        except ValueError:
            continue
        if got == (crop_left, crop_right):
            return {"output_shape": out, "padding": padding}
    same_left = max(0, full - out) // 2
    raise InexpressibleError(
        f"tf.nn.conv1d_transpose cannot {_describe(crop_left, crop_right)}: for an "
        f"output of length {out} it crops 0 at the start (VALID) or "
        f"{same_left} (SAME), and the length must round-trip through the forward "
        f"convolution. Instead use padding='VALID' with output_shape length "
        f"{full if crop_right >= 0 else full - crop_right} and slice "
        f"[{crop_left}:{crop_left + out}] yourself"
        + (" (pad zeros at the start first)." if crop_left < 0 else ".")
    )


def _to_jax(length, kernel_size, stride, dilation, crop_left, crop_right):
    dk = shapes.effective_kernel_size(kernel_size, dilation)
    return {"padding": [(dk - 1 - crop_left, dk - 1 - crop_right)]}


_ARGS = {"keras": _to_keras, "torch": _to_torch, "onnx": _to_onnx, "tf": _to_tf,
         "jax": _to_jax}


def arguments_for(framework, length, kernel_size, crop_left, crop_right, *, stride=1,
                  dilation=1):
    """The framework's own window arguments that keep ``(crop_left, crop_right)``.

    Parameters
    ----------
    framework : {"keras", "torch", "onnx", "tf", "jax"}
    length, kernel_size : int
    crop_left, crop_right : int
        The canonical window (negative: zeros kept beyond that end).
    stride, dilation : int, default 1

    Returns
    -------
    dict
        ``keras``: ``padding``, ``output_padding``; ``torch``: ``padding``,
        ``output_padding``; ``onnx``: ``pads``, ``output_padding``; ``tf``:
        ``output_shape`` (the length), ``padding``; ``jax``: ``padding`` as explicit
        pads ``[(lo, hi)]`` (with ``use_consistent_padding=False``, the default).

    Raises
    ------
    InexpressibleError
        If the framework cannot keep that window; the message says what to do.

    Examples
    --------
    >>> arguments_for("torch", 3, 3, 1, 0, stride=2)
    {'padding': 1, 'output_padding': 1}
    >>> arguments_for("onnx", 3, 3, 0, 1, stride=2)
    {'pads': [0, 1], 'output_padding': 0}
    >>> arguments_for("torch", 3, 3, 0, 1, stride=2)
    Traceback (most recent call last):
    ...
    deconv1d.frameworks.interop.InexpressibleError: PyTorch cannot crop 0 at the start and crop 1 at the end (full length 7): padding=p, output_padding=q crops (p, p - q) with p >= 0 and 0 <= q < max(stride, dilation) = 2. Instead use padding=0, output_padding=0 and slice [0:6] yourself.
    """
    key = _framework(framework)
    length = shapes.check_int("length", length, minimum=1)
    kernel_size = shapes.check_int("kernel_size", kernel_size, minimum=1)
    stride = shapes.check_int("stride", stride, minimum=1)
    dilation = shapes.check_int("dilation", dilation, minimum=1)
    crop_left = shapes.check_int("crop_left", crop_left)
    crop_right = shapes.check_int("crop_right", crop_right)
    full = _full(length, kernel_size, stride, dilation)
    if full - crop_left - crop_right < 1:
        raise ValueError(
            f"The window would be empty: full length {full}, crop_left={crop_left}, "
            f"crop_right={crop_right}"
        )
    return _ARGS[key](length, kernel_size, stride, dilation, crop_left, crop_right)


def translate(source, target, length, kernel_size, *, stride=1, dilation=1, **arguments):
    """Translate window arguments from one framework to another.

    Goes through the canonical ``(crop_left, crop_right)``: :func:`crops_from`
    then :func:`arguments_for`.  Weight layouts are converted separately
    (:func:`keras_kernel_from`, :func:`kernel_for`).

    Parameters
    ----------
    source, target : {"keras", "torch", "onnx", "tf", "jax"}
    length : int
        Input length ``L``.
    kernel_size : int
    stride, dilation : int, default 1
    **arguments
        The source framework's window arguments (e.g. ``padding=1,
        output_padding=1`` for ``"torch"``; ``pads=[0, 1]`` for ``"onnx"``).

    Returns
    -------
    dict
        The target's arguments (see :func:`arguments_for`).

    Raises
    ------
    InexpressibleError
        If the target cannot express the source's window.

    Examples
    --------
    >>> translate("keras", "onnx", 3, 3, stride=2, padding="same")
    {'pads': [0, 1], 'output_padding': 0}
    >>> translate("torch", "keras", 5, 4, stride=2, padding=1)
    {'padding': 'same', 'output_padding': None}
    """
    cl, cr = crops_from(source, length, kernel_size, stride=stride, dilation=dilation,
                        **arguments)
    return arguments_for(target, length, kernel_size, cl, cr, stride=stride,
                         dilation=dilation)


# --------------------------------------------------------------------------- #
# Computing a framework's call with the reference                             #
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class Call:
    """A framework call in canonical form: what :func:`plan` returns.

    Attributes
    ----------
    framework : str
    x : ndarray, shape (N, L, C_in)
        The input, channels last.
    kernel : ndarray, shape (K, C_out // groups, C_in)
        Keras layout.
    bias : ndarray, shape (C_out,), or None
    stride, dilation, groups : int
    crop_left, crop_right : int
        The canonical window.
    channels_first : bool
        Whether the framework's output is ``(N, C_out, L_out)``.
    unbatched : bool
        Whether the framework's input had no batch axis (PyTorch ``(C_in, L)``).
    """

    framework: str
    x: np.ndarray
    kernel: np.ndarray
    bias: object
    stride: int
    dilation: int
    groups: int
    crop_left: int
    crop_right: int
    channels_first: bool = False
    unbatched: bool = False

    @property
    def layout(self):
        """Axis letters of the framework's output: ``'NLC'``, ``'NCL'``, ``'CL'``..."""
        letters = "NCL" if self.channels_first else "NLC"
        return letters[1:] if self.unbatched else letters

    @property
    def reduction_length(self):
        """Terms summed per output: ``K * C_in / groups`` (plus one for a bias)."""
        n = self.kernel.shape[0] * self.kernel.shape[2] // self.groups
        return n + (self.bias is not None)

    def run(self, x=None, kernel=None, bias=False, dtype=None):
        """Compute this call, optionally with other arrays in canonical layouts.

        ``bias=False`` keeps the call's bias; ``dtype`` casts the inputs first
        (e.g. float64 for an exact reference).  Returns the framework's layout.
        """
        x = self.x if x is None else x
        kernel = self.kernel if kernel is None else kernel
        bias = self.bias if bias is False else bias
        if dtype is not None:
            x, kernel = np.asarray(x, dtype), np.asarray(kernel, dtype)
            bias = None if bias is None else np.asarray(bias, dtype)
        y = _window_conv(x, kernel, bias, self.stride, self.dilation, self.groups,
                         self.crop_left, self.crop_right)
        if self.channels_first:
            y = y.transpose(0, 2, 1)
        if self.unbatched:
            y = y[0]
        return np.ascontiguousarray(y)


def _window_conv(x, w, bias, stride, dilation, groups, crop_left, crop_right):
    """conv1d_transpose over any window, negative crops included (channels last)."""
    limit = max(stride, dilation)
    if crop_left >= 0 and crop_right >= 0:
        full = _full(x.shape[1], w.shape[0], stride, dilation)
        if full - crop_left - crop_right >= 1:
            return conv1d_transpose(x, w, stride, (crop_left, crop_right), None,
                                    dilation=dilation, groups=groups, bias=bias)
    if crop_left >= 0 and 0 < -crop_right < limit:
        return conv1d_transpose(x, w, stride, (crop_left, 0), -crop_right,
                                dilation=dilation, groups=groups, bias=bias)
    # General window: the full scatter, then slice and zero-extend, then the bias.
    y = conv1d_transpose(x, w, stride, "valid", 0, dilation=dilation, groups=groups)
    full = y.shape[1]
    out = full - crop_left - crop_right
    if out < 1:
        raise ValueError(
            f"The output would have length {out} < 1: full length {full}, "
            f"crop_left={crop_left}, crop_right={crop_right}"
        )
    result = np.zeros((y.shape[0], out, y.shape[2]), dtype=y.dtype)
    lo, hi = max(crop_left, 0), min(full, crop_left + out)
    if lo < hi:
        result[:, lo - crop_left:hi - crop_left] = y[:, lo:hi]
    if bias is not None:
        result = result + np.asarray(bias)
    return result


def _rank3(name, array, layout):
    a = np.asarray(array)
    if a.ndim != 3:
        raise ValueError(f"`{name}` must have rank 3, {layout}. Received: {name} with shape {a.shape}")
    return a


def _torch_plan(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                groups=1, dilation=1, output_size=None):
    x = np.asarray(input)
    unbatched = x.ndim == 2
    if unbatched:
        x = x[None]
    x = _rank3("input", x, "(N, C_in, L) or unbatched (C_in, L)")
    w = _rank3("weight", weight, "(C_in, C_out // groups, K)")
    s = _one("stride", stride, 1, 1)
    d = _one("dilation", dilation, 1, 1)
    groups = shapes.check_int("groups", groups, minimum=1)
    cl, cr = _torch_crops(x.shape[2], w.shape[2], s, d, padding, output_padding,
                          output_size)
    return Call("torch", x.transpose(0, 2, 1), keras_kernel_from("torch", w), bias,
                s, d, groups, cl, cr, channels_first=True, unbatched=unbatched)


def _onnx_plan(X, W, B=None, *, auto_pad="NOTSET", dilations=None, group=1,
               kernel_shape=None, output_padding=None, output_shape=None, pads=None,
               strides=None):
    x = _rank3("X", X, "(N, C, L)")
    w = _rank3("W", W, "(C, M / group, K)")
    if kernel_shape is not None and _one("kernel_shape", kernel_shape, 1) != w.shape[2]:
        raise ValueError(
            f"`kernel_shape` must match W's last axis {w.shape[2]}. "
            f"Received: kernel_shape={kernel_shape!r}"
        )
    s = _one("strides", strides, 1, 1)
    d = _one("dilations", dilations, 1, 1)
    group = shapes.check_int("group", group, minimum=1)
    cl, cr = _onnx_crops(x.shape[2], w.shape[2], s, d, pads, auto_pad, output_padding,
                         output_shape)
    return Call("onnx", x.transpose(0, 2, 1), keras_kernel_from("onnx", w), B, s, d,
                group, cl, cr, channels_first=True)


def _tf_plan(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
             dilations=None):
    if data_format not in ("NWC", "NCW"):
        raise ValueError(
            f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format!r}"
        )
    first = data_format == "NCW"
    x = _rank3("input", input, "(N, C_in, W)" if first else "(N, W, C_in)")
    x = x.transpose(0, 2, 1) if first else x
    w = _rank3("filters", filters, "(K, C_out, C_in)")
    s = _one("strides", strides, 1, 1)
    d = _one("dilations", dilations, 1, 1)
    values = np.asarray(output_shape).ravel().tolist()
    if len(values) == 3:
        n_out, l_out, c_out = (values[0], values[2], values[1]) if first else values
        if (n_out, c_out) != (x.shape[0], w.shape[1]):
            raise ValueError(
                f"`output_shape` batch and channels must be ({x.shape[0]}, {w.shape[1]}) "
                f"from input and filters. Received: output_shape={output_shape!r}"
            )
    elif len(values) == 1:
        l_out = values[0]
    else:
        raise ValueError(
            f"`output_shape` must have 3 entries. Received: output_shape={output_shape!r}"
        )
    cl, cr = _tf_crops(x.shape[1], w.shape[0], s, d, l_out, padding)
    return Call("tf", x, np.array(w), None, s, d, 1, cl, cr, channels_first=first)


def _jax_plan(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
              transpose_kernel=False, use_consistent_padding=False):
    lhs_spec, rhs_spec, out_spec = dimension_numbers or ("NHC", "HIO", "NHC")
    x = np.asarray(lhs)
    ln, lc = _spec_axes(lhs_spec, "NC", "dimension_numbers[0]")[1:]
    lh = _spec_axes(lhs_spec, "NC", "dimension_numbers[0]")[0]
    x = _rank3("lhs", x, f"in {lhs_spec!r} order").transpose(ln, lh, lc)
    w = keras_kernel_from("jax", _rank3("rhs", rhs, f"in {rhs_spec!r} order"),
                          transpose_kernel=transpose_kernel, rhs_spec=rhs_spec)
    s = _one("strides", strides, 1, 1)
    d = _one("rhs_dilation", rhs_dilation, 1, 1)
    if w.shape[2] != x.shape[2]:
        raise ValueError(
            f"`rhs` holds {w.shape[2]} input channels but `lhs` has {x.shape[2]} "
            f"(transpose_kernel={transpose_kernel}: the kernel is "
            + ("(K, C_out, C_in)" if transpose_kernel else "(K, C_in, C_out)")
            + f" in HIO order). Received: rhs with shape {np.shape(rhs)}"
        )
    cl, cr = _jax_crops(x.shape[1], w.shape[0], s, d, padding, use_consistent_padding)
    oh, on, oc = _spec_axes(out_spec, "NC", "dimension_numbers[2]")
    return _JaxCall("jax", x, w, None, s, d, 1, cl, cr, out_order=(on, oh, oc))


@dataclass(frozen=True)
class _JaxCall(Call):
    out_order: tuple = (0, 1, 2)

    @property
    def layout(self):
        letters = [""] * 3
        for letter, axis in zip("NLC", self.out_order):
            letters[axis] = letter
        return "".join(letters)

    def run(self, x=None, kernel=None, bias=False, dtype=None):
        y = Call.run(self, x, kernel, bias, dtype)        # (N, L, C)
        # out_order[j] is the axis of the output that holds N, H, C (j = 0, 1, 2).
        return np.ascontiguousarray(y.transpose(np.argsort(self.out_order)))


def _keras_plan(inputs, kernel, bias=None, strides=1, padding="valid",
                output_padding=None, data_format=None, dilation_rate=1):
    data_format = shapes.check_data_format(data_format)
    first = data_format == "channels_first"
    x = _rank3("inputs", inputs, "(N, C_in, L)" if first else "(N, L, C_in)")
    x = x.transpose(0, 2, 1) if first else x
    w = _rank3("kernel", kernel, "(K, C_out, C_in)")
    s = _one("strides", strides, 1, 1)
    d = _one("dilation_rate", dilation_rate, 1, 1)
    op = None if output_padding is None else _one("output_padding", output_padding, 0)
    cl, cr = _keras_crops(x.shape[1], w.shape[0], s, d, padding, op)
    return Call("keras", x, np.array(w), bias, s, d, 1, cl, cr, channels_first=first)


_PLANS = {"torch": _torch_plan, "onnx": _onnx_plan, "tf": _tf_plan, "jax": _jax_plan,
          "keras": _keras_plan}


def plan(framework, *args, **kwargs):
    """Read a framework call (its own arguments and layouts) into a :class:`Call`.

    ``plan("torch", x, weight, bias, stride=2, ...)`` takes exactly the arguments
    of :func:`torch_conv_transpose1d` (and likewise for the other frameworks);
    ``plan(...).run()`` computes it.  :mod:`deconv1d.verify` uses this to
    compute references, magnitudes and "what if" variants.

    Examples
    --------
    >>> c = plan("torch", np.ones((1, 2, 3)), np.ones((2, 4, 3)), stride=2, padding=1)
    >>> c.crop_left, c.crop_right, c.reduction_length
    (1, 1, 6)
    """
    planner = _PLANS[_framework(framework)]
    signature = inspect.signature(planner)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        names = ", ".join(signature.parameters)
        raise TypeError(f"{framework}: {error}; its arguments are: {names}. "
                        f"Received: {sorted(kwargs)}") from None
    return planner(*args, **kwargs)


def torch_conv_transpose1d(input, weight, bias=None, stride=1, padding=0,
                           output_padding=0, groups=1, dilation=1, output_size=None):
    """``torch.nn.functional.conv_transpose1d``, computed by the reference.

    Parameters
    ----------
    input : array_like, shape (N, C_in, L) or (C_in, L)
    weight : array_like, shape (C_in, C_out // groups, K)
    bias : array_like, shape (C_out,), optional
    stride, padding, output_padding, groups, dilation : int
        PyTorch's meanings: crop ``padding`` at both ends, then lengthen the end
        by ``output_padding`` (``< max(stride, dilation)``).
    output_size : int or sequence, optional
        As ``ConvTranspose1d.forward(x, output_size)``: picks ``output_padding``.

    Returns
    -------
    ndarray, shape (N, C_out, L_out) or (C_out, L_out)
        ``L_out = (L - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1``.

    Examples
    --------
    >>> x = np.ones((1, 1, 3))
    >>> w = np.array([[[1.0, 2.0, 3.0]]])
    >>> torch_conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)[0, 0]
    array([2., 4., 2., 4., 2., 3.])
    """
    return _torch_plan(input, weight, bias, stride, padding, output_padding, groups,
                       dilation, output_size).run()


def onnx_conv_transpose(X, W, B=None, *, auto_pad="NOTSET", dilations=None, group=1,
                        kernel_shape=None, output_padding=None, output_shape=None,
                        pads=None, strides=None):
    """ONNX ``ConvTranspose`` (1-D), computed by the reference, with ONNX attribute names.

    Parameters
    ----------
    X : array_like, shape (N, C, L)
    W : array_like, shape (C, M / group, K)
    B : array_like, shape (M,), optional
    auto_pad : {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"}
        SAME_*: output length ``L * stride`` (or ``output_shape``); the odd
        padding goes to the end (UPPER) or the start (LOWER).  When the total
        padding is negative (``stride > dk + output_padding``) zeros are
        appended at the end, as TF/Keras/JAX do (the ONNX reference evaluator
        prepends them instead).
    dilations, strides, output_padding, kernel_shape : int or [int]
    group : int
    output_shape : int or [int], optional
        Spatial output length; without ``auto_pad`` the larger half of the
        padding goes to the start (the spec's rule).
    pads : [begin, end], optional
        Crop ``(begin, end - output_padding)`` of the full scatter.

    Returns
    -------
    ndarray, shape (N, M, L_out)

    Examples
    --------
    >>> X = np.array([[[1.0, 2.0, 3.0]]])
    >>> onnx_conv_transpose(X, np.ones((1, 1, 1)), strides=[2], auto_pad="SAME_UPPER")[0, 0]
    array([1., 0., 2., 0., 3., 0.])
    """
    return _onnx_plan(X, W, B, auto_pad=auto_pad, dilations=dilations, group=group,
                      kernel_shape=kernel_shape, output_padding=output_padding,
                      output_shape=output_shape, pads=pads, strides=strides).run()


def tf_conv1d_transpose(input, filters, output_shape, strides, padding="SAME",
                        data_format="NWC", dilations=None):
    """``tf.nn.conv1d_transpose``, computed by the reference.

    Unlike TensorFlow on CPU, ``dilations > 1`` and ``data_format='NCW'`` work.

    Parameters
    ----------
    input : array_like, shape (N, W, C_in) or (N, C_in, W)
    filters : array_like, shape (K, C_out, C_in)
    output_shape : sequence of 3 ints
        ``(N, W_out, C_out)`` (NWC) or ``(N, C_out, W_out)`` (NCW); the length
        must round-trip through the forward convolution, as TensorFlow requires.
    strides : int or [int]
    padding : {"SAME", "VALID"}
        SAME crops ``max(0, (L-1)s + dk - W_out) // 2`` at the start; VALID crops 0.
    data_format : {"NWC", "NCW"}
    dilations : int or [int], optional

    Returns
    -------
    ndarray, shape (N, W_out, C_out) or (N, C_out, W_out)

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> tf_conv1d_transpose(x, w, [1, 6, 1], 2, "SAME")[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    """
    return _tf_plan(input, filters, output_shape, strides, padding, data_format,
                    dilations).run()


def jax_conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None,
                       dimension_numbers=None, transpose_kernel=False,
                       use_consistent_padding=False):
    """``jax.lax.conv_transpose`` (1-D), computed by the reference.

    Parameters
    ----------
    lhs : array_like, shape (N, L, C_in) in ``dimension_numbers[0]`` order
    rhs : array_like
        ``(K, C_in, C_out)`` in ``dimension_numbers[1]`` order (default ``'HIO'``),
        used *flipped* (the JAX default); with ``transpose_kernel=True`` it is
        ``(K, C_out, C_in)``, the Keras layout, and not flipped.
    strides : int or [int]
    padding : {"SAME", "VALID"} or [(lo, hi)]
        Strings follow Keras.  Explicit pads pad the stride-dilated input:
        crop ``(dk - 1 - lo, dk - 1 - hi)``; with ``use_consistent_padding=True``
        they are forward-conv pads and crop ``(lo, hi)`` (PyTorch-like).
    rhs_dilation : int or [int], optional
    dimension_numbers : (str, str, str), optional
        Default ``('NHC', 'HIO', 'NHC')``.
    transpose_kernel : bool, default False
    use_consistent_padding : bool, default False

    Returns
    -------
    ndarray, shape (N, L_out, C_out) in ``dimension_numbers[2]`` order

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> jax_conv_transpose(x, w, [2], "SAME", transpose_kernel=True)[0, :, 0]
    array([1., 2., 4., 2., 4., 2.])
    >>> jax_conv_transpose(x, w, [2], "SAME")[0, :, 0]   # flipped kernel
    array([3., 2., 4., 2., 4., 2.])
    """
    return _jax_plan(lhs, rhs, strides, padding, rhs_dilation, dimension_numbers,
                     transpose_kernel, use_consistent_padding).run()


def keras_conv1d_transpose(inputs, kernel, bias=None, strides=1, padding="valid",
                           output_padding=None, data_format=None, dilation_rate=1):
    """Keras ``ops.conv_transpose`` / ``Conv1DTranspose`` call, computed by the reference.

    Parameters
    ----------
    inputs : array_like, shape (N, L, C_in) or (N, C_in, L)
    kernel : array_like, shape (K, C_out, C_in)
    bias : array_like, shape (C_out,), optional
    strides, dilation_rate : int
    padding : {"valid", "same"}
    output_padding : int or None
    data_format : {"channels_last", "channels_first"}, optional

    Returns
    -------
    ndarray, shape (N, L_out, C_out) or (N, C_out, L_out)

    Examples
    --------
    >>> x = np.ones((1, 3, 1))
    >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
    >>> keras_conv1d_transpose(x, w, strides=2, padding="same", output_padding=0)[0, :, 0]
    array([2., 4., 2., 4., 2.])
    """
    return _keras_plan(inputs, kernel, bias, strides, padding, output_padding,
                       data_format, dilation_rate).run()
