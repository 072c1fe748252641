"""Tests for deconv1d.teaching.plot at real sizes, and the direct view animated.

Labels are checked by where matplotlib really puts them (their rendered bounding
boxes), the words against the text views, and the numbers against
deconv1d.explain.direct.
"""

import re

import pytest

from deconv1d import explain
from deconv1d.cli import main

pytest.importorskip("matplotlib")
from deconv1d.teaching import plot  # noqa: E402


def _texts_by_row(fig, ax):
    """The drawn text boxes of ``ax``, grouped by their vertical position."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    rows = {}
    for text in ax.texts:
        if not text.get_text() or not text.get_visible():
            continue
        box = text.get_window_extent(renderer)
        rows.setdefault(round(box.y0), []).append(box)
    return rows


@pytest.mark.parametrize("args", [(30, 12, 4, "same", None, 1), (40, 3, 2, "valid", None, 1),
                                  (8, 3, 2, "same", None, 1), (100, 2, 1, (0, 0), None, 3)])
def test_strip_labels_do_not_overlap(args):
    fig = plot.figure(*args)
    strip = fig.axes[0]
    rows = _texts_by_row(fig, strip)
    assert sum(len(r) for r in rows.values()) > 10
    for boxes in rows.values():
        boxes.sort(key=lambda b: b.x0)
        for left, right in zip(boxes, boxes[1:]):
            assert left.x1 <= right.x0 + 0.5, (left, right)
    # tick labels of the position axis, too
    ticks = [t.get_window_extent() for t in strip.get_xticklabels() if t.get_text()]
    for left, right in zip(ticks, ticks[1:]):
        assert left.x1 <= right.x0 + 0.5


def test_legend_says_when_taps_share_colours():
    legend = plot.figure(30, 12, 4, "same").axes[0].get_legend()
    assert legend.get_title().get_text() == "12 taps, 9 colours: tap k has the colour of tap k mod 9"
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[:3] == ["w0,w9", "w1,w10", "w2,w11"] and labels[-1] == "w8"
    small = plot.figure(8, 3, 2, "same").axes[0].get_legend()
    assert small.get_title().get_text() == ""
    assert [t.get_text() for t in small.get_texts()] == ["w0", "w1", "w2"]


def test_tap_colours_are_distinct():
    from matplotlib.colors import to_rgb

    rgb = [to_rgb(c) for c in plot.TAP_COLORS]
    assert len(set(rgb)) == len(rgb) == 9
    pairs = [(a, b) for n, a in enumerate(rgb) for b in rgb[n + 1:]]
    assert min(sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5 for a, b in pairs) > 0.15


@pytest.mark.parametrize("args, words", [
    ((3, 2, 4, "valid", None, 1), "crop (0, 0), 2 zeros appended"),
    ((3, 1, 3, "valid", None, 1), "crop (0, 0), 2 zeros appended"),
    ((3, 3, 2, "same", None, 1), "crop (0, 1), 6 outputs"),
])
def test_title_says_what_the_text_says(args, words):
    title = plot.figure(*args)._suptitle.get_text()
    assert words in title
    assert words.split(",")[0] + "," in str(explain.draw(*args))
    assert not re.search(r"crop \(-?\d+, -\d+\)", title)


def test_title_names_uneven_overlap_from_the_residue_counts():
    assert "uneven overlap: counts repeat [2 1] with period s=2" in \
        plot.figure(8, 3, 2, "same")._suptitle.get_text()
    assert "even overlap away from the edges" in plot.figure(8, 4, 2, "same")._suptitle.get_text()


@pytest.mark.parametrize("args, name", [((2000, 3, 2), "length"), ((3, 600, 1), "kernel_size"),
                                        ((1100, 3, 1, (500, 500)), "length"),
                                        ((64, 40, 1), "length")])
def test_size_cap_names_the_argument(args, name):
    with pytest.raises(ValueError, match=rf"^`{name}` is too large to draw.*Received: {name}="):
        plot.figure(*args)


def test_animation_frame_cap(tmp_path):
    with pytest.raises(ValueError, match=r"`length` is too large to animate: 65 frames"):
        plot.animation(65, 2, 2)
    with pytest.raises(ValueError, match=r"`length` is too large to animate"):
        plot.direct_animation(40, 2, 2)


def _caption(fig):
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    return next(t for t in texts if t.startswith(("3-4.", "direct, stride 1")))


@pytest.mark.parametrize("args", [(5, 3, 2, "same", None, 1), (3, 2, 4, "valid", None, 1),
                                  (4, 3, 3, 2, 1, 1), (4, 2, 2, "valid", None, 2)])
def test_direct_frames_write_out_the_dot_products(args):
    dc = explain.direct(*args)
    for o, value in enumerate(dc.y_direct):
        caption = _caption(plot.direct_still(*args, output=o))
        assert caption.startswith(f"3-4. flipped kernel at offset {o}, stride 1:  y{o} = ")
        terms = [(a, b) for a, b in zip(dc.padded[o:], dc.kernel) if a != "0" and b != "0"]
        if terms:
            names = " + ".join(f"{a}*{b}" for a, b in terms)
            assert caption.endswith(f"= {value:g}") and names in caption
            # the numbers written out add up to the output
            products = caption.split(" = ")[2]
            total = sum(float(u) * float(v) for u, v in
                        (term.split("*") for term in products.split(" + ")))
            assert total == pytest.approx(value)
        else:
            assert value == 0 and "covers only inserted or padded zeros" in caption


def test_direct_animation_ends_on_the_scatter_output(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    path = plot.save(tmp_path / "d.gif", 5, 3, 2, "same", view="direct")
    with PIL.open(path) as image:
        assert image.n_frames == 10 + 3
    fig = plot.direct_still(5, 3, 2, "same", finished=True)  # the animation's last frame
    caption = _caption(fig)
    y = explain.matrices(5, 3, 2, "same").y_fast
    assert caption == ("direct, stride 1 = " + " ".join(f"{v:g}" for v in y)
                       + " = the scatter's output")
    strip_numbers = [t.get_text() for t in fig.axes[1].texts]
    assert [f"{v:g}" for v in y] == strip_numbers[:len(y)]


def test_values_in_the_cells(tmp_path):
    fig = plot.figure(3, 2, 2, "valid", x=[1, 2, 3], w=[1, -0.5])
    shown = [t.get_text() for t in fig.axes[0].texts][:6]
    assert shown == [f"{v:g}" for v in explain.matrices(3, 2, 2, "valid", x=[1, 2, 3],
                                                        w=[1, -0.5]).y_fast]


def test_cli_view_direct(tmp_path, capsys):
    path = tmp_path / "d.png"
    assert main(["explain", "--length", "4", "--kernel-size", "3", "--stride", "2", "--shape",
                 "--plot", str(path), "--view", "direct"]) == 0
    assert f"wrote {path}" in capsys.readouterr().out and path.stat().st_size > 10_000
    assert main(["explain", "--length", "2000", "--draw", "--plot", str(path)]) == 2
    assert "`length` is too large to draw" in capsys.readouterr().err


def test_your_numbers_are_written_in_the_cells():
    """With x and w, the input cells, the output cells and C^T show the numbers."""
    fig = plot.figure(3, 3, stride=2, padding="same", x=[1, 2, 3], w=[1, 0.5, -1])
    strip, matrix = fig.axes[0], fig.axes[1]
    strip_texts = {t.get_text() for t in strip.texts}
    y = explain.matrices(3, 3, stride=2, padding="same", x=[1, 2, 3], w=[1, 0.5, -1]).y_fast
    assert {"1", "2", "3"} <= strip_texts                      # the inputs
    assert {f"{v:g}" for v in y} <= strip_texts                # the outputs
    assert {t.get_text() for t in matrix.texts} == {"1", "0.5", "-1"}
    assert not any(t.startswith(("x", "w")) for t in strip_texts | {
        t.get_text() for t in matrix.texts})
