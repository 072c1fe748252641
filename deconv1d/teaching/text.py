"""Text helpers shared by every teaching view: the width, wrapping, numbers in formulas.

Examples
--------
>>> equation("dk = (K - 1)*d + 1", "(3 - 1)*1 + 1", 3)
'dk = (K - 1)*d + 1 = (3 - 1)*1 + 1 = 3'
>>> put_in("L*s + max(dk - s, 0)", {"L": 3, "s": 2, "dk": 3})
'3*2 + max(3 - 2, 0)'
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterable, Mapping

__all__ = ["COLUMNS", "equation", "fit", "floats", "html_pre", "ints", "put_in", "signed",
           "signed_float"]

#: Width of the terminal the text views are laid out for.
COLUMNS = 80


def signed(value: int) -> str:
    """A number as it reads inside a formula: negatives in parentheses.

    Examples
    --------
    >>> signed(2), signed(-1)
    ('2', '(-1)')
    """
    return f"({value})" if value < 0 else str(value)


def signed_float(value: float) -> str:
    """A float as it reads after an operator: shortest form, negatives in parentheses.

    Examples
    --------
    >>> signed_float(0.5), signed_float(-1.0)
    ('0.5', '(-1)')
    """
    return f"({value:g})" if value < 0 else f"{value:g}"


def fit(text: str, columns: int = COLUMNS) -> str:
    """Wrap every line longer than ``columns``, keeping its indentation.

    Examples
    --------
    >>> print(fit("  one two three", columns=10))
      one two
      three
    """
    out = []
    for line in text.splitlines():
        if len(line) <= columns:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip()))
        out += textwrap.wrap(line, width=columns, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)
    return "\n".join(out)


def equation(formula: str, numbers: str, value: int) -> str:
    """``formula = numbers = value``, leaving out a part that repeats the previous one.

    Examples
    --------
    >>> equation("L*s", "3*2", 6), equation("0 (valid)", "0", 0)
    ('L*s = 3*2 = 6', '0 (valid) = 0')
    """
    parts = [formula]
    for part in (numbers, str(value)):
        if part != parts[-1] and not parts[-1].endswith(f"= {part}"):
            parts.append(part)
    return " = ".join(parts)


def put_in(expression: str, values: Mapping[str, int]) -> str:
    """``expression`` with each symbol named in ``values`` replaced by its number.

    Symbols are whole words (``s`` in ``max(dk - s, 0)``, not the ``s`` of ``max``).

    Examples
    --------
    >>> put_in("max(dk // 2 - ceil(op / 2), 0)", {"dk": 5, "op": 1})
    'max(5 // 2 - ceil(1 / 2), 0)'
    """
    return re.sub(r"\b\w+\b", lambda m: str(values.get(m.group(), m.group())), expression)


def floats(values: Iterable[float]) -> str:
    """``[1 2.5 -3]``: numbers in the shortest form, as in the numeric checks.

    Examples
    --------
    >>> floats([1.0, 2.5, -3.0])
    '[1 2.5 -3]'
    """
    return "[" + " ".join(f"{v:g}" for v in values) + "]"


def ints(values: Iterable[int]) -> str:
    """``[1 2 1]``: integers, as in the overlap counts.

    Examples
    --------
    >>> ints([1, 2, 1])
    '[1 2 1]'
    """
    return "[" + " ".join(str(int(v)) for v in values) + "]"


def html_pre(text: str) -> str:
    """``text`` as an escaped HTML ``<pre>`` block: what a notebook shows for a text view.

    Examples
    --------
    >>> html_pre("y0 = x0*w0 < 2 & more")
    '<pre class="deconv1d-explain">y0 = x0*w0 &lt; 2 &amp; more</pre>'
    """
    return f'<pre class="deconv1d-explain">{html.escape(text, quote=False)}</pre>'
