"""What every framework module provides, and the small vocabulary they share.

A framework is one module (``keras.py``, ``torch.py``, ...) holding one
:class:`Framework` value, ``FRAMEWORK``; :mod:`deconv1d.frameworks.registry`
lists them.  Every framework computes the same thing (see
:mod:`deconv1d.shapes`): a *full scatter* of natural length
``(L - 1) * stride + dk`` (``dk = (K - 1) * dilation + 1``) of which a
:class:`~deconv1d.shapes.Window` ``(crop_left, crop_right)`` is kept (a
negative crop keeps zeros beyond that end).  Frameworks differ in their weight
layout and in the arguments that choose the window; a :class:`Framework` holds
both directions of each, its entry point, its command-line options and how its
call is written for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from ..core.transpose import conv1d_transpose

__all__ = ["Call", "Framework", "InexpressibleError", "Spelling", "Workaround",
           "advise", "check_in_channels", "check_padding_word", "describe_window", "full_length", "one_int", "same_layout", "spec_axes"]

Crops = tuple[int, int]


def full_length(length: int, kernel_size: int, stride: int, dilation: int) -> int:
    """Natural length of the full scatter, ``(L - 1) * stride + (K - 1) * dilation + 1``."""
    return (length - 1) * stride + shapes.effective_kernel_size(kernel_size, dilation)


def one_int(name: str, value: Any, minimum: int | None = None,
            default: int | None = None) -> int | None:
    """An int from an int or a 1-element sequence (frameworks spell 1-D sizes both ways)."""
    if value is None:
        return default
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return shapes.check_int(name, value, minimum=minimum)


def check_in_channels(input_name: str, input_shape: tuple[int, ...], in_channels: int,
                      weight_name: str, weight_shape: tuple[int, ...], weight_in: int,
                      axis: str, groups: int = 1, group_name: str = "groups") -> None:
    """Refuse a weight whose input channels do not match the input, in the user's names.

    Each framework's entry point calls this with its own argument names and the
    shapes as the user passed them, before anything is converted to the internal
    channels-last layout.

    Parameters
    ----------
    input_name, weight_name : str
        The framework's names (``"input"``/``"weight"``, ``"X"``/``"W"``...).
    input_shape, weight_shape : tuple of int
        The shapes as passed.
    in_channels, weight_in : int
        The input's channels and the weight's input-channel count.
    axis : str
        Which axis of the weight holds them (``"its first axis"``).
    groups : int, default 1
    group_name : str, default "groups"

    Examples
    --------
    >>> check_in_channels("X", (1, 3, 4), 3, "W", (2, 2, 3), 2, "its first axis")
    Traceback (most recent call last):
    ...
    ValueError: `W` must have 3 input channels (its first axis) to match `X` with shape (1, 3, 4). Received: W with shape (2, 2, 3)
    """
    if in_channels % groups:
        raise ValueError(
            f"`{group_name}` must divide the {in_channels} input channels of "
            f"`{input_name}` (shape {tuple(input_shape)}). Received: {group_name}={groups}"
        )
    if weight_in != in_channels:
        raise ValueError(
            f"`{weight_name}` must have {in_channels} input channels ({axis}) to match "
            f"`{input_name}` with shape {tuple(input_shape)}. Received: {weight_name} "
            f"with shape {tuple(weight_shape)}"
        )


def spec_axes(spec: Any, letters: str, name: str) -> tuple[int, int, int]:
    """Axis positions ``(spatial, letters[0], letters[1])`` of a spec string like ``'HIO'``."""
    if not isinstance(spec, str) or len(spec) != 3:
        raise ValueError(
            f"`{name}` must be a 3-letter string such as 'NHC' or 'HIO'. "
            f"Received: {name}={spec!r}"
        )
    a, b = letters[0], letters[1]
    spatial = [c for c in spec if c not in (a, b)]
    if spec.count(a) != 1 or spec.count(b) != 1 or len(spatial) != 1:
        raise ValueError(
            f"`{name}` must hold {a!r}, {b!r} and one spatial letter. Received: {name}={spec!r}"
        )
    return spec.index(spatial[0]), spec.index(a), spec.index(b)


def same_layout(weight: npt.ArrayLike, **_: Any) -> np.ndarray:
    """A copy of ``weight``: for frameworks whose weight layout is Keras's own."""
    return np.array(weight)


def check_padding_word(framework: str, keywords: dict, words: Sequence[str]) -> dict:
    """``keywords`` unchanged if its ``padding`` (from ``--padding``) is one of ``words``."""
    padding = keywords.get("padding")
    if padding is not None and padding.lower() not in [w.lower() for w in words]:
        raise ValueError(f"--padding for {framework} must be same or valid. "
                         f"Received: --padding={padding!r}")
    return keywords


def describe_window(crop_left: int, crop_right: int) -> str:
    """``'crop 1 at the start and append 2 zeros at the end'`` for ``(1, -2)``."""
    def one(c: int, end: str) -> str:
        return f"crop {c} at the {end}" if c >= 0 else f"append {-c} zeros at the {end}"
    return f"{one(crop_left, 'start')} and {one(crop_right, 'end')}"


class Workaround(NamedTuple):
    """What to do when a framework cannot keep a window: a wider call, then a slice.

    Call the framework with ``arguments``; its output has ``length`` samples.
    The wanted window is samples ``[start:stop]`` of it, where positions before
    0 or from ``length`` on are zeros (to which the bias is then added).

    Attributes
    ----------
    arguments : dict
        The framework's own window arguments for the wider call.
    start, stop : int
        The wanted samples, in the coordinates of that call's output.
    length : int
        The length of that call's output.

    Examples
    --------
    >>> w = Workaround({"padding": 0}, 1, 5, 4)
    >>> w.zeros_before, w.zeros_after
    (0, 1)
    >>> w.apply(np.arange(1.0, 5.0))
    array([2., 3., 4., 0.])
    """

    arguments: Mapping[str, Any]
    start: int
    stop: int
    length: int

    @property
    def zeros_before(self) -> int:
        """Zeros to prepend (the wanted window starts before the call's output)."""
        return min(max(0, -self.start), self.stop - self.start)

    @property
    def zeros_after(self) -> int:
        """Zeros to append (the wanted window ends after the call's output)."""
        return min(max(0, self.stop - self.length), self.stop - self.start)

    def apply(self, y: npt.ArrayLike, axis: int = -1) -> np.ndarray:
        """The wanted window of ``y`` (the wider call's output, without its bias).

        Parameters
        ----------
        y : array_like
            The output of the call with :attr:`arguments`; ``y.shape[axis] == length``.
        axis : int, default -1
            Its time axis (``-1`` for PyTorch/ONNX ``(N, C, L)``).

        Returns
        -------
        ndarray
            ``stop - start`` samples along ``axis``; a new array.
        """
        y = np.asarray(y)
        if y.shape[axis] != self.length:
            raise ValueError(
                f"`y` must have {self.length} samples along axis {axis}. "
                f"Received: y with shape {y.shape}"
            )
        moved = np.moveaxis(y, axis, -1)
        out = np.zeros(moved.shape[:-1] + (self.stop - self.start,), dtype=y.dtype)
        lo, hi = max(self.start, 0), min(self.stop, self.length)
        if lo < hi:
            out[..., lo - self.start:hi - self.start] = moved[..., lo:hi]
        return np.moveaxis(out, -1, axis)


def advise(arguments_text: str, workaround: Workaround, padding_note: str) -> str:
    """Advice for a :class:`Workaround`: the wider call, then the slice or the zeros.

    ``padding_note`` follows the zero padding, e.g. ``"(a Pad node), adding the
    bias there too"``.
    """
    w = workaround
    if not (w.zeros_before or w.zeros_after):
        return f"use {arguments_text} and slice [{w.start}:{w.stop}] yourself"
    text = f"use {arguments_text} (length {w.length})"
    kept = (max(w.start, 0), min(w.stop, w.length))
    if kept != (0, w.length):
        text += f", keep samples [{kept[0]}:{kept[1]}]"
    return (f"{text} and pad {w.zeros_before} zeros at the start and {w.zeros_after} at "
            f"the end yourself {padding_note}")


class InexpressibleError(ValueError):
    """A framework cannot express the requested window with its own arguments.

    The message says why, and what to do instead (usually: ask for a larger
    window and slice, or pad zeros yourself).  ``reason`` is the why,
    ``workaround`` the what (a :class:`Workaround`), and ``near_miss`` an
    optional remark on the closest call that does not work.
    """

    def __init__(self, reason: str, advice: str, workaround: Workaround,
                 near_miss: str = "") -> None:
        super().__init__(f"{reason}. Instead {advice}.")
        self.reason = reason
        self.workaround = workaround
        self.near_miss = near_miss


@dataclass(frozen=True)
class Spelling:
    """How one framework is asked for a window, written for people.

    Attributes
    ----------
    title : str
        The framework's name for people (``"PyTorch"``).
    call : str
        The call to write (empty when not expressible).
    kwargs : dict
        The geometry arguments of ``call`` (empty when not expressible).
    notes : tuple of str
        Alternatives and caveats.
    error : InexpressibleError or None
        Why it cannot, and what to do instead.
    time_axis : int
        The time axis of the framework's output in this call (``-1`` for
        ``(N, C, L)``, ``1`` for ``(N, L, C)``), where a workaround slices.
    """

    title: str
    call: str
    kwargs: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    error: InexpressibleError | None = None
    time_axis: int = -1

    @property
    def expressible(self) -> bool:
        """Whether the framework keeps the window with its own arguments."""
        return self.error is None


@dataclass(frozen=True)
class Call:
    """A framework call in canonical form: what :func:`deconv1d.interop.plan` returns.

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
    bias: Any
    stride: int
    dilation: int
    groups: int
    crop_left: int
    crop_right: int
    channels_first: bool = False
    unbatched: bool = False

    @property
    def layout(self) -> str:
        """Axis letters of the framework's output: ``'NLC'``, ``'NCL'``, ``'CL'``..."""
        letters = "NCL" if self.channels_first else "NLC"
        return letters[1:] if self.unbatched else letters

    @property
    def reduction_length(self) -> int:
        """Terms summed per output: ``K * C_in / groups`` (plus one for a bias)."""
        n = self.kernel.shape[0] * self.kernel.shape[2] // self.groups
        return n + (self.bias is not None)

    def canonical(self, x: npt.ArrayLike | None = None,
                  kernel: npt.ArrayLike | None = None, bias: Any = False,
                  dtype: npt.DTypeLike | None = None) -> np.ndarray:
        """This call's output as ``(N, L_out, C_out)``, optionally with other arrays.

        Same parameters as :meth:`run`.
        """
        x = self.x if x is None else x
        kernel = self.kernel if kernel is None else kernel
        bias = self.bias if bias is False else bias
        if dtype is not None:
            x, kernel = np.asarray(x, dtype), np.asarray(kernel, dtype)
            bias = None if bias is None else np.asarray(bias, dtype)
        return conv1d_transpose(x, kernel, self.stride,
                                shapes.Window(self.crop_left, self.crop_right),
                                dilation=self.dilation, groups=self.groups, bias=bias)

    def run(self, x: npt.ArrayLike | None = None, kernel: npt.ArrayLike | None = None,
            bias: Any = False, dtype: npt.DTypeLike | None = None) -> np.ndarray:
        """Compute this call, optionally with other arrays in canonical layouts.

        ``bias=False`` keeps the call's bias; ``dtype`` casts the inputs first
        (e.g. float64 for an exact reference).  Returns the framework's layout.
        """
        y = self.canonical(x, kernel, bias, dtype)
        if self.channels_first:
            y = y.transpose(0, 2, 1)
        if self.unbatched:
            y = y[0]
        return np.ascontiguousarray(y)


@dataclass(frozen=True)
class Framework:
    """Everything deconv1d knows about one framework's transposed 1-D convolution.

    Attributes
    ----------
    name : str
        The key (``"torch"``).
    title : str
        The name for people (``"PyTorch"``).
    aliases : tuple of str
        Other names accepted for it (``"pytorch"``).
    to_keras : callable
        ``to_keras(weight, **layout_options) -> (K, C_out // groups, C_in)``.
    from_keras : callable
        The inverse of ``to_keras``, same options.
    crops : callable
        ``crops(length, kernel_size, stride, dilation, **arguments) -> (crop_left,
        crop_right)``: the window the framework's arguments keep.
    arguments : callable
        ``arguments(length, kernel_size, stride, dilation, crop_left, crop_right)
        -> dict`` of the framework's arguments keeping that window; raises
        :class:`InexpressibleError` with a :class:`Workaround` otherwise.
    read : callable
        Takes exactly the entry point's arguments and returns a :class:`Call`.
    entry : callable
        The entry point: the framework's own function, computed by the reference.
    takes_bias : bool
        Whether the entry point takes a bias (``bias`` third positional argument).
    options : dict
        Command-line option (``"stride"``) -> the entry point's keyword (``"strides"``).
    option_help : dict
        Command-line option -> what this framework accepts there, for ``--help``.
    from_command_line : callable
        ``from_command_line(keywords) -> keywords``: converts the option strings
        and fills the defaults the entry point lacks (raise ``ValueError``
        naming the option).
    layouts : str
        The input and weight layouts, for ``--help``.
    spell : callable or None
        ``spell(length, kernel_size, stride, dilation, crop_left, crop_right,
        request) -> Spelling`` for explain; ``request`` is the Keras-style
        ``(padding, output_padding)`` asked for, or None.  None: not shown.
    weight_aliases : tuple of str
        Names accepted only for the weight layout (``"flax"``).
    """

    name: str
    title: str
    aliases: tuple[str, ...]
    to_keras: Callable[..., np.ndarray]
    from_keras: Callable[..., np.ndarray]
    crops: Callable[..., Crops]
    arguments: Callable[..., dict]
    read: Callable[..., Call]
    entry: Callable[..., np.ndarray]
    takes_bias: bool
    options: Mapping[str, str]
    from_command_line: Callable[[dict], dict]
    layouts: str
    option_help: Mapping[str, str] = field(default_factory=dict)
    spell: Callable[..., Spelling] | None = None
    weight_aliases: Sequence[str] = ()
