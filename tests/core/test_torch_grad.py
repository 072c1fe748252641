"""Gradients against torch.autograd (skipped without PyTorch).

conv_transpose1d's weight is (C_in, C_out // groups, K): ours ``.transpose(2, 1, 0)``.
PyTorch crops ``p`` at both ends and adds ``output_padding`` at the end, so it
expresses crops ``(p, p - op)`` with ``0 <= op < max(stride, dilation)``; any other
window is expressed as PyTorch's ``padding=0`` output sliced (or zero-extended),
still differentiated by autograd.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from deconv1d import conv1d, conv1d_transpose_vjp, shapes
from deconv1d.core.conv import conv1d_pads
from strategies import close64, problems
from test_adjoint import conv_problems

torch = pytest.importorskip("torch")
F = torch.nn.functional

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])




def _torch_pytorch_args(geom):
    """(padding, output_padding) for F.conv_transpose1d, or None if it cannot express the crops."""
    p = geom.crop_left
    op = p - geom.crop_right
    if 0 <= op < max(geom.stride, geom.dilation):
        return p, op
    return None


def _torch_conv_transpose(x_t, w_t, b_t, geom, groups):
    direct = _torch_pytorch_args(geom)
    if direct is not None:
        return F.conv_transpose1d(x_t, w_t, b_t, stride=geom.stride, padding=direct[0],
                                  output_padding=direct[1], groups=groups,
                                  dilation=geom.dilation)
    full = F.conv_transpose1d(x_t, w_t, None, stride=geom.stride, groups=groups,
                              dilation=geom.dilation)
    kept = full[:, :, geom.crop_left:geom.full_length - max(geom.crop_right, 0)]
    kept = F.pad(kept, (0, max(-geom.crop_right, 0)))
    return kept if b_t is None else kept + b_t[:, None]


@SETTINGS
@given(problem=problems())
def test_autograd_of_conv_transpose1d(problem):
    x, w, kwargs = problem
    bias = kwargs.pop("bias")
    data_format = kwargs.pop("data_format")
    x_cf = x if data_format == "channels_first" else x.transpose(0, 2, 1)
    geom = shapes.geometry(x_cf.shape[2], w.shape[0], kwargs["stride"], kwargs["padding"],
                           kwargs["output_padding"], kwargs["dilation"])
    x_t = torch.tensor(np.ascontiguousarray(x_cf), requires_grad=True)
    w_t = torch.tensor(np.ascontiguousarray(w.transpose(2, 1, 0)), requires_grad=True)
    b_t = None if bias is None else torch.tensor(bias, requires_grad=True)
    y_t = _torch_conv_transpose(x_t, w_t, b_t, geom, kwargs["groups"])
    dy_cf = np.random.default_rng(y_t.numel()).standard_normal(tuple(y_t.shape))
    y_t.backward(torch.tensor(dy_cf))

    dy = dy_cf if data_format == "channels_first" else dy_cf.transpose(0, 2, 1)
    dx, dw, dbias = conv1d_transpose_vjp(dy, x, w, data_format=data_format, **kwargs)
    dx_cf = dx if data_format == "channels_first" else dx.transpose(0, 2, 1)
    close64(dx_cf, x_t.grad.numpy())
    close64(dw, w_t.grad.numpy().transpose(2, 1, 0))
    if b_t is not None:
        close64(dbias, b_t.grad.numpy())


def test_pytorch_expressible_cases_are_exercised():
    """The direct PyTorch arguments are used for the int-padding geometries."""
    geom = shapes.geometry(5, 3, stride=2, padding=1, output_padding=1)
    assert _torch_pytorch_args(geom) == (1, 1)
    assert _torch_pytorch_args(shapes.geometry(5, 3, 2, padding=(0, 2))) is None


@SETTINGS
@given(problem=conv_problems())
def test_conv1d_equals_torch_conv1d(problem):
    y, w, kwargs = problem
    data_format = kwargs["data_format"]
    y_cf = y if data_format == "channels_first" else y.transpose(0, 2, 1)
    left, right, _ = conv1d_pads(y_cf.shape[2], w.shape[0], kwargs["stride"],
                                 kwargs["padding"], kwargs["dilation"])
    bias = kwargs["bias"]
    expected = F.conv1d(F.pad(torch.tensor(np.ascontiguousarray(y_cf)), (left, right)),
                        torch.tensor(np.ascontiguousarray(w.transpose(2, 1, 0))),
                        None if bias is None else torch.tensor(bias),
                        stride=kwargs["stride"], dilation=kwargs["dilation"],
                        groups=kwargs["groups"]).numpy()
    actual = conv1d(y, w, **kwargs)
    close64(actual if data_format == "channels_first" else actual.transpose(0, 2, 1),
             expected)


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@pytest.mark.parametrize("kernel_size, dilation", [(1, 1), (2, 1), (3, 2), (4, 1), (4, 3)])
@pytest.mark.parametrize("length", [1, 4, 7])
def test_same_padding_matches_torch_same(kernel_size, dilation, length):
    """PyTorch's own padding='same' (stride 1) agrees with our Keras 'same' split."""
    rng = np.random.default_rng(length)
    y = rng.standard_normal((2, 3, length))
    w = rng.standard_normal((kernel_size, 3, 2))
    expected = F.conv1d(torch.tensor(y), torch.tensor(w.transpose(2, 1, 0).copy()),
                        padding="same", dilation=dilation).numpy()
    actual = conv1d(y, w, padding="same", dilation=dilation, data_format="channels_first")
    close64(actual, expected)
