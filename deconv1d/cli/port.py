"""``deconv1d port``: judge a port's output against the original framework's window."""

from __future__ import annotations

import argparse

from ..frameworks import registry
from ._args import load_array
from .verify import _VERIFY_FLAGS, EXIT_STATUS, framework_arguments

#: The original's window options, spelled ``--original-<option>``.
_WINDOW_OPTIONS = ("padding", "output_padding", "output_size", "output_shape", "pads",
                   "auto_pad", "use_consistent_padding")


def add(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser(
        "port", help="check a port's output against another framework's window",
        description="Check an output made by one framework (--framework, in its own "
                    "layouts and arguments, as for `deconv1d verify`) against the window "
                    "that another framework's arguments keep (--original and its "
                    "--original-* window options), e.g. a PyTorch port of a Keras "
                    "padding='same' layer. Says which window each side keeps and the "
                    "port's arguments (or the slice) that fix it. Exits 0 on a match, 1 on "
                    "a mismatch, 2 on an error, 3 when suspect.")
    cmd.add_argument("--framework", required=True, choices=list(registry.names()),
                     help="the framework that made --y (the port)")
    cmd.add_argument("--original", required=True, choices=list(registry.names()),
                     help="the framework whose layer is ported")
    cmd.add_argument("--x", required=True, help="input array file")
    cmd.add_argument("--w", required=True, help="weight / kernel array file")
    cmd.add_argument("--y", required=True, help="the port's output, to check")
    cmd.add_argument("--bias", "--b", dest="bias", help="bias array file")
    for option, (flags, extra) in _VERIFY_FLAGS.items():
        cmd.add_argument(*flags, dest=option, help=f"the port's {flags[0][2:]}", **extra)
    for option in _WINDOW_OPTIONS:
        flags, extra = _VERIFY_FLAGS[option]
        cmd.add_argument("--original-" + flags[0][2:], dest="original_" + option,
                         help=f"the original's {flags[0][2:]}", **extra)
    cmd.add_argument("--arithmetic", default=None,
                     help="what the port computed in (as for `deconv1d verify`)")
    cmd.add_argument("--rtol", type=float, default=None,
                     help="fixed tolerance instead of the rounding model (as for verify)")
    cmd.add_argument("--atol", type=float, default=None, help="see --rtol")
    cmd.add_argument("--false-alarm", type=float, default=1e-6,
                     help="probability that a correct output is called SUSPECT")
    cmd.add_argument("--json", action="store_true",
                     help="print the report as standard JSON (null for non-finite numbers)")


def run(args: argparse.Namespace) -> int:
    import json

    from ..frameworks.port import check_port

    kwargs = framework_arguments(registry.get(args.framework),
                                 {o: getattr(args, o) for o in _VERIFY_FLAGS})
    original = registry.get(args.original)
    given = {o: getattr(args, "original_" + o) for o in _WINDOW_OPTIONS}
    window = framework_arguments(original, given, prefix="--original-")
    shared = {original.options.get(o) for o in ("stride", "dilation", "groups")}
    window = {k: v for k, v in window.items() if k not in shared}
    x = load_array("x", args.x)
    w = load_array("w", args.w)
    y = load_array("y", args.y)
    bias = None if args.bias is None else load_array("bias", args.bias)
    report = check_port(args.framework, y, x, w, bias, original=original.name,
                        original_arguments=window, arithmetic=args.arithmetic,
                        rtol=args.rtol, atol=args.atol, false_alarm=args.false_alarm,
                        **kwargs)
    print(json.dumps(report.to_dict(), indent=2, allow_nan=False) if args.json else report)
    return EXIT_STATUS[report.verdict]
