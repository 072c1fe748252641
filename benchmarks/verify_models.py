"""What checking a whole model costs: the HiFi-GAN-style generator, checked against its forward.

``python benchmarks/verify_models.py [--frames 32] [--channels 32] [--repeat 5] [--quick]``
builds the seeded generator of ``tests/hifigan.py`` (four ``weight_norm``
``ConvTranspose1d`` upsampling layers, strides 8, 8, 2, 2), and prints

(a) the model's own forward time in ``torch.no_grad()`` and the time of
    ``deconv1d.verify.torch_model`` (which includes one forward), each the best
    of ``--repeat`` runs, and their ratio (target: <= 5);
(b) the peak of NumPy/Python memory allocated during the check (tracemalloc),
    against the largest single layer's input and output in float64 (the
    reference's working precision): the check holds one layer's arrays at a
    time, so the peak stays near a small multiple of the largest layer, not the
    sum over layers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import torch  # noqa: E402

from deconv1d import verify  # noqa: E402
from hifigan import generator, mel  # noqa: E402


def best(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="one run of each, 8 frames")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.repeat = 8, 1
    net, x = generator(channels=args.channels), mel(frames=args.frames)
    print(f"generator: {args.channels} channels, input {tuple(x.shape)}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} torch threads")

    def forward():
        with torch.no_grad():
            net(x)

    forward()                                         # warm up both
    report = verify.torch_model(net, x)
    t_forward = best(forward, args.repeat)
    t_check = best(lambda: verify.torch_model(net, x), args.repeat)
    print(f"forward        {t_forward * 1e3:9.1f} ms")
    print(f"torch_model    {t_check * 1e3:9.1f} ms  ({len(report.layers)} layers, "
          f"{report.verdict})")
    print(f"ratio          {t_check / t_forward:9.2f}  (target <= 5)")
    largest = max(8 * (_size(layer.input_shape) + _size(layer.output_shape))
                  for layer in report.layers)
    total = sum(8 * (_size(layer.input_shape) + _size(layer.output_shape))
                for layer in report.layers)
    tracemalloc.start()
    verify.torch_model(net, x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak memory    {peak / 2**20:9.2f} MiB allocated during the check; the largest "
          f"layer's x and y in float64: {largest / 2**20:.2f} MiB, all layers': "
          f"{total / 2**20:.2f} MiB")
    return 0 if report else 1


def _size(shape):
    out = 1
    for s in shape:
        out *= s
    return out


if __name__ == "__main__":
    sys.exit(main())
