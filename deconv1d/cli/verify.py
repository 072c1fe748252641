"""``deconv1d verify``: check another framework's output against the reference."""

from __future__ import annotations

import argparse
from typing import Any

from ..frameworks import registry
from ..frameworks.base import Framework
from ._args import ints, load_array

#: Exit status of `deconv1d verify` for each verdict (2 is an error).
EXIT_STATUS = {"MATCH": 0, "MISMATCH": 1, "SUSPECT": 3}


#: The options of `deconv1d verify` with their command-line spellings; each framework
#: says which it takes (`Framework.options`) and what they mean to it.
_VERIFY_FLAGS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "stride": (("--stride", "--strides"), {"type": int}),
    "dilation": (("--dilation", "--dilations", "--dilation-rate", "--rhs-dilation"),
                 {"type": int}),
    "groups": (("--groups", "--group"), {"type": int}),
    "padding": (("--padding",), {}),
    "output_padding": (("--output-padding",), {"type": int}),
    "output_size": (("--output-size",), {"type": int}),
    "output_shape": (("--output-shape",), {"type": ints}),
    "pads": (("--pads",), {"type": ints}),
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


def add(subparsers: argparse._SubParsersAction) -> None:
    layouts = "; ".join(f"{f.name}: {f.layouts}" for f in registry.frameworks())
    with_bias = ", ".join(f.name for f in registry.frameworks() if f.takes_bias)
    cmd = subparsers.add_parser(
        "verify", help="check another framework's output against the reference",
        description="Check a framework's transposed-convolution output against the "
                    "float64 reference computed from the same input, weight and "
                    "arguments, in that framework's own layouts and meanings "
                    f"({layouts}). Exits 0 on MATCH, 1 on MISMATCH, 2 on an error, 3 on "
                    "SUSPECT (not explained by rounding with probability >= 1 - p). "
                    "Arrays: .npy, .npz (one array) or FILE.npz:KEY; pickles refused.")
    cmd.add_argument("--framework", required=True, choices=list(registry.names()))
    cmd.add_argument("--x", required=True, help="input array file")
    cmd.add_argument("--w", required=True, help="weight / kernel array file")
    cmd.add_argument("--y", required=True, help="the framework's output, to check")
    cmd.add_argument("--bias", "--b", dest="bias", help=f"bias array file ({with_bias})")
    for option, (flags, extra) in _VERIFY_FLAGS.items():
        cmd.add_argument(*flags, dest=option, help=_option_help(option), **extra)
    cmd.add_argument("--arithmetic", default=None,
                     help="what the framework computed in: float64, float32, tf32, float16, "
                          "bfloat16, or a unit roundoff (default: the output's dtype)")
    cmd.add_argument("--rtol", type=float, default=None,
                     help="fixed tolerance instead of the rounding model: "
                          "|y - reference| <= atol + rtol |reference|")
    cmd.add_argument("--atol", type=float, default=None, help="see --rtol")
    cmd.add_argument("--false-alarm", type=float, default=1e-6,
                     help="probability that a correct output is called SUSPECT (default 1e-6)")
    cmd.add_argument("--json", action="store_true",
                     help="print the report as standard JSON (null for non-finite numbers)")


def framework_arguments(framework: Framework, given: dict[str, Any],
                        prefix: str = "--") -> dict[str, Any]:
    """A framework's own keyword arguments from command-line options (None: not given).

    Raises ValueError naming an option the framework does not take.
    """
    allowed = framework.options
    kwargs = {}
    for option, value in given.items():
        if value is None:
            continue
        if option not in allowed:
            names = ", ".join(prefix + o.replace("_", "-") for o in allowed)
            raise ValueError(f"{prefix}{option.replace('_', '-')} is not an argument of "
                             f"{framework.name}; it takes {names}")
        kwargs[allowed[option]] = value
    return framework.from_command_line(kwargs)


def run(args: argparse.Namespace) -> int:
    import json

    from .. import verify

    framework = registry.get(args.framework)
    kwargs = framework_arguments(framework, {o: getattr(args, o) for o in _VERIFY_FLAGS})
    x = load_array("x", args.x)
    w = load_array("w", args.w)
    y = load_array("y", args.y)
    bias = None if args.bias is None else load_array("bias", args.bias)
    report = verify.check(framework.name, y, x, w, bias, arithmetic=args.arithmetic,
                          rtol=args.rtol, atol=args.atol, false_alarm=args.false_alarm,
                          **kwargs)
    print(json.dumps(report.to_dict(), indent=2, allow_nan=False) if args.json else report)
    return EXIT_STATUS[report.verdict]
