"""Command-line argument readers shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import stat
import zipfile
from typing import IO, Callable

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


def load_array(name: str, spec: str) -> np.ndarray:
    """An array from ``file.npy``, ``file.npz`` (one array) or ``file.npz:KEY``; no pickles.

    The one reader of array files: anything it cannot read (a missing, empty or
    special file, a ``.npz`` that is not a zip, a missing key, a pickle, a
    header claiming more data than the file holds) is a ``ValueError`` naming
    ``--name`` and the file, raised before any large allocation.

    Examples
    --------
    >>> load_array("x", "/dev/null")
    Traceback (most recent call last):
    ...
    ValueError: `--x` '/dev/null': not an array file (not a regular file)
    """
    path, _, key = spec.partition(".npz:")
    path = path + ".npz" if key else spec

    def refuse(why: str) -> ValueError:
        return ValueError(f"`--{name}` {spec!r}: not an array file ({why})")

    try:
        info = os.stat(path)
    except OSError as error:
        raise ValueError(f"`--{name}`: cannot read {path!r} ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse("not a regular file")
    try:
        with open(path, "rb") as stream:
            head = stream.read(6)
            if head == np.lib.format.MAGIC_PREFIX:
                if key:
                    raise refuse("a .npy file has no keys")
                stream.seek(0)
                _check_npy_header(stream, info.st_size, refuse)
                stream.seek(0)
                return np.lib.format.read_array(stream, allow_pickle=False)
        if not zipfile.is_zipfile(path):
            raise refuse("neither .npy nor .npz")
        with zipfile.ZipFile(path) as archive:
            members = {m.filename[:-4]: m for m in archive.infolist()
                       if m.filename.endswith(".npy")}
            if not key and len(members) != 1:
                raise ValueError(f"`--{name}` {spec!r} holds {sorted(members)}: name one as "
                                 "FILE.npz:KEY")
            key = key or next(iter(members))
            if key not in members:
                raise ValueError(f"`--{name}` {spec!r}: no array {key!r} in {path!r}; it "
                                 f"holds {sorted(members)}")
            with archive.open(members[key]) as member:
                _check_npy_header(member, members[key].file_size, refuse)
            with archive.open(members[key]) as member:
                return np.lib.format.read_array(member, allow_pickle=False)
    except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError) as error:
        raise refuse(str(error) or type(error).__name__) from None
    except ValueError as error:
        if str(error).startswith(f"`--{name}`"):
            raise
        raise refuse(str(error)) from None


def _check_npy_header(stream: IO[bytes], size: int, refuse: Callable[[str], ValueError]) -> None:
    """Refuse a ``.npy`` stream whose header is bad or claims more data than ``size`` bytes."""
    try:
        version = np.lib.format.read_magic(stream)
        shape, _, dtype = (np.lib.format.read_array_header_1_0(stream) if version == (1, 0)
                           else np.lib.format.read_array_header_2_0(stream))
    except (ValueError, OSError, EOFError, SyntaxError) as error:
        raise refuse(f"bad .npy header: {error}") from None
    if dtype.hasobject:
        raise refuse("it holds Python objects (pickles are refused)")
    count = 1
    for n in shape:
        count *= int(n)
    claimed = count * dtype.itemsize
    available = size - stream.tell()
    if claimed > available:
        raise refuse(f"its header claims shape {shape} of {dtype}, {claimed} bytes, "
                     f"but it holds {available}")


def ints(text):
    return [int(part) for part in text.split(",")]
