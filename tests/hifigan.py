"""A small HiFi-GAN-style generator in PyTorch, for the whole-model checks and their benchmark.

As in Kong, Kim & Bae, "HiFi-GAN" (NeurIPS 2020, arXiv:2010.05646), Fig. 1: a
``Conv1d`` in, then per upsampling rate ``r`` a leaky ReLU, a ``weight_norm``
``ConvTranspose1d`` with kernel ``2 r``, stride ``r`` and padding ``r / 2``, and a
residual block of dilated ``Conv1d`` (dilations 1, 3, 5); a ``Conv1d`` out and
``tanh``.  Channel counts are small so that it runs in well under a second.
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


class Generator(nn.Module):
    """Mel frames ``(N, mels, T)`` to audio ``(N, 1, T * prod(rates))``."""

    def __init__(self, mels=8, channels=32, rates=RATES):
        super().__init__()
        self.conv_pre = weight_norm(nn.Conv1d(mels, channels, 7, padding=3))
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        c = channels
        for r in rates:
            self.ups.append(weight_norm(nn.ConvTranspose1d(c, c // 2, 2 * r, stride=r,
                                                           padding=r // 2)))
            c //= 2
            self.resblocks.append(ResBlock(c))
        self.conv_post = weight_norm(nn.Conv1d(c, 1, 7, padding=3))

    def forward(self, x):
        x = self.conv_pre(x)
        for up, block in zip(self.ups, self.resblocks):
            x = block(up(nn.functional.leaky_relu(x, 0.1)))
        return torch.tanh(self.conv_post(nn.functional.leaky_relu(x, 0.1)))


def generator(seed=0, mels=8, channels=32, rates=RATES):
    """A seeded generator in eval mode."""
    torch.manual_seed(seed)
    return Generator(mels, channels, rates).eval()


def mel(seed=1, frames=32, mels=8):
    """A seeded input ``(1, mels, frames)``."""
    return torch.randn(1, mels, frames, generator=torch.Generator().manual_seed(seed))
