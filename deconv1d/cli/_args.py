"""Command-line argument readers shared by the subcommands."""

from __future__ import annotations

import argparse

import numpy as np

__all__ = ["ints", "load_array", "padding_arg"]


def padding_arg(text):
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


def load_array(name, spec):
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


def ints(text):
    return [int(part) for part in text.split(",")]
