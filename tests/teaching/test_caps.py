"""Every explain view answers in time linear in what it shows, or refuses above a cap."""

import numpy as np
import pytest
from hypothesis import given, settings

import strategies
from deconv1d import explain, shapes
from deconv1d.cli import main
from deconv1d.teaching.request import MAX_LISTED_OUTPUTS, MAX_MATRIX_ENTRIES


@settings(max_examples=200)
@given(strategies.geometry_args(max_length=7, max_kernel=5, max_stride=4))
def test_inputs_of_lists_exactly_the_pairs_that_land_there(args):
    """The O(K) search per output equals enumerating every (input, tap) pair."""
    g = shapes.geometry(*args)
    for o in range(g.output_length):
        brute = tuple((i, k) for i in range(g.length) for k in range(g.kernel_size)
                      if i * g.stride + k * g.dilation == o + g.crop_left)
        assert explain.inputs_of(o, *args).pairs == brute
        assert explain.connectivity(*args).pairs[o] == brute


def test_one_output_of_a_huge_request_is_answered():
    # 30 million outputs; the one asked about gets its answer without listing the rest.
    sources = explain.inputs_of(20_000_001, 3, 3, stride=10_000_000)
    assert sources.pairs == ((2, 1),)


@pytest.mark.parametrize("view", [explain.connectivity, explain.direct, explain.explain])
def test_listing_views_refuse_above_the_cap(view):
    length = MAX_LISTED_OUTPUTS // 2 + 1                  # stride 2: just over the cap
    with pytest.raises(ValueError, match="`length` or `stride`.*length=5001"):
        view(length, 3, stride=2)


@pytest.mark.parametrize("view", [explain.connectivity, explain.direct])
def test_listing_views_answer_up_to_the_cap(view):
    # Keras 'valid' with output_padding None: L*s outputs, exactly the cap.
    assert view(MAX_LISTED_OUTPUTS // 2, 1, stride=2).geometry.output_length == \
        MAX_LISTED_OUTPUTS


def test_matrix_view_refuses_above_the_cap():
    side = int(np.sqrt(MAX_MATRIX_ENTRIES)) + 1           # L_out = L at stride 1, K = 1
    with pytest.raises(ValueError, match="C\\^T would have"):
        explain.matrices(side, 1)
    with pytest.raises(ValueError, match="channels"):
        explain.matrices(2000, 1, x=np.ones((2000, 3000)), w=np.ones((1, 1, 3000)))


def test_cli_caps_exit_2_with_one_line(capsys):
    assert main(["explain", "--connectivity", "--length", "3", "--stride", "10000000"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "at most 10000" in err and "Traceback" not in err


def test_plot_without_extension_names_the_file_written(tmp_path):
    pytest.importorskip("matplotlib")
    from deconv1d.teaching import plot

    written = plot.save(str(tmp_path / "fig"), 3, 3, stride=2, padding="same")
    assert written.endswith("fig.png") and (tmp_path / "fig.png").is_file()
