"""Integer arithmetic of the 1-D transposed convolution, and argument checking.

Every transposed convolution in every framework is the same two steps:

1. the *full scatter*: input sample ``i`` and kernel tap ``k`` land on position
   ``i * stride + k * dilation`` of a buffer of natural length
   ``full_length = (length - 1) * stride + effective_kernel``, where
   ``effective_kernel = (kernel_size - 1) * dilation + 1``;
2. a *window* of that buffer is kept: ``crop_left`` samples are dropped at the
   start and ``crop_right`` at the end.  A negative ``crop_right`` appends zeros.

Frameworks differ only in how their arguments choose ``(crop_left, crop_right)``.
This module turns Keras's ``padding``/``output_padding`` (and the PyTorch-style int
and ONNX-style pair forms) into that pair, and holds the one place where
arguments are checked, so that every public function raises the same messages.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, Relationships 8-14.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Callable, NamedTuple, Union

__all__ = [
    "DATA_FORMATS",
    "KERAS_PADDINGS",
    "Geometry",
    "Padding",
    "Window",
    "check_conv_padding",
    "check_data_format",
    "check_int",
    "check_output_padding",
    "check_padding",
    "crops",
    "effective_kernel_size",
    "geometry",
    "output_length",
]

KERAS_PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


class Window(NamedTuple):
    """The part of the full scatter kept as output: ``(crop_left, crop_right)``.

    ``crop_left`` samples are dropped at the start of the full scatter and
    ``crop_right`` at its end.  A negative crop keeps that many zeros beyond
    that end instead (zero extension, before the bias is added).  Every
    framework's padding arguments choose one ``Window``; passed as ``padding``,
    a ``Window`` asks for it directly, negative crops included.

    Attributes
    ----------
    crop_left, crop_right : int

    Examples
    --------
    >>> Window(1, -2).output_length(7)      # full scatter of 7, 1 dropped, 2 zeros added
    8
    >>> check_padding(Window(-1, 0))
    Window(crop_left=-1, crop_right=0)
    """

    crop_left: int
    crop_right: int

    def output_length(self, full_length: int) -> int:
        """Length of the kept window of a full scatter of ``full_length`` samples."""
        return full_length - self.crop_left - self.crop_right


#: What ``padding`` accepts: a Keras word, a PyTorch int, an ONNX pair of
#: crops, or a :class:`Window`.
Padding = Union[str, int, Sequence[int], Window]


# --------------------------------------------------------------------------- #
# Argument checking: the one place.                                           #
# --------------------------------------------------------------------------- #
def check_int(name: str, value: object, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, or raise naming ``name``.

    Accepts Python and NumPy integers (not bools, not floats, not strings) and
    1-tuples/lists of one integer, as Keras does for 1-D sizes.

    Parameters
    ----------
    name : str
        The argument's name, used in the error message.
    value : object
        The value received.
    minimum : int, optional
        Smallest allowed value.

    Returns
    -------
    int

    Raises
    ------
    TypeError
        If ``value`` is not an integer.
    ValueError
        If ``value`` is below ``minimum``.

    Examples
    --------
    >>> check_int("stride", 2, minimum=1)
    2
    >>> check_int("stride", (3,), minimum=1)
    3
    """
    if type(value) is int and (minimum is None or value >= minimum):
        return value                    # the common case, without the ABC checks
    received = value
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(
                f"`{name}` must be an integer or a tuple of 1 integer. "
                f"Received: {name}={received!r}"
            )
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={received!r}")
    value = operator.index(value)
    if minimum is not None and value < minimum:
        raise ValueError(
            f"`{name}` must be >= {minimum}. Received: {name}={received!r}"
        )
    return value


def check_padding(padding: Padding) -> str | tuple[int, int]:
    """Normalise ``padding`` to ``"valid"``, ``"same"``, or a pair of crops.

    Parameters
    ----------
    padding : {"valid", "same"} or int or (int, int) or Window
        Keras words (case-insensitive); an int ``p`` (PyTorch: crop ``p`` at
        both ends); a pair ``(left, right)`` of explicit crops (ONNX ``pads``);
        or a :class:`Window`, whose crops may be negative.

    Returns
    -------
    str or tuple of (int, int) or Window

    Examples
    --------
    >>> check_padding("SAME")
    'same'
    >>> check_padding(2)
    (2, 2)
    >>> check_padding((0, 1))
    (0, 1)
    """
    if isinstance(padding, str):
        word = padding.lower()
        if word not in KERAS_PADDINGS:
            hint = ""
            if word == "causal":
                hint = (
                    " A transposed convolution has no causal padding "
                    "(Keras supports it only for Conv1D)."
                )
            raise ValueError(
                "`padding` must be 'valid' or 'same' (case-insensitive), an int, or a "
                f"pair (left, right) of ints. Received: padding={padding!r}.{hint}"
            )
        return word
    if isinstance(padding, Window):
        return Window(*(check_int("padding", c) for c in padding))
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(
                "`padding` as a sequence must be a pair (left, right). "
                f"Received: padding={padding!r}"
            )
        left, right = (_padding_int(padding, p) for p in padding)
        return (left, right)
    p = _padding_int(padding, padding)
    return (p, p)


def check_conv_padding(padding: str | int | Sequence[int]) -> str | tuple[int, int]:
    """Normalise the ``padding`` of a forward ``conv1d``.

    Keras ``Conv1D`` words ``"valid"``, ``"same"``, ``"causal"`` (case-insensitive);
    an int ``p`` (PyTorch: ``p`` zeros at both ends); or a pair ``(left, right)``
    of explicit zero pads.

    Returns
    -------
    str or tuple of (int, int)

    Examples
    --------
    >>> check_conv_padding("Causal")
    'causal'
    >>> check_conv_padding(1)
    (1, 1)
    """
    if isinstance(padding, str):
        word = padding.lower()
        if word not in KERAS_PADDINGS + ("causal",):
            raise ValueError(
                "`padding` must be 'valid', 'same' or 'causal' (case-insensitive), an "
                f"int, or a pair (left, right) of ints. Received: padding={padding!r}"
            )
        return word
    return check_padding(padding)


def _padding_int(received, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            "`padding` must be 'valid', 'same', an int, or a pair of ints. "
            f"Received: padding={received!r}"
        )
    value = operator.index(value)
    if value < 0:
        raise ValueError(
            f"`padding` must not be negative. Received: padding={received!r}"
        )
    return value


def check_output_padding(output_padding, stride, dilation=1):
    """Check ``output_padding``: ``None`` or an int in ``[0, max(stride, dilation))``.

    Parameters
    ----------
    output_padding : int or None
        The value received.
    stride, dilation : int
        Already checked; the bound is ``max(stride, dilation)`` (PyTorch's rule;
        the Keras layer itself requires ``output_padding < strides``).

    Returns
    -------
    int or None

    Examples
    --------
    >>> check_output_padding(1, stride=2)
    1
    >>> check_output_padding(None, stride=2) is None
    True
    """
    if output_padding is None:
        return None
    op = check_int("output_padding", output_padding, minimum=0)
    if op >= max(stride, dilation):
        raise ValueError(
            "`output_padding` must be smaller than the stride (or the dilation). "
            f"Received: output_padding={output_padding!r} with stride={stride}, "
            f"dilation={dilation}"
        )
    return op


def check_data_format(data_format):
    """Return ``"channels_last"`` or ``"channels_first"`` (``None`` means last).

    Examples
    --------
    >>> check_data_format(None)
    'channels_last'
    """
    if data_format is None:
        return "channels_last"
    if not isinstance(data_format, str) or data_format.lower() not in DATA_FORMATS:
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: data_format={data_format!r}"
        )
    return data_format.lower()


# --------------------------------------------------------------------------- #
# Arithmetic.                                                                 #
# --------------------------------------------------------------------------- #
def effective_kernel_size(kernel_size, dilation=1):
    """Span of a dilated kernel: ``(kernel_size - 1) * dilation + 1``.

    Parameters
    ----------
    kernel_size, dilation : int

    Returns
    -------
    int

    Examples
    --------
    >>> effective_kernel_size(3, dilation=2)
    5
    """
    return (kernel_size - 1) * dilation + 1


def output_length(length, kernel_size, stride=1, padding="valid",
                  output_padding=None, dilation=1):
    """Length of the output of a 1-D transposed convolution.

    Reproduces Keras's ``deconv_output_length`` for ``"valid"``, ``"same"`` and
    ``"full"`` (the last exists in Keras's helper, not in its layer), and extends it
    to an int padding (PyTorch) and a pair of crops (ONNX ``pads``).

    Parameters
    ----------
    length : int or None
        Input length ``L``. ``None`` (unknown) gives ``None``.
    kernel_size : int
        Number of taps ``K``.
    stride : int, default 1
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
    output_padding : int or None, default None
        ``None`` lets Keras infer the length; ``0`` is a different request.
    dilation : int, default 1

    Returns
    -------
    int or None
        ``0`` is possible (Keras's helper gives it, e.g. for ``length=0``);
        :func:`geometry` and the convolutions refuse an empty output.

    Raises
    ------
    ValueError
        If the crops exceed the full scatter so that the length would be
        negative (e.g. ``output_length(3, 5, 1, (10, 10))``): no window has a
        negative length.

    Notes
    -----
    With ``dk = (K - 1) * dilation + 1``, ``full = (L - 1)*s + dk`` and
    ``op = output_padding``, the Keras words are the rows of :data:`KERAS_LENGTHS`:

    ========  ============================  ============================
    padding   op is None                    op given
    ========  ============================  ============================
    valid     ``L*s + max(dk - s, 0)``      ``full + op``
    same      ``L*s``                       ``(L - 1)*s + dk % 2 + op``
    full      ``L*s - (s + dk - 2)``        ``(L - 1)*s - dk + 2 + op``
    int p     ``full - 2p``                 ``full - 2p + op``
    (l, r)    ``full - l - r``              ``full - l - r + op``
    ========  ============================  ============================

    Like Keras's helper, this does not bound ``output_padding`` above (Keras pins
    ``(4, 2, "same", output_padding=2, stride=1) -> 5``); :func:`geometry` and
    :func:`deconv1d.conv1d_transpose` require ``output_padding < max(stride,
    dilation)``, and the Keras layer ``output_padding < strides``.

    References
    ----------
    arXiv:1603.07285, Relationship 14: ``o' = s(i'-1) + a + k - 2p``.

    Examples
    --------
    >>> output_length(4, 2, stride=2, padding="same")
    8
    >>> output_length(3, 3, stride=2, padding="same", output_padding=0)
    5
    >>> output_length(4, 2, padding="full", output_padding=2)
    5
    >>> output_length(None, 3) is None
    True
    """
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    dilation = check_int("dilation", dilation, minimum=1)
    # Like Keras's helper, no upper bound on output_padding here: the pinned
    # value (4, 2, same, op=2, s=1) -> 5 needs none.  The convolution checks it.
    op = None if output_padding is None else check_int(
        "output_padding", output_padding, minimum=0)
    full_word = isinstance(padding, str) and padding.lower() == "full"
    padding = "full" if full_word else check_padding(padding)
    if length is None:
        return None
    length = check_int("length", length, minimum=0)
    dk = effective_kernel_size(kernel_size, dilation)
    out = _window(length, dk, stride, padding, op)[1]
    if out < 0:
        raise ValueError(
            f"The output would have length {out} < 0: length={length}, "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding!r}, "
            f"output_padding={output_padding!r}, dilation={dilation}"
        )
    return out


class Formula(NamedTuple):
    """One rule of the length table: printable, and evaluated.

    Attributes
    ----------
    expression : str
        The rule in the symbols ``L`` (input length), ``s`` (stride), ``dk``
        (effective kernel), ``op`` (output_padding) and ``full = (L - 1)*s + dk``,
        with ``max`` and ``ceil``, e.g. ``"L*s + max(dk - s, 0)"``.
    evaluate : callable
        ``evaluate(L, s, dk, op) -> int``, the same rule in integer arithmetic
        (the rules for ``output_padding=None`` do not use ``op``).
    remark : str
        A word printed after the expression, e.g. ``"same"``; may be empty.

    Examples
    --------
    >>> rule = KERAS_LENGTHS["same", False]      # padding="same", output_padding=None
    >>> rule.output_length.text, rule.output_length.evaluate(3, 2, 3, 0)
    ('L*s (same)', 6)
    """

    expression: str
    evaluate: Callable[[int, int, int, int], int]
    remark: str = ""

    @property
    def text(self) -> str:
        """The expression, followed by the remark in parentheses when there is one."""
        return f"{self.expression} ({self.remark})" if self.remark else self.expression


class LengthRule(NamedTuple):
    """How one Keras padding word chooses the window: its left crop and output length."""

    crop_left: Formula
    output_length: Formula


#: The Keras length table: ``KERAS_LENGTHS[word, output_padding is not None]``
#: for ``word`` in ``"valid"``, ``"same"`` and ``"full"`` (the last only in
#: Keras's ``deconv_output_length`` helper).  :func:`output_length` and
#: :func:`geometry` evaluate it; :mod:`deconv1d.explain` prints it.
KERAS_LENGTHS: dict[tuple[str, bool], LengthRule] = {
    ("valid", False): LengthRule(
        Formula("0", lambda L, s, dk, op: 0, "valid"),
        Formula("L*s + max(dk - s, 0)", lambda L, s, dk, op: L * s + max(dk - s, 0))),
    ("valid", True): LengthRule(
        Formula("0", lambda L, s, dk, op: 0, "valid"),
        Formula("full + op", lambda L, s, dk, op: (L - 1) * s + dk + op)),
    ("same", False): LengthRule(
        Formula("max(dk - s, 0) // 2", lambda L, s, dk, op: max(dk - s, 0) // 2),
        Formula("L*s", lambda L, s, dk, op: L * s, "same")),
    ("same", True): LengthRule(
        Formula("max(dk // 2 - ceil(op / 2), 0)",
                lambda L, s, dk, op: max(dk // 2 - (op + 1) // 2, 0)),
        Formula("(L - 1)*s + dk % 2 + op", lambda L, s, dk, op: (L - 1) * s + dk % 2 + op)),
    ("full", False): LengthRule(
        Formula("dk - 1", lambda L, s, dk, op: dk - 1),
        Formula("L*s - (s + dk - 2)", lambda L, s, dk, op: L * s - (s + dk - 2))),
    ("full", True): LengthRule(
        Formula("dk - 1", lambda L, s, dk, op: dk - 1),
        Formula("(L - 1)*s - dk + 2 + op", lambda L, s, dk, op: (L - 1) * s - dk + 2 + op)),
}
__all__ += ["KERAS_LENGTHS", "Formula", "LengthRule"]


def _window(length, dk, stride, padding, op):
    """``(crop_left, output_length)`` for checked arguments: :data:`KERAS_LENGTHS`, or crops."""
    if isinstance(padding, str):
        rule = KERAS_LENGTHS[padding, op is not None]
        numbers = (length, stride, dk, op or 0)
        return rule.crop_left.evaluate(*numbers), rule.output_length.evaluate(*numbers)
    left, right = padding
    return left, (length - 1) * stride + dk - left - right + (op or 0)


def crops(length, kernel_size, stride=1, padding="valid", output_padding=None,
          dilation=1):
    """The window kept of the full scatter, as ``(crop_left, crop_right)``.

    ``crop_right`` is negative when the output runs past the full scatter (those
    positions are zeros before the bias is added).

    Parameters
    ----------
    length, kernel_size, stride, padding, output_padding, dilation
        As :func:`geometry`.

    Returns
    -------
    (crop_left, crop_right) : tuple of int

    Examples
    --------
    >>> crops(3, 3, stride=2, padding="same")   # Keras same, K=3, s=2
    (0, 1)
    >>> crops(3, 1, stride=3)                   # valid, K=1, s=3: two zeros appended
    (0, -2)
    """
    g = geometry(length, kernel_size, stride, padding, output_padding, dilation)
    return g.crop_left, g.crop_right


@dataclass(frozen=True)
class Geometry:
    """Every integer of one transposed convolution along its time axis.

    Attributes
    ----------
    length, kernel_size, stride, dilation : int
        The input length and the convolution's parameters.
    padding : str or tuple of (int, int)
        As normalised by :func:`check_padding`.
    output_padding : int or None
    effective_kernel : int
        ``(kernel_size - 1) * dilation + 1``.
    full_length : int
        ``(length - 1) * stride + effective_kernel``, the natural length of the scatter.
    crop_left, crop_right : int
        Samples dropped at each end of the full scatter (``crop_right < 0``: zeros appended).
    output_length : int
        ``full_length - crop_left - crop_right``.
    """

    length: int
    kernel_size: int
    stride: int
    dilation: int
    padding: str | tuple[int, int]
    output_padding: int | None
    effective_kernel: int
    full_length: int
    crop_left: int
    crop_right: int
    output_length: int

    @property
    def window(self) -> Window:
        """The kept window, ``Window(crop_left, crop_right)``."""
        return Window(self.crop_left, self.crop_right)


def geometry(length, kernel_size, stride=1, padding="valid", output_padding=None,
             dilation=1):
    """Check the arguments and compute the whole time-axis geometry.

    Parameters
    ----------
    length : int
        Input length ``L >= 1``.
    kernel_size : int
    stride : int, default 1
    padding : {"valid", "same"} or int or (int, int), default "valid"
    output_padding : int or None, default None
    dilation : int, default 1

    Returns
    -------
    Geometry

    Raises
    ------
    ValueError
        If an argument is out of range or the output would be empty.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> g = geometry(3, 3, stride=2, padding="same")
    >>> g.full_length, g.crop_left, g.output_length
    (7, 0, 6)
    """
    length = check_int("length", length, minimum=1)
    kernel_size = check_int("kernel_size", kernel_size, minimum=1)
    stride = check_int("stride", stride, minimum=1)
    dilation = check_int("dilation", dilation, minimum=1)
    padding = check_padding(padding)
    op = check_output_padding(output_padding, stride, dilation)

    dk = effective_kernel_size(kernel_size, dilation)
    full = (length - 1) * stride + dk
    crop_left, out = _window(length, dk, stride, padding, op)
    if out < 1:
        raise ValueError(
            f"The output would have length {out} < 1: length={length}, "
            f"kernel_size={kernel_size}, stride={stride}, padding={padding!r}, "
            f"output_padding={output_padding!r}, dilation={dilation}"
        )
    return Geometry(
        length=length, kernel_size=kernel_size, stride=stride, dilation=dilation,
        padding=padding, output_padding=op, effective_kernel=dk, full_length=full,
        crop_left=crop_left, crop_right=full - crop_left - out, output_length=out,
    )
