"""What checking a whole model costs: the HiFi-GAN-style generator, checked against its forward.

``python benchmarks/verify_models.py [--sizes 128x32,512x128] [--repeat 3] [--onnx]
[--small] [--quick]`` builds the seeded generator of ``tests/hifigan.py`` (four
``weight_norm`` ``ConvTranspose1d`` upsampling layers, strides 8, 8, 2, 2, each followed by
HiFi-GAN's own multi-receptive-field block: three ``ResBlock1``, eighteen convolutions; with
``--small`` the tests' cut-down generator, one three-convolution block a stage, whose
forward is little more than the layers being checked) for each size
``CHANNELSxFRAMES`` (channels at the first upsampling layer: HiFi-GAN V1 has 512;
frames of the mel input) and prints

(a) a table: the model's own forward time in ``torch.no_grad()``, the time of
    ``deconv1d.verify.torch_model`` (which includes one forward), each the best
    of ``--repeat`` runs, their ratio (target: <= 5), the verdict, and the peak
    of NumPy/Python memory allocated during the check (tracemalloc; PyTorch's
    own tensors are not traced) against the largest layer's input, output and
    weight in float64 (the reference's working precision) and the sum over
    layers;
(b) with ``--onnx`` (needs onnx and onnxruntime), the same for the model
    exported with ``torch.onnx.export``: onnxruntime's forward and
    ``deconv1d.verify.onnx_model`` (which runs the graph in parts, one session
    per part, loading included);
(c) per size, where the check's time goes, per layer: the layer's own forward,
    ``deconv1d.verify.check`` on its real arrays, and inside it the float64
    reference (``interop.torch_conv_transpose1d`` on float64 copies) and the
    magnitude ``|x| * |w|`` (the same on absolute values), the rest being the
    judgement and the pooled test; "hooks" is what ``torch_model`` spends
    beyond the forward and the checks (hooks, copies, reports).

Threads: PyTorch's OpenMP pool and NumPy's OpenBLAS pool each take every core;
in ``torch_model`` their work alternates layer by layer, and on a small or busy
machine each pool's waiting threads slow the other (the "hooks" rows then show
the forward itself running slower inside the walk).  ``OPENBLAS_NUM_THREADS=1``
removes that; ``OMP_NUM_THREADS=1`` makes both single-threaded (set them in the
environment: they are read when the libraries load).  The header prints them.

A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import sys
import time
import tracemalloc
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import numpy as np  # noqa: E402
import torch  # noqa: E402

from deconv1d import interop, verify  # noqa: E402
from hifigan import generator, mel  # noqa: E402

SIZES = "32x8,128x32,256x32,512x32,128x128,512x128"


def best(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def layers_of(net, x):
    """Each ConvTranspose1d's module, real input, output, effective weight and bias."""
    seen = []

    def hook(module, args, output):
        seen.append((module, args[0].numpy().copy(), output.numpy().copy(),
                     module.weight.detach().numpy().copy(),
                     None if module.bias is None else module.bias.detach().numpy().copy()))

    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, torch.nn.ConvTranspose1d)]
    with torch.no_grad():
        net(x)
    for handle in handles:
        handle.remove()
    return seen


def breakdown(net, x, repeat):
    """Per layer: (name, shapes, forward, check, reference, magnitude) in seconds, and
    the bytes of its input, output and weight in float64."""
    names = {id(m): n for n, m in net.named_modules()}
    rows = []
    for module, xa, ya, w, b in layers_of(net, x):
        arguments = dict(stride=module.stride[0], padding=module.padding[0],
                         output_padding=module.output_padding[0],
                         dilation=module.dilation[0], groups=module.groups)
        xt = torch.from_numpy(xa)

        def forward():
            with torch.no_grad():
                module(xt)

        x64, w64 = xa.astype(np.float64), w.astype(np.float64)
        b64 = None if b is None else b.astype(np.float64)
        rows.append((names[id(module)], f"{xa.shape}->{ya.shape}".replace(" ", ""),
                     best(forward, repeat),
                     best(lambda: verify.check("torch", ya, xa, w, b, **arguments), repeat),
                     best(lambda: interop.torch_conv_transpose1d(x64, w64, b64, **arguments),
                          repeat),
                     best(lambda: interop.torch_conv_transpose1d(
                         np.abs(x64), np.abs(w64), None if b64 is None else np.abs(b64),
                         **arguments), repeat),
                     8 * (xa.size + ya.size + w.size)))
    return rows


def exported(net, x):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), buffer, input_names=["mel"], output_names=["audio"],
                          dynamo=False)
    return buffer.getvalue()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=SIZES,
                        help=f"CHANNELSxFRAMES, comma-separated (default {SIZES})")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--onnx", action="store_true",
                        help="also the exported model with onnxruntime and onnx_model")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's own choice)")
    parser.add_argument("--quick", action="store_true", help="one run of the 32x8 size")
    parser.add_argument("--small", action="store_true",
                        help="the tests' generator: one small residual block a stage instead "
                             "of HiFi-GAN's three ResBlock1 (kernels 3, 7, 11)")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = "32x8", 1
    try:
        sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
        assert all(len(s) == 2 and min(s) > 0 for s in sizes)
    except (ValueError, AssertionError):
        parser.error(f"--sizes must be CHANNELSxFRAMES,... Received: {args.sizes!r}")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    use_onnx = args.onnx and all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime"))
    if args.onnx and not use_onnx:
        print("--onnx: onnx and onnxruntime are not installed; skipped")
    blocks = "one small residual block a stage" if args.small else "HiFi-GAN's MRF blocks"
    print(f"HiFi-GAN-style generator ({blocks}), rates 8,8,2,2; torch {torch.__version__}, "
          f"{torch.get_num_threads()} torch threads; best of {args.repeat}; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', '-')}, OPENBLAS_NUM_THREADS="
          f"{os.environ.get('OPENBLAS_NUM_THREADS', '-')}")
    head = (f"{'channels':>8} {'frames':>6} {'forward ms':>10} {'check ms':>9} {'ratio':>6} "
            f"{'verdict':>8} {'peak MiB':>8} {'largest':>8} {'all':>6}")
    if use_onnx:
        head += f" {'ort ms':>7} {'onnx_model ms':>13} {'ratio':>6} {'verdict':>8}"
    print(head)
    ok = True
    details = []
    for channels, frames in sizes:
        net, x = generator(channels=channels, mrf=not args.small), mel(frames=frames)

        def forward():
            with torch.no_grad():
                net(x)

        forward()                                     # warm up both
        report = verify.torch_model(net, x)
        ok = ok and bool(report)
        t_forward = best(forward, args.repeat)
        t_check = best(lambda: verify.torch_model(net, x), args.repeat)
        peak = peak_memory(lambda: verify.torch_model(net, x))
        rows = breakdown(net, x, args.repeat)
        sizes_of = [r[-1] for r in rows]
        row = (f"{channels:>8} {frames:>6} {t_forward * 1e3:>10.1f} {t_check * 1e3:>9.1f} "
               f"{t_check / t_forward:>6.2f} {report.verdict:>8} {peak / 2**20:>8.2f} "
               f"{max(sizes_of) / 2**20:>8.2f} {sum(sizes_of) / 2**20:>6.2f}")
        if use_onnx:
            import onnxruntime

            model, feeds = exported(net, x), {"mel": x.numpy()}
            session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
            onnx_report = verify.onnx_model(model, feeds)
            t_ort = best(lambda: session.run(None, feeds), args.repeat)
            t_onnx = best(lambda: verify.onnx_model(model, feeds), args.repeat)
            row += (f" {t_ort * 1e3:>7.1f} {t_onnx * 1e3:>13.1f} {t_onnx / t_ort:>6.2f} "
                    f"{onnx_report.verdict:>8}")
        print(row, flush=True)
        details.append((channels, frames, t_check - t_forward - sum(r[3] for r in rows),
                        report, rows))

    print("\nwhere the check's time goes, per layer (ms; rest = judgement and pooled test)")
    print(f"{'size':>8} {'layer':>6} {'x -> y':>26} {'forward':>8} {'check':>8} "
          f"{'reference':>9} {'magnitude':>9} {'rest':>8}  verdict")
    for channels, frames, hooks, report, rows in details:
        for (name, shapes, fwd, chk, ref, mag, _), layer in zip(rows, report.layers):
            print(f"{f'{channels}x{frames}':>8} {name:>6} {shapes:>26} {fwd * 1e3:>8.2f} "
                  f"{chk * 1e3:>8.2f} {ref * 1e3:>9.2f} {mag * 1e3:>9.2f} "
                  f"{(chk - ref - mag) * 1e3:>8.2f}  {layer.verdict}")
        print(f"{f'{channels}x{frames}':>8} {'hooks':>6} {'':>26} {'':>8} {hooks * 1e3:>8.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
