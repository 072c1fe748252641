"""The guide's view: which of Relationships 8-14 a geometry is, with the numbers put in.

The transposed relationships of V. Dumoulin and F. Visin, "A guide to convolution
arithmetic for deep learning" (arXiv:1603.07285, section 4; Relationship 15 for
dilation) give the output length of the transpose of a forward convolution
padded by the same ``p`` at both ends: crops ``(p, p - a)`` with ``0 <= a < s``
(``p`` at the start, ``p - a`` at the end; the guide's ``a`` is PyTorch's and
ONNX's ``output_padding``).  Its equivalent direct convolution has ``k' = k``,
``s' = 1`` and padding ``p' = k - p - 1`` (plus ``a`` at the end).  ``C^T`` is
the transpose of the forward convolution's matrix ``C``, not its inverse: it
restores the length, not the values (the guide, sections 4.2-4.3).

Examples
--------
>>> r = relationship(shapes.geometry(3, 3, stride=2, padding=1, output_padding=1))
>>> r.number, r.formula, r.numbers, r.value
(14, "o' = s(i' - 1) + a + k - 2p", '2*(3 - 1) + 1 + 3 - 2*1', 6)
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core import geometry as shapes
from .text import equation, signed

__all__ = ["Relationship", "eval_relationship", "relationship"]


@dataclass(frozen=True)
class Relationship:
    """Which Relationship (8-14) of arXiv:1603.07285 a geometry is, with numbers.

    The guide's transposed relationships describe the transpose of a forward
    convolution (kernel ``k``, stride ``s``) padded by the same ``p`` at both ends,
    with ``a = (i + 2p - k) mod s`` extra samples at the end: that is crops
    ``(p, p - a)`` with ``0 <= a < s``.  Other crops are outside Relationships 8-14.

    Attributes
    ----------
    number : int or None
        8 to 14, or ``None`` when the crops are outside the guide's cases.
    name : str
    formula, numbers : str
    value : int
        The output length the formula gives.
    p, a : int or None
        The guide's padding ``p`` and remainder ``a`` (``None`` outside the guide).
    also : tuple of int
        Other relationships that hold too (e.g. for ``K = 1``).
    note : str
    """

    number: int | None
    name: str
    formula: str
    numbers: str
    value: int
    p: int | None
    a: int | None
    also: tuple[int, ...]
    note: str

    def __str__(self) -> str:
        head = (f"Relationship {self.number} ({self.name})" if self.number is not None
                else self.name)
        if self.also:
            head += " = Relationship " + " = ".join(str(n) for n in self.also)
        lines = [head, "  " + equation(self.formula, self.numbers, self.value)]
        lines += [f"  {line}" for line in self.note.splitlines() if line]
        return "\n".join(lines)


#: The guide's sections of the transposed relationships: unit strides (8-11), non-unit (12-14).
_SECTIONS = {False: "4.3-4.4", True: "4.5-4.6"}

_GUIDE = {
    8: ("no zero padding, unit strides, transposed", "o' = i' + (k - 1)"),
    9: ("zero padding, unit strides, transposed", "o' = i' + (k - 1) - 2p"),
    10: ("half (same) padding, transposed", "o' = i'"),
    11: ("full padding, transposed", "o' = i' - (k - 1)"),
    12: ("no zero padding, non-unit strides, transposed", "o' = s(i' - 1) + k"),
    13: ("zero padding, non-unit strides, transposed", "o' = s(i' - 1) + k - 2p"),
    14: ("zero padding, non-unit strides, transposed", "o' = s(i' - 1) + a + k - 2p"),
}


def relationship(g: shapes.Geometry) -> Relationship:
    """The :class:`Relationship` of the guide that the geometry ``g`` is, or why none is.

    Parameters
    ----------
    g : deconv1d.shapes.Geometry

    Returns
    -------
    Relationship
        Its ``value`` is ``g.output_length``.

    Examples
    --------
    >>> relationship(shapes.geometry(4, 3, stride=1, padding="same")).number
    10
    >>> relationship(shapes.geometry(3, 3, stride=2, padding="same")).number is None
    True
    """
    i, k, s = g.length, g.effective_kernel, g.stride
    cl, cr = g.crop_left, g.crop_right
    a = cl - cr
    dil = ("" if g.dilation == 1 else
           f"k is the dilated span dk = {k} (Relationship 15); the guide states "
           "8-14 for d=1.\n")
    if 0 <= a < s:
        p = cl
        if s == 1:
            matches = [n for n, ok in ((8, p == 0), (10, k % 2 == 1 and p == (k - 1) // 2),
                                       (11, p == k - 1)) if ok] or [9]
        else:
            matches = [12] if (a == 0 and p == 0) else [13] if a == 0 else [14]
        number = matches[0]
        numbers_text = {
            8: f"{i} + ({k} - 1)",
            9: f"{i} + ({k} - 1) - 2*{p}",
            10: f"{i}",
            11: f"{i} - ({k} - 1)",
            12: f"{s}*({i} - 1) + {k}",
            13: f"{s}*({i} - 1) + {k} - 2*{p}",
            14: f"{s}*({i} - 1) + {a} + {k} - 2*{p}",
        }[number]
        note = (f"with i' = L = {i}, k = dk = {k}, s = {s}, p = crop_left = {p}"
                + (f", a = crop_left - crop_right = {a} (PyTorch's and ONNX's "
                   "output_padding)" if s > 1 else "") + ".\n")
        note += dil
        o = g.output_length
        note += (f"Check: C (kernel {k}, stride {s}, padding {p} at both ends) maps a "
                 f"length o' = {o} back to floor(({o} + 2*{p} - {k})/{s}) + 1 = "
                 f"{(o + 2 * p - k) // s + 1} = L: lengths, not values. C^T is C's "
                 "transpose, not its inverse: C (C^T x) is not x in general (sec. 4.2-4.3).\n")
        p_direct = k - p - 1
        end = f" and p' + a = {p_direct + a} at the end" if a else " at both ends"
        note += (f"Direct form (sec. {_SECTIONS[s > 1]}): stride 1, k' = k, "
                 + ("s - 1 zeros inserted, " if s > 1 else "")
                 + f"padding p' = k - p - 1 = {k} - {p} - 1 = {p_direct}"
                 + (" at the start" + end if a else end) + ".")
        if p > k - 1:
            note += (f"\np = {p} > k - 1 = {k - 1}: beyond the guide's range (p' = "
                     f"{p_direct} < 0: the direct form crops instead of padding).")
        return Relationship(number=number, name=_GUIDE[number][0],
                            formula=_GUIDE[number][1], numbers=numbers_text,
                            value=eval_relationship(number, i, k, s, p, a),
                            p=p, a=a, also=tuple(matches[1:]), note=note)
    formula = "o' = s(i' - 1) + k - p_left - p_right"
    numbers_text = f"{s}*({i} - 1) + {k} - {signed(cl)} - {signed(cr)}"
    if a < 0:
        note = (f"Not one of Relationships 8-14: they crop p at the start and p - a at "
                f"the end with 0 <= a < s, i.e. crop_left >= crop_right; here ({cl}, {cr}). "
                f"This is "
                f"C^T of a forward convolution padded (p_left, p_right) = ({cl}, {cr})"
                + (" (odd padding at the end, as TensorFlow's 'SAME' does)" if cr == cl + 1
                   else "") + ".\n")
        o = g.output_length
        note += dil
        note += (f"Check: C maps a length o' = {o} back to floor(({o} + {cl} + {cr} - "
                 f"{k})/{s}) + 1 = {(o + cl + cr - k) // s + 1} = L: lengths, not values "
                 "(C^T is C's transpose, not its inverse).")
    else:
        note = (f"Not one of Relationships 8-14: a = crop_left - crop_right = {a} >= s = {s}"
                ", and the guide has 0 <= a < s.\n" + dil)
    return Relationship(number=None, name="asymmetric crop, outside the guide",
                        formula=formula, numbers=numbers_text,
                        value=(i - 1) * s + k - cl - cr, p=None, a=None, also=(),
                        note=note.rstrip("\n"))


def eval_relationship(number: int, i: int, k: int, s: int, p: int, a: int) -> int:
    """Output length by the guide's Relationship ``number`` (8-14).

    Parameters
    ----------
    number : int
        8 to 14.
    i, k, s, p, a : int
        The guide's ``i'`` (input length of the transposed convolution), kernel
        span ``k``, stride ``s``, padding ``p`` and remainder ``a``.

    Returns
    -------
    int
        ``o'``.

    References
    ----------
    arXiv:1603.07285, Relationships 8-14.

    Examples
    --------
    >>> eval_relationship(14, i=3, k=3, s=2, p=1, a=1)   # PyTorch padding=1, output_padding=1
    6
    """
    return {
        8: lambda: i + (k - 1),
        9: lambda: i + (k - 1) - 2 * p,
        10: lambda: i,
        11: lambda: i - (k - 1),
        12: lambda: s * (i - 1) + k,
        13: lambda: s * (i - 1) + k - 2 * p,
        14: lambda: s * (i - 1) + a + k - 2 * p,
    }[number]()
