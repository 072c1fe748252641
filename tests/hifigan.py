"""A small HiFi-GAN-style generator in PyTorch, for the whole-model checks and their benchmark.

As in Kong, Kim & Bae, "HiFi-GAN" (NeurIPS 2020, arXiv:2010.05646), Fig. 1: a
``Conv1d`` in, then per upsampling rate ``r`` a leaky ReLU, a ``weight_norm``
``ConvTranspose1d`` with kernel ``2 r``, stride ``r`` and padding ``r / 2``, and a
residual block of dilated ``Conv1d`` (dilations 1, 3, 5); a ``Conv1d`` out and
``tanh``.  Channel counts are small so that it runs in well under a second.

``mrf=True`` builds the paper's own block instead, its multi-receptive-field fusion
as configured in the authors' code (github.com/jik876/hifi-gan, ``config_v1.json``
and ``config_v2.json``, ``resblock: "1"``): after each upsampling layer, the mean of
three ``ResBlock1`` with kernels 3, 7 and 11, each four-fold ``x + conv(leaky(
conv_d(leaky(x))))`` for dilations ``d`` = 1, 3, 5 (six convolutions a block); V1
has 512 channels at the first upsampling layer, V2 128.  Same upsampling layers,
so the same transposed convolutions to check.
"""

import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

RATES = (8, 8, 2, 2)


class ResBlock(nn.Module):
    """``x + conv(leaky_relu(x))`` for dilations 1, 3, 5 (length kept)."""

    def __init__(self, channels, kernel_size=3, dilations=(1, 3, 5)):
        super().__init__()
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d,
                                  padding=d * (kernel_size - 1) // 2))
            for d in dilations)

    def forward(self, x):
        for conv in self.convs:
            x = x + conv(nn.functional.leaky_relu(x, 0.1))
        return x


class ResBlock1(nn.Module):
    """HiFi-GAN's ``ResBlock1``: ``x + c2(leaky(c1_d(leaky(x))))`` for dilations 1, 3, 5."""

    def __init__(self, channels, kernel_size, dilations=(1, 3, 5)):
        super().__init__()
        self.convs1 = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size, dilation=d,
                                  padding=d * (kernel_size - 1) // 2))
            for d in dilations)
        self.convs2 = nn.ModuleList(
            weight_norm(nn.Conv1d(channels, channels, kernel_size,
                                  padding=(kernel_size - 1) // 2))
            for _ in dilations)

    def forward(self, x):
        for c1, c2 in zip(self.convs1, self.convs2):
            x = x + c2(nn.functional.leaky_relu(c1(nn.functional.leaky_relu(x, 0.1)), 0.1))
        return x


class MRF(nn.Module):
    """Multi-receptive-field fusion: the mean of ``ResBlock1`` with kernels 3, 7, 11."""

    def __init__(self, channels, kernel_sizes=(3, 7, 11)):
        super().__init__()
        self.blocks = nn.ModuleList(ResBlock1(channels, k) for k in kernel_sizes)

    def forward(self, x):
        return sum(block(x) for block in self.blocks) / len(self.blocks)


class Generator(nn.Module):
    """Mel frames ``(N, mels, T)`` to audio ``(N, 1, T * prod(rates))``."""

    def __init__(self, mels=8, channels=32, rates=RATES, mrf=False):
        super().__init__()
        self.conv_pre = weight_norm(nn.Conv1d(mels, channels, 7, padding=3))
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        c = channels
        for r in rates:
            self.ups.append(weight_norm(nn.ConvTranspose1d(c, c // 2, 2 * r, stride=r,
                                                           padding=r // 2)))
            c //= 2
            self.resblocks.append(MRF(c) if mrf else ResBlock(c))
        self.conv_post = weight_norm(nn.Conv1d(c, 1, 7, padding=3))

    def forward(self, x):
        x = self.conv_pre(x)
        for up, block in zip(self.ups, self.resblocks):
            x = block(up(nn.functional.leaky_relu(x, 0.1)))
        return torch.tanh(self.conv_post(nn.functional.leaky_relu(x, 0.1)))


def generator(seed=0, mels=8, channels=32, rates=RATES, mrf=False):
    """A seeded generator in eval mode (``mrf``: the paper's residual blocks)."""
    torch.manual_seed(seed)
    return Generator(mels, channels, rates, mrf).eval()


def mel(seed=1, frames=32, mels=8):
    """A seeded input ``(1, mels, frames)``."""
    return torch.randn(1, mels, frames, generator=torch.Generator().manual_seed(seed))
