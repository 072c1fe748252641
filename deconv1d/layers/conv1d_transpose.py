"""``Conv1DTranspose``: the Keras layer, stateful, over the functional core.

A Keras user can paste a ``tf.keras.layers.Conv1DTranspose(...)`` line, change
the module to ``deconv1d``, and get the same shapes, the same ``get_config``
and, given the same weights, the same numbers.  ``from_config`` also reads the
configs that tf-keras (Keras 2) and Keras 3 write.

Beyond TensorFlow on CPU, ``dilation_rate > 1`` and ``channels_first`` work, and
``padding="causal"`` is refused at construction (Keras 2.9 fails only at the
first call, with a bare ``AssertionError``).

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from ..core import geometry as shapes
from ..core.vjp import conv1d_transpose_vjp
from ..core.transpose import conv1d_transpose
from . import activations, constraints, initializers, regularizers
from .activations import activation_vjp
from .optimizers import constrain, sgd
from .regularizers import regularizer_gradient

__all__ = ["Conv1DTranspose", "Convolution1DTranspose"]

_FLOAT_DTYPES = ("float16", "float32", "float64")
_MIXED = {"mixed_float16": "float16"}
_LAYER_KWARGS = ("name", "dtype", "trainable", "input_shape", "batch_input_shape",
                 "batch_size", "input_dim", "weights", "groups", "autocast")
_NAME_COUNTERS: dict[str, itertools.count] = {}


def _unique_name(base: str) -> str:
    counter = _NAME_COUNTERS.setdefault(base, itertools.count())
    n = next(counter)
    return base if n == 0 else f"{base}_{n}"


def _policy(dtype: Any) -> tuple[str, str, str]:
    """``(variable_dtype, compute_dtype, policy_name)`` from a Keras ``dtype`` argument."""
    received = dtype
    if isinstance(dtype, dict):                     # Keras 3 DTypePolicy / Keras 2 Policy
        config = dtype.get("config")
        dtype = config.get("name") if isinstance(config, dict) else None
        if not isinstance(dtype, str):
            raise ValueError(
                "`dtype` as a dict must be a Keras dtype policy {'class_name': ..., "
                "'config': {'name': 'float32'}} (or mixed_float16...). "
                f"Received: dtype={received!r}")
    if dtype is None:
        dtype = "float32"
    if isinstance(dtype, str) and dtype in _MIXED:
        return "float32", _MIXED[dtype], dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _FLOAT_DTYPES:
        raise ValueError(
            "`dtype` must be 'float16', 'float32', 'float64' or 'mixed_float16' "
            f"(or a Keras dtype policy naming one). Received: dtype={received!r}"
        )
    return name, name, name


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return bool(value)


def _is_keras3_config(config: dict[str, Any]) -> bool:
    """Whether a layer config was written by Keras 3.

    Keras 3 writes objects as ``{'module': ..., 'class_name': ...}`` dicts; so does
    tf-keras >= 2.13, but Keras 2 always writes ``groups`` for this layer and
    Keras 3 never does.
    """
    if "groups" in config:
        return False
    return any(isinstance(v, dict) and "module" in v for v in config.values())


class Conv1DTranspose:
    """Transposed 1-D convolution layer (sometimes called deconvolution).

    ``activation(conv1d_transpose(inputs, kernel) + bias)``, with the arguments,
    weights, config and validation of ``tf.keras.layers.Conv1DTranspose``.

    Parameters
    ----------
    filters : int
        Number of output channels ``F``.
    kernel_size : int or (int,)
        Number of taps ``K``.
    strides : int or (int,), default 1
        Upsampling factor ``s``.  ``strides > 1`` with ``dilation_rate > 1`` is
        refused (as Keras documents; use :func:`deconv1d.conv1d_transpose` for it).
    padding : {"valid", "same"}, default "valid"
        Case-insensitive.
    output_padding : int or (int,) or None, default None
        ``None`` lets the length be inferred; an int in ``[0, strides)`` sets it
        (``0`` differs from ``None``: Keras rules, see :func:`deconv1d.output_length`).
    data_format : {"channels_last", "channels_first"} or None
        ``None`` means ``"channels_last"``.
    dilation_rate : int or (int,), default 1
    activation : str or callable or None
        A name from :data:`deconv1d.activations.ACTIVATIONS` or a callable;
        ``None`` is linear.
    use_bias : bool, default True
    kernel_initializer, bias_initializer : str or dict or callable
        Defaults ``"glorot_uniform"`` and ``"zeros"``; see :mod:`deconv1d.initializers`.
    kernel_regularizer, bias_regularizer, activity_regularizer : str or dict or callable or None
        See :mod:`deconv1d.regularizers`; values appear in :attr:`losses`.
    kernel_constraint, bias_constraint : str or dict or callable or None
        See :mod:`deconv1d.constraints`; applied by :meth:`apply_constraints`.
    **kwargs
        ``name``; ``dtype`` (default ``"float32"`` like Keras's floatx;
        ``"float64"`` for exact reference work; inputs are cast to it);
        ``trainable``; ``input_shape`` (e.g. ``(128, 3)``: builds at once) or
        ``batch_input_shape``; ``groups`` (default 1: input channel block ``g``
        feeds output block ``g``; kernel ``(K, F // groups, C_in)``);
        ``weights`` (initial weights, set at build).

    Attributes
    ----------
    kernel : ndarray, shape (K, filters // groups, C_in)
        Created at build (Keras layout: ``(kernel_size, filters, in_channels)``).
    bias : ndarray, shape (filters,), or None
    built : bool

    Raises
    ------
    ValueError
        At construction, naming the argument and value: ``padding`` other than
        valid/same (``"causal"`` included), ``output_padding`` negative or
        ``>= strides``, ``strides > 1`` with ``dilation_rate > 1``, sizes not
        positive, unknown ``data_format``, unknown activation / initializer /
        regularizer / constraint names.  At call: rank other than 3, or a
        channel count different from the built one.
    TypeError
        For a non-integer size, or an unknown keyword argument.

    Notes
    -----
    Output length (``dk = (K - 1) * dilation_rate + 1``, ``L`` input length):
    ``valid``: ``L*s + max(dk - s, 0)``, or ``(L - 1)*s + dk + op`` with
    ``output_padding=op``; ``same``: ``L*s``, or ``(L - 1)*s + dk % 2 + op``.

    After each call the layer keeps ``_last_inputs`` (the input as cast to the
    compute dtype, a private copy) and ``_last_pre_activation`` (the output
    before the activation), for a backward pass.

    References
    ----------
    arXiv:1603.07285, Relationships 8-14.

    Examples
    --------
    >>> import numpy as np
    >>> from deconv1d import Conv1DTranspose
    >>> layer = Conv1DTranspose(filters=4, kernel_size=3, strides=2, padding="same")
    >>> y = layer(np.ones((2, 5, 3)))
    >>> y.shape, y.dtype, layer.kernel.shape
    ((2, 10, 4), dtype('float32'), (3, 4, 3))
    >>> layer.compute_output_shape((None, None, 3))
    (None, None, 4)
    >>> layer.get_config()["strides"]
    (2,)
    """

    def __init__(self, filters: int, kernel_size: int | tuple[int],
                 strides: int | tuple[int] = 1, padding: str = "valid",
                 output_padding: int | tuple[int] | None = None,
                 data_format: str | None = None,
                 dilation_rate: int | tuple[int] = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        unknown = sorted(set(kwargs) - set(_LAYER_KWARGS))
        if unknown:
            raise TypeError(
                f"Keyword argument not understood by Conv1DTranspose: {unknown[0]!r}. "
                f"Received: {unknown[0]}={kwargs[unknown[0]]!r}"
            )
        self.filters = shapes.check_int("filters", filters, minimum=1)
        self.kernel_size = shapes.check_int("kernel_size", kernel_size, minimum=1)
        self.strides = shapes.check_int("strides", strides, minimum=1)
        self.dilation_rate = shapes.check_int("dilation_rate", dilation_rate, minimum=1)
        if self.strides > 1 and self.dilation_rate > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={strides!r} and dilation_rate={dilation_rate!r}. "
                "(deconv1d.conv1d_transpose accepts both.)"
            )
        if not isinstance(padding, str):
            # A value of `padding` Conv1DTranspose lacks (crops): ValueError, as for "causal".
            raise ValueError(  # noqa: TRY004
                "`padding` must be 'valid' or 'same' for Conv1DTranspose (int and pair "
                "crops are for deconv1d.conv1d_transpose). "
                f"Received: padding={padding!r}"
            )
        self.padding = shapes.check_padding(padding)
        # Keras: output_padding < strides, whatever the dilation.
        self.output_padding = shapes.check_output_padding(output_padding, self.strides)
        self.data_format = shapes.check_data_format(data_format)
        self.groups = shapes.check_int("groups", kwargs.get("groups", 1), minimum=1)
        if self.filters % self.groups:
            raise ValueError(
                f"`groups` must divide `filters`. Received: groups={self.groups}, "
                f"filters={self.filters}"
            )
        self.activation = activations.get(activation, argument="activation")
        self.use_bias = _check_bool("use_bias", use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer,
                                                   argument="kernel_initializer")
        self.bias_initializer = initializers.get(bias_initializer,
                                                 argument="bias_initializer")
        self.kernel_regularizer = regularizers.get(kernel_regularizer,
                                                   argument="kernel_regularizer")
        self.bias_regularizer = regularizers.get(bias_regularizer,
                                                 argument="bias_regularizer")
        self.activity_regularizer = regularizers.get(activity_regularizer,
                                                     argument="activity_regularizer")
        self.kernel_constraint = constraints.get(kernel_constraint,
                                                 argument="kernel_constraint")
        self.bias_constraint = constraints.get(bias_constraint, argument="bias_constraint")
        for arg in ("kernel_initializer", "bias_initializer"):
            if getattr(self, arg) is None:
                raise ValueError(f"`{arg}` must not be None. Received: {arg}=None")

        self.dtype, self.compute_dtype, self._policy_name = _policy(kwargs.get("dtype"))
        self.trainable = _check_bool("trainable", kwargs.get("trainable", True))
        name = kwargs.get("name")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"`name` must be a string. Received: name={name!r}")
        self.name = name or _unique_name("conv1d_transpose")

        self.kernel: np.ndarray | None = None
        self.bias: np.ndarray | None = None
        self.built = False
        self._input_channels: int | None = None
        self._batch_input_shape: tuple[int | None, ...] | None = None
        self._initial_weights = kwargs.get("weights")
        self._activity_losses: list[Any] = []
        self._last_inputs: np.ndarray | None = None
        self._last_pre_activation: np.ndarray | None = None

        batch_input_shape = kwargs.get("batch_input_shape")
        input_shape = kwargs.get("input_shape")
        if input_shape is None and kwargs.get("input_dim") is not None:
            input_shape = (None, kwargs["input_dim"])
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (kwargs.get("batch_size"),) + tuple(input_shape)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
            self.build(self._batch_input_shape)

    # ------------------------------------------------------------------ #
    # Shapes and building.                                               #
    # ------------------------------------------------------------------ #
    @property
    def _channel_axis(self) -> int:
        return -1 if self.data_format == "channels_last" else 1

    def _check_rank(self, shape: tuple[Any, ...], what: str) -> None:
        if len(shape) != 3:
            raise ValueError(
                f"Inputs should have rank 3 ((batch, steps, channels) for "
                f"{self.data_format}). Received: {what}={tuple(shape)!r}"
            )

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Create ``kernel`` ``(K, filters // groups, C_in)`` and ``bias`` ``(filters,)``.

        Parameters
        ----------
        input_shape : tuple of (int or None), length 3
            The channel dimension must be known.

        Examples
        --------
        >>> layer = Conv1DTranspose(2, 3)
        >>> layer.build((None, None, 5))
        >>> layer.kernel.shape, layer.bias.shape
        ((3, 2, 5), (2,))
        """
        input_shape = tuple(input_shape)
        self._check_rank(input_shape, "input_shape")
        c_in = input_shape[self._channel_axis]
        if c_in is None:
            raise ValueError(
                "The channel dimension of the inputs should be defined. Found `None`. "
                f"Received: input_shape={input_shape!r}"
            )
        c_in = shapes.check_int("channels (of input_shape)", c_in, minimum=1)
        if c_in % self.groups:
            raise ValueError(
                f"`groups` must divide the {c_in} input channels. "
                f"Received: groups={self.groups}"
            )
        kernel_shape = (self.kernel_size, self.filters // self.groups, c_in)
        self.kernel = self._initial("kernel", self.kernel_initializer, kernel_shape)
        self.bias = (self._initial("bias", self.bias_initializer, (self.filters,))
                     if self.use_bias else None)
        for what, weight in (("kernel", self.kernel), ("bias", self.bias)):
            if weight is not None:
                constraints.check_axis_fits(getattr(self, f"{what}_constraint"),
                                            weight.ndim, what)
        self._input_channels = c_in
        self.built = True
        if self._initial_weights is not None:
            weights, self._initial_weights = self._initial_weights, None
            self.set_weights(weights)

    def _initial(self, what: str, initializer: Any, shape: tuple[int, ...]) -> np.ndarray:
        value = np.array(initializer(shape, dtype=self.dtype), dtype=self.dtype)
        if value.shape != shape:
            raise ValueError(
                f"The {what} initializer returned shape {value.shape}; expected {shape}. "
                f"Received: {what}_initializer={initializer!r}"
            )
        return value

    def compute_output_shape(self, input_shape: tuple[int | None, ...],
                             ) -> tuple[int | None, ...]:
        """Output shape for ``input_shape``; ``None`` batch or length pass through.

        Parameters
        ----------
        input_shape : tuple of (int or None), length 3

        Returns
        -------
        tuple
            ``(N, L_out, filters)`` or ``(N, filters, L_out)``.

        Examples
        --------
        >>> Conv1DTranspose(8, 3, strides=2, output_padding=1).compute_output_shape((4, 7, 2))
        (4, 16, 8)
        """
        input_shape = tuple(input_shape)
        self._check_rank(input_shape, "input_shape")
        if self.data_format == "channels_last":
            batch, length, _ = input_shape
        else:
            batch, _, length = input_shape
        out = shapes.output_length(length, self.kernel_size, self.strides, self.padding,
                                   self.output_padding, self.dilation_rate)
        if self.data_format == "channels_last":
            return (batch, out, self.filters)
        return (batch, self.filters, out)

    # ------------------------------------------------------------------ #
    # Forward.                                                           #
    # ------------------------------------------------------------------ #
    def convolution_op(self, inputs: npt.ArrayLike, kernel: npt.ArrayLike) -> np.ndarray:
        """The bare transposed convolution with this layer's geometry (no bias, no activation).

        (In Keras 2.9 the method inherited by ``Conv1DTranspose`` is the forward
        convolution of its base class, which ``call`` does not use; here it is the
        operation the layer performs.)

        Parameters
        ----------
        inputs : array_like, shape (N, L, C_in) or (N, C_in, L)
        kernel : array_like, shape (K, filters // groups, C_in)

        Returns
        -------
        ndarray, shape (N, L_out, filters) or (N, filters, L_out)

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 3, strides=2, padding="same")
        >>> w = np.array([1.0, 2.0, 3.0]).reshape(3, 1, 1)
        >>> layer.convolution_op(np.ones((1, 3, 1)), w)[0, :, 0]
        array([1., 2., 4., 2., 4., 2.])
        """
        return conv1d_transpose(inputs, kernel, self.strides, self.padding,
                                self.output_padding, dilation=self.dilation_rate,
                                groups=self.groups, data_format=self.data_format)

    def __call__(self, inputs: npt.ArrayLike) -> np.ndarray:
        """Build if needed, then :meth:`call`.

        Parameters
        ----------
        inputs : array_like, shape (N, L, C_in) or (N, C_in, L)
            Cast to the layer's compute dtype.

        Returns
        -------
        ndarray, shape (N, L_out, filters) or (N, filters, L_out)
        """
        x = np.asarray(inputs)
        self._check_rank(x.shape, "inputs.shape")
        if not self.built:
            self.build(x.shape)
        return self.call(x)

    def call(self, inputs: npt.ArrayLike) -> np.ndarray:
        """``activation(conv1d_transpose(inputs, kernel) + bias)`` on a built layer.

        Also records the activity-regularization loss and what a backward pass
        needs (``_last_inputs``, ``_last_pre_activation``).
        """
        if not self.built or self.kernel is None:
            raise ValueError(f"Layer {self.name!r} is not built: call build() or the layer.")
        x = np.asarray(inputs)
        self._check_rank(x.shape, "inputs.shape")
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"`inputs` must be a real numeric array. Received: inputs with dtype {x.dtype}"
            )
        channels = x.shape[self._channel_axis]
        if channels != self._input_channels:
            raise ValueError(
                f"Layer {self.name!r} was built for {self._input_channels} input channels; "
                f"inputs have {channels}. Received: inputs.shape={x.shape}"
            )
        compute = np.dtype(self.compute_dtype)
        x = np.array(x, dtype=compute, copy=True)
        kernel = self.kernel.astype(compute, copy=False)
        bias = None if self.bias is None else self.bias.astype(compute, copy=False)
        pre = conv1d_transpose(x, kernel, self.strides, self.padding, self.output_padding,
                               dilation=self.dilation_rate, groups=self.groups,
                               data_format=self.data_format, bias=bias)
        y = np.asarray(self.activation(pre))
        if y.dtype != compute and y.dtype.kind == "f":
            y = y.astype(compute)
        self._last_inputs = x
        self._last_pre_activation = pre
        self._activity_losses = []
        if self.activity_regularizer is not None:
            loss = np.asarray(self.activity_regularizer(y))
            batch = y.shape[0]
            # Keras divides by the batch size (Keras 3: divide_no_nan).
            loss = loss / np.asarray(batch, loss.dtype) if batch else np.zeros_like(loss)
            self._activity_losses = [loss[()]]
        return y

    # ------------------------------------------------------------------ #
    # Weights, losses, constraints.                                      #
    # ------------------------------------------------------------------ #
    @property
    def weights(self) -> list[np.ndarray]:
        """``[kernel, bias]`` (``[kernel]`` without bias; ``[]`` before build): the live arrays."""
        if not self.built:
            return []
        return [w for w in (self.kernel, self.bias) if w is not None]

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """:attr:`weights` if ``trainable`` else ``[]``."""
        return self.weights if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """``[]`` if ``trainable`` else :attr:`weights`."""
        return [] if self.trainable else self.weights

    def count_params(self) -> int:
        """Number of scalars in the weights.

        Examples
        --------
        >>> Conv1DTranspose(4, 3, input_shape=(None, 2)).count_params()
        28
        """
        if not self.built:
            raise ValueError(f"Layer {self.name!r} is not built: its size is unknown.")
        return int(sum(w.size for w in self.weights))

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights: ``[kernel, bias]``.

        Examples
        --------
        >>> layer = Conv1DTranspose(2, 3, input_shape=(None, 5))
        >>> [w.shape for w in layer.get_weights()]
        [(3, 2, 5), (2,)]
        """
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: list[npt.ArrayLike]) -> None:
        """Set ``[kernel, bias]`` (copied and cast to the layer dtype), shape-checked.

        An unbuilt layer is built from the kernel's last axis (``C_in``) first
        (Keras requires an explicit build; this is a convenience).

        Parameters
        ----------
        weights : list of array_like
            ``[kernel (K, filters // groups, C_in), bias (filters,)]``, or
            ``[kernel]`` without bias.

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 2, use_bias=False)
        >>> layer.set_weights([np.ones((2, 1, 3))])
        >>> layer.built, layer.kernel.shape
        (True, (2, 1, 3))
        """
        if isinstance(weights, (str, bytes, np.ndarray)) or not hasattr(weights, "__len__"):
            raise TypeError(
                "`weights` must be a list [kernel, bias] (or [kernel]). "
                f"Received: weights of type {type(weights).__name__}")
        weights = list(weights)
        names = ["kernel", "bias"] + [f"weights[{i}]" for i in range(2, len(weights))]
        arrays = [self._check_weight(n, w) for n, w in zip(names, weights)]
        expected = 2 if self.use_bias else 1
        if len(arrays) != expected:
            raise ValueError(
                f"Layer {self.name!r} expects {expected} weights "
                f"({'[kernel, bias]' if self.use_bias else '[kernel]'}), but received "
                f"a list of {len(arrays)}: shapes {[w.shape for w in arrays]}"
            )
        if not self.built:
            kernel = arrays[0]
            if kernel.ndim != 3:
                raise ValueError(
                    "The kernel must have rank 3, (kernel_size, filters // groups, C_in). "
                    f"Received: kernel with shape {kernel.shape}"
                )
            shape: list[int | None] = [None, None, None]
            shape[self._channel_axis] = kernel.shape[-1]
            pending, self._initial_weights = self._initial_weights, None
            self.build(tuple(shape))
            self._initial_weights = pending
        for name, current, new in zip(("kernel", "bias"), self.weights, arrays):
            if new.shape != current.shape:
                raise ValueError(
                    f"Layer {self.name!r} weight shape {current.shape} is not compatible "
                    f"with the provided {name} shape {new.shape}"
                )
        self.kernel = np.array(arrays[0], dtype=self.dtype)
        if self.use_bias:
            self.bias = np.array(arrays[1], dtype=self.dtype)

    def _check_weight(self, name: str, value: Any) -> np.ndarray:
        """A weight as a numeric array, real (the layer's dtypes are real), or raise."""
        try:
            array = np.asarray(value)
        except (TypeError, ValueError) as error:
            raise TypeError(f"`{name}` must be a numeric array. Received: {name} that "
                            f"NumPy cannot convert ({error})") from None
        if array.dtype.kind not in "biufc":
            raise TypeError(f"`{name}` must be a numeric array. Received: {name} with "
                            f"dtype {array.dtype}")
        if array.dtype.kind == "c":
            raise TypeError(
                f"`{name}` must be real: the layer's dtype is {self.dtype}. "
                f"Received: {name} with dtype {array.dtype}")
        return array

    @property
    def losses(self) -> list[Any]:
        """Activity loss of the last call, then the kernel and bias penalties (Keras's order).

        The activity term is ``activity_regularizer(output) / batch_size``; the
        weight terms are evaluated on the current weights.

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 1, kernel_initializer="ones",
        ...                         kernel_regularizer="l2", input_shape=(None, 2))
        >>> [float(v) for v in layer.losses]
        [0.019999999552965164]
        """
        losses = list(self._activity_losses)
        if self.built:
            if self.kernel_regularizer is not None:
                losses.append(self.kernel_regularizer(self.kernel))
            if self.bias_regularizer is not None and self.bias is not None:
                losses.append(self.bias_regularizer(self.bias))
        return losses

    def apply_constraints(self) -> None:
        """Project the weights with their constraints, as Keras does after an update.

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 2, kernel_constraint="non_neg", use_bias=False)
        >>> layer.set_weights([np.array([-1.0, 2.0]).reshape(2, 1, 1)])
        >>> layer.apply_constraints()
        >>> layer.kernel.ravel()            # w * (w >= 0), as Keras: -0.0 stays signed
        array([-0.,  2.], dtype=float32)
        """
        if self.built:
            self._set_named_weights(constrain(self._named_weights(), self._constraints()))

    # ------------------------------------------------------------------ #
    # Gradients and a plain SGD step.                                    #
    # ------------------------------------------------------------------ #
    def backward(self, dy: npt.ArrayLike, regularization: bool = True,
                 ) -> dict[str, np.ndarray | None]:
        """Gradients after a call, given ``dy``, the gradient of a loss w.r.t. the output.

        Back through the activation (exact derivatives,
        :func:`deconv1d.activations.activation_vjp`), the bias and the transposed
        convolution (:func:`deconv1d.conv1d_transpose_vjp`).

        Parameters
        ----------
        dy : array_like, shape of the last output
            ``d loss / d output``, in the layer's ``data_format``.
        regularization : bool, default True
            Also add the gradients of :attr:`losses` (kernel, bias and activity
            penalties), i.e. differentiate ``loss + sum(layer.losses)`` as a Keras
            training step does.

        Returns
        -------
        dict
            ``"kernel"`` ``(K, filters // groups, C_in)`` and ``"bias"``
            ``(filters,)`` (``None`` without bias) in the weights' dtype;
            ``"inputs"`` in the shape of the last input, in the compute dtype.

        Raises
        ------
        ValueError
            If the layer has not been called, or ``dy`` has the wrong shape.
        TypeError
            If the derivative of a custom activation or regularizer is unknown.

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 2, strides=2, kernel_initializer="ones",
        ...                         dtype="float64")
        >>> y = layer(np.array([[[1.0], [2.0]]]))
        >>> grads = layer.backward(np.ones_like(y))     # loss = sum(y)
        >>> grads["kernel"].ravel(), grads["bias"], grads["inputs"].ravel()
        (array([3., 3.]), array([4.]), array([2., 2.]))
        """
        x, pre, kernel = self._last_inputs, self._last_pre_activation, self.kernel
        if x is None or pre is None or kernel is None:
            raise ValueError(
                f"Layer {self.name!r} has no call to differentiate: call the layer first."
            )
        regularization = _check_bool("regularization", regularization)
        dy = np.asarray(dy)
        if dy.shape != pre.shape:
            raise ValueError(
                f"`dy` must have the shape of the last output, {pre.shape}. "
                f"Received: dy with shape {dy.shape}"
            )
        dy = dy.astype(pre.dtype, copy=False)
        if regularization and self.activity_regularizer is not None and pre.shape[0]:
            y = np.asarray(self.activation(pre), dtype=pre.dtype)
            dy = dy + (regularizer_gradient(self.activity_regularizer, y)
                       / pre.shape[0]).astype(pre.dtype)
        d_pre = np.asarray(activation_vjp(self.activation, pre, dy), dtype=pre.dtype)
        compute = np.dtype(self.compute_dtype)
        dx, dkernel, dbias = conv1d_transpose_vjp(
            d_pre, x, kernel.astype(compute, copy=False),
            self.strides, self.padding, self.output_padding,
            dilation=self.dilation_rate, groups=self.groups, data_format=self.data_format)
        dkernel = dkernel.astype(self.dtype)
        d_bias = None if self.bias is None else dbias.astype(self.dtype)
        if regularization and self.kernel_regularizer is not None:
            dkernel += regularizer_gradient(self.kernel_regularizer, kernel)
        if (regularization and self.bias_regularizer is not None and self.bias is not None
                and d_bias is not None):
            d_bias += regularizer_gradient(self.bias_regularizer, self.bias)
        return {"kernel": dkernel, "bias": d_bias, "inputs": dx}

    def apply_gradients(self, grads: dict[str, Any] | list[Any],
                        learning_rate: float = 0.01) -> None:
        """One plain SGD step, ``w -= learning_rate * grad``, then the constraints.

        As a Keras optimizer does: the update, then each weight's constraint
        (:meth:`apply_constraints`); the step is
        :func:`deconv1d.layers.optimizers.sgd`.  A layer with ``trainable=False``
        checks its arguments and is left unchanged.

        Parameters
        ----------
        grads : dict or list
            What :meth:`backward` returns, or ``[d_kernel, d_bias]`` in the order
            of :attr:`weights`.
        learning_rate : float, default 0.01
            Keras ``SGD``'s default.

        Examples
        --------
        >>> layer = Conv1DTranspose(1, 1, use_bias=False, kernel_initializer="ones",
        ...                         kernel_constraint="non_neg", dtype="float64")
        >>> _ = layer(np.ones((1, 2, 1)))
        >>> layer.apply_gradients({"kernel": np.full((1, 1, 1), 3.0)}, learning_rate=0.5)
        >>> layer.kernel.ravel()                        # 1 - 1.5 = -0.5, then non_neg
        array([-0.])
        """
        if not self.built:
            raise ValueError(f"Layer {self.name!r} is not built: it has no weights.")
        named = self._named_weights()
        if isinstance(grads, dict):
            # "inputs" is what backward() also returns; any other name is a typo
            # that would silently leave a weight untrained.
            unknown = sorted(set(grads) - {"kernel", "bias", "inputs"})
            if unknown or (grads.get("bias") is not None and "bias" not in named):
                names = ", ".join(repr(n) for n in named)
                raise ValueError(
                    f"`grads` keys must be weight names of layer {self.name!r} "
                    f"({names}; 'inputs' is ignored). Received: keys {sorted(grads)}")
            grads = [grads.get(name) for name in named]
        grads = list(grads)
        if len(grads) != len(named):
            raise ValueError(
                f"`grads` must hold one gradient per weight ({len(named)}). "
                f"Received: a list of {len(grads)}"
            )
        new = sgd(named, dict(zip(named, grads)), learning_rate, self._constraints())
        if self.trainable:
            self._set_named_weights(new)

    def _named_weights(self) -> dict[str, np.ndarray]:
        """:attr:`weights` by name: ``{"kernel": ..., "bias": ...}`` (no bias: no entry)."""
        return dict(zip(("kernel", "bias"), self.weights))

    def _set_named_weights(self, named: dict[str, np.ndarray]) -> None:
        self.kernel = named["kernel"]
        if self.bias is not None:
            self.bias = named["bias"]

    def _constraints(self) -> dict[str, Any]:
        return {"kernel": self.kernel_constraint, "bias": self.bias_constraint}

    # ------------------------------------------------------------------ #
    # Config.                                                            #
    # ------------------------------------------------------------------ #
    def get_config(self) -> dict[str, Any]:
        """Every entry Keras 2.9 writes, in Keras 2's format.

        Examples
        --------
        >>> config = Conv1DTranspose(4, 3, name="up").get_config()
        >>> config["kernel_initializer"]
        {'class_name': 'GlorotUniform', 'config': {'seed': None}}
        >>> Conv1DTranspose.from_config(config).get_config() == config
        True
        """
        dtype: Any
        if self._policy_name in _MIXED:
            dtype = {"class_name": "Policy", "config": {"name": self._policy_name}}
        else:
            dtype = self.dtype
        config = {"name": self.name, "trainable": self.trainable, "dtype": dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        config.update({
            "filters": self.filters,
            "kernel_size": (self.kernel_size,),
            "strides": (self.strides,),
            "padding": self.padding,
            "output_padding": (None if self.output_padding is None
                               else (self.output_padding,)),
            "data_format": self.data_format,
            "dilation_rate": (self.dilation_rate,),
            "groups": self.groups,
            "activation": self._serialize_activation(),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config

    def _serialize_activation(self) -> Any:
        if self.activation is activations.hard_sigmoid_keras3:
            # Keras 3's formula under Keras's name: written the way Keras 3 writes
            # a function, so that from_config reads it back as Keras 3's.
            return {"module": "keras.activations", "class_name": "function",
                    "config": "hard_sigmoid", "registered_name": "function"}
        if isinstance(self.activation, functools.partial) and self.activation.keywords:
            # An activation with arguments ({"class_name": "relu", "config":
            # {"max_value": 2}}) is written back with them, so that it round-trips.
            return {"class_name": activations.serialize(self.activation.func),
                    "config": dict(self.activation.keywords)}
        return activations.serialize(self.activation)

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    keras_version: int | None = None) -> Conv1DTranspose:
        """Build a layer from :meth:`get_config`, or from a tf-keras or Keras 3 config.

        Keras 3 configs are recognised (objects written as ``{'module',
        'class_name', 'config', 'registered_name'}`` dicts and no ``groups``
        entry; tf-keras >= 2.13 writes such dicts too, but always ``groups``), and
        names whose formula changed in Keras 3 (``hard_sigmoid``) then get the
        Keras 3 formula.  ``keras_version=2`` or ``3`` overrides the guess.  JSON
        lists stand for tuples.

        Examples
        --------
        >>> keras3 = {"name": "up", "filters": 2, "kernel_size": [3], "strides": [2],
        ...           "padding": "same", "output_padding": None,
        ...           "dtype": {"module": "keras", "class_name": "DTypePolicy",
        ...                     "config": {"name": "float32"}, "registered_name": None},
        ...           "kernel_initializer": {"module": "keras.initializers",
        ...               "class_name": "GlorotUniform", "config": {"seed": None},
        ...               "registered_name": None}}
        >>> Conv1DTranspose.from_config(keras3).strides
        2
        """
        config = dict(config)
        if keras_version is None:
            keras_version = 3 if _is_keras3_config(config) else 2
        if keras_version not in (2, 3):
            raise ValueError(
                f"`keras_version` must be 2, 3 or None. Received: keras_version={keras_version!r}"
            )
        # The one place the Keras version matters: which formula a name means.
        config["activation"] = activations.get(config.get("activation"),
                                               keras_version=keras_version,
                                               argument="activation")
        return cls(**config)

    def __repr__(self) -> str:
        return (f"Conv1DTranspose(filters={self.filters}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding!r}, name={self.name!r})")


#: Keras's alias.
Convolution1DTranspose = Conv1DTranspose
