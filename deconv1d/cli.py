"""The ``deconv1d`` command.

Each subcommand is a pair of functions: ``_add_<name>(subparsers)`` declares its
arguments and ``_run_<name>(args)`` does the work and returns the exit status.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from . import reference, shapes
from .core.transpose import conv1d_transpose
from .frameworks import registry


def _padding_arg(text):
    """``same``/``valid``, an int ``p`` or a pair ``l,r`` from the command line."""
    try:
        if "," in text:
            return tuple(int(part) for part in text.split(","))
        return int(text)
    except ValueError:
        if text.strip().lstrip("-").isalpha():
            return text
        raise argparse.ArgumentTypeError(
            f"--padding must be valid, same, an int p, or a pair written left,right "
            f"(e.g. 1,0). Received: --padding={text!r}") from None


def _add_demo(subparsers):
    demo = subparsers.add_parser(
        "demo", help="compute a small transposed convolution and check it against loops",
        description="Compute a small transposed convolution, show the shape working "
                    "and the result, and check it against the explicit-loop oracle.")
    demo.add_argument("--length", type=int, default=3, help="input length L (default 3)")
    demo.add_argument("--kernel-size", type=int, default=3, help="K (default 3)")
    demo.add_argument("--stride", type=int, default=2, help="default 2")
    demo.add_argument("--padding", type=_padding_arg, default="same",
                      help="valid, same, an int p, or left,right (default same)")
    demo.add_argument("--output-padding", type=int, default=None)
    demo.add_argument("--dilation", type=int, default=1)


def _run_demo(args):
    g = shapes.geometry(args.length, args.kernel_size, args.stride, args.padding,
                        args.output_padding, args.dilation)
    x = np.arange(1.0, g.length + 1).reshape(1, g.length, 1)
    w = np.arange(1.0, g.kernel_size + 1).reshape(g.kernel_size, 1, 1)
    print(f"x = {x[0, :, 0].tolist()}   (N=1, L={g.length}, C_in=1)")
    print(f"w = {w[:, 0, 0].tolist()}   (K={g.kernel_size}, C_out=1, C_in=1)")
    print(f"stride={g.stride}, padding={g.padding!r}, "
          f"output_padding={g.output_padding!r}, dilation={g.dilation}")
    print()
    print(f"effective kernel  dk = (K - 1)*d + 1 = ({g.kernel_size} - 1)*{g.dilation} + 1"
          f" = {g.effective_kernel}")
    print(f"full length          = (L - 1)*s + dk = ({g.length} - 1)*{g.stride} + "
          f"{g.effective_kernel} = {g.full_length}")
    print(f"crop (left, right)   = ({g.crop_left}, {g.crop_right})"
          + ("   (negative: zeros appended)" if g.crop_right < 0 else ""))
    print(f"output length        = {g.full_length} - {g.crop_left} - ({g.crop_right}) = "
          f"{g.output_length}")
    y = conv1d_transpose(x, w, g.stride, args.padding, g.output_padding,
                         dilation=g.dilation)
    loops = reference.scatter_loops(x, w, g.stride, args.padding, g.output_padding,
                                    dilation=g.dilation)
    print()
    print(f"y = conv1d_transpose(x, w) = {y[0, :, 0].tolist()}")
    error = float(np.max(np.abs(y - loops)))
    ok = y.shape == loops.shape and error == 0.0
    print(f"explicit loops oracle      = {loops[0, :, 0].tolist()}")
    print(f"max |difference| = {error:g}: {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


def _add_explain(subparsers):
    cmd = subparsers.add_parser(
        "explain", help="explain the arithmetic of one transposed convolution",
        description="Explain one 1-D transposed convolution: the shape working, which "
                    "inputs feed which outputs, the matrices C and C^T, the equivalent "
                    "direct convolution and a strip drawing, each checked numerically. "
                    "Without a part flag, prints every part.")
    cmd.add_argument("--length", type=int, default=3, help="input length L (default 3)")
    cmd.add_argument("--kernel-size", type=int, default=3, help="K (default 3)")
    cmd.add_argument("--stride", type=int, default=2, help="default 2")
    cmd.add_argument("--padding", type=_padding_arg, default="same",
                     help="valid, same, an int p, or left,right (default same)")
    cmd.add_argument("--output-padding", type=int, default=None)
    cmd.add_argument("--dilation", type=int, default=1)
    parts = cmd.add_argument_group("parts (any combination; default: all)")
    for flag, text in (("shape", ("length walkthrough, guide relationship, framework "
                                  "arguments")),
                       ("connectivity", ("(input, tap) pairs per output, overlap counts, "
                                        "checkerboard")),
                       ("matrix", "C and C^T, symbolic, with a numeric check"),
                       ("direct", "equivalent direct convolution, with a numeric check"),
                       ("draw", "terminal strip drawing")):
        parts.add_argument(f"--{flag}", action="store_true", help=text)
    cmd.add_argument("--output", type=int, metavar="O", default=None,
                     help="which inputs feed output O")
    cmd.add_argument("--plot", metavar="FILE", default=None,
                     help="also write a figure (.png, .svg, .pdf; .gif animates; "
                          "needs matplotlib)")


def _run_explain(args):
    from . import explain

    geometry = (args.length, args.kernel_size, args.stride, args.padding,
                args.output_padding, args.dilation)
    make = {"shape": explain.shape, "draw": explain.draw,
            "connectivity": explain.connectivity, "matrix": explain.matrices,
            "direct": explain.direct}
    if args.plot:
        folder = os.path.dirname(os.path.abspath(args.plot))
        if not os.path.isdir(folder):
            raise ValueError(f"--plot: no folder {folder!r} to write into. "
                             f"Received: --plot={args.plot!r}")
    chosen = [name for name in make if getattr(args, name)]
    if not chosen and args.output is None:
        chosen = list(make)
    parts = [make[name](*geometry) for name in chosen]
    if args.output is not None:
        parts.append(explain.inputs_of(args.output, *geometry))
    print(f"\n{'-' * explain.COLUMNS}\n".join(str(part) for part in parts))
    status = 0 if all(getattr(part, "agree", True) for part in parts) else 1
    if args.plot:
        try:
            from .teaching import plot

            path = plot.save(args.plot, *geometry)
        except ImportError as error:
            print(f"deconv1d explain: --plot needs matplotlib (pip install "
                  f"'deconv1d[plot]'): {error}", file=sys.stderr)
            return 3
        print(f"wrote {path}")
    return status


# --- verify ----------------------------------------------------------------- #
def _load_array(name, spec):
    """An array from ``file.npy``, ``file.npz`` (one array) or ``file.npz:key``; no pickles."""
    path, _, key = spec.partition(".npz:")
    path = path + ".npz" if key else spec
    try:
        loaded = np.load(path, allow_pickle=False)
    except OSError as error:
        raise ValueError(f"`--{name}`: cannot read {path!r} ({error})") from None
    if isinstance(loaded, np.ndarray):
        return loaded
    with loaded:
        keys = list(loaded.keys())
        if not key and len(keys) != 1:
            raise ValueError(f"`--{name}` {spec!r} holds {keys}: name one as FILE.npz:KEY")
        return loaded[key or keys[0]]


def _ints(text):
    return [int(part) for part in text.split(",")]


#: The options of `deconv1d verify` with their command-line spellings; each framework
#: says which it takes (`Framework.options`) and what they mean to it.
_VERIFY_FLAGS = {
    "stride": (("--stride", "--strides"), {"type": int}),
    "dilation": (("--dilation", "--dilations", "--dilation-rate", "--rhs-dilation"),
                 {"type": int}),
    "groups": (("--groups", "--group"), {"type": int}),
    "padding": (("--padding",), {}),
    "output_padding": (("--output-padding",), {"type": int}),
    "output_size": (("--output-size",), {"type": int}),
    "output_shape": (("--output-shape",), {"type": _ints}),
    "pads": (("--pads",), {"type": _ints}),
    "auto_pad": (("--auto-pad",), {}),
    "data_format": (("--data-format",), {}),
    "dimension_numbers": (("--dimension-numbers",), {"type": lambda t: t.split(",")}),
    "transpose_kernel": (("--transpose-kernel",), {"action": "store_true", "default": None}),
    "use_consistent_padding": (("--use-consistent-padding",),
                               {"action": "store_true", "default": None}),
}


def _option_help(option):
    """Which frameworks take ``option``, and what each accepts there."""
    parts = []
    for framework in registry.frameworks():
        if option in framework.options:
            accepts = framework.option_help.get(option)
            parts.append(f"{framework.name}: {accepts}" if accepts else framework.name)
    return "; ".join(parts)


def _add_verify(subparsers):
    layouts = "; ".join(f"{f.name}: {f.layouts}" for f in registry.frameworks())
    with_bias = ", ".join(f.name for f in registry.frameworks() if f.takes_bias)
    cmd = subparsers.add_parser(
        "verify", help="check another framework's output against the reference",
        description="Check a framework's transposed-convolution output against the "
                    "float64 reference computed from the same input, weight and "
                    "arguments, in that framework's own layouts and meanings "
                    f"({layouts}). Exits 0 on a match, 1 on a mismatch, 2 on an "
                    "error. Arrays: .npy, .npz (one array) or FILE.npz:KEY; pickles refused.")
    cmd.add_argument("--framework", required=True, choices=list(registry.names()))
    cmd.add_argument("--x", required=True, help="input array file")
    cmd.add_argument("--w", required=True, help="weight / kernel array file")
    cmd.add_argument("--y", required=True, help="the framework's output, to check")
    cmd.add_argument("--bias", "--b", dest="bias", help=f"bias array file ({with_bias})")
    for option, (flags, extra) in _VERIFY_FLAGS.items():
        cmd.add_argument(*flags, dest=option, help=_option_help(option), **extra)
    cmd.add_argument("--json", action="store_true", help="print the report as JSON")


def _run_verify(args):
    import json

    from . import verify

    framework = registry.get(args.framework)
    allowed = framework.options
    kwargs = {}
    for option in _VERIFY_FLAGS:
        value = getattr(args, option)
        if value is None:
            continue
        if option not in allowed:
            names = ", ".join("--" + o.replace("_", "-") for o in allowed)
            raise ValueError(f"--{option.replace('_', '-')} is not an argument of "
                             f"{framework.name}; it takes {names}")
        kwargs[allowed[option]] = value
    kwargs = framework.from_command_line(kwargs)
    x = _load_array("x", args.x)
    w = _load_array("w", args.w)
    y = _load_array("y", args.y)
    bias = None if args.bias is None else _load_array("bias", args.bias)
    report = verify.check(framework.name, y, x, w, bias, **kwargs)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report)
    return 0 if report.ok else 1


_COMMANDS = {"demo": (_add_demo, _run_demo), "explain": (_add_explain, _run_explain),
             "verify": (_add_verify, _run_verify)}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``deconv1d`` command."""
    parser = argparse.ArgumentParser(
        prog="deconv1d",
        description="A pure-NumPy reference for the 1-D transposed convolution.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"deconv1d {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for add, _ in _COMMANDS.values():
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``deconv1d`` command; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after ``deconv1d`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success; 1 when a check disagrees (``demo``, ``explain``,
        ``verify``); 2 on a bad argument; 3 when ``explain --plot`` finds no
        matplotlib.

    Examples
    --------
    >>> main(["demo", "--kernel-size", "2"])  # doctest: +ELLIPSIS
    x = [1.0, 2.0, 3.0]   (N=1, L=3, C_in=1)
    ...
    max |difference| = 0: agree
    0
    """
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command][1](args)
    except (TypeError, ValueError) as error:
        print(f"deconv1d {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`deconv1d explain ... | head`): stop quietly,
        # and keep Python from complaining again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
