"""``deconv1d verify-model``: check every 1-D ConvTranspose node of an ONNX model."""

from __future__ import annotations

import argparse
import json
import sys

from ..frameworks import models
from ._args import load_array


def add(subparsers: argparse._SubParsersAction) -> None:
    cmd = subparsers.add_parser(
        "verify-model", help="check every 1-D ConvTranspose node of an ONNX model",
        description="Run an ONNX model once with onnxruntime and check every 1-D "
                    "ConvTranspose node's output against the float64 reference of the "
                    "node's own attributes, weight and real input. Exits 0 when every "
                    "node matches, 1 on a MISMATCH, 3 on a SUSPECT (or a node that "
                    "cannot be checked, or none at all), 2 on an error. Needs onnx and onnxruntime "
                    "(pip install \"deconv1d[onnx]\").")
    cmd.add_argument("model", help="the .onnx file")
    cmd.add_argument("--input", action="append", default=[], metavar="NAME=FILE",
                     help="a graph input and its array (.npy, .npz or FILE.npz:KEY); "
                          "repeat for each input")
    cmd.add_argument("--arithmetic", default=None,
                     help="what onnxruntime computed in (default: each output's dtype)")
    cmd.add_argument("--false-alarm", type=float, default=1e-6,
                     help="per node, the probability that a correct output is called "
                          "SUSPECT (default 1e-6)")
    cmd.add_argument("--json", action="store_true", help="print the report as standard JSON")


def run(args: argparse.Namespace) -> int:
    feeds = {}
    for item in args.input:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"`--input` must be NAME=FILE. Received: --input={item!r}")
        if name in feeds:
            raise ValueError(f"`--input` {name!r} given twice")
        feeds[name] = load_array("input", path)
    try:
        report = models.onnx_model(args.model, feeds, arithmetic=args.arithmetic,
                                   false_alarm=args.false_alarm)
    except ImportError as error:
        print(f"deconv1d verify-model: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.to_dict(), allow_nan=False, indent=1))
    else:
        print(report)
    return report.exit_status
