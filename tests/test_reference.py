"""reference: the oracles on hand-worked cases (they are compared to each other and to
the fast path in tests/core/test_transpose.py)."""

import numpy as np

from deconv1d import reference


def test_transpose_matrix_teaching_example():
    # The README's explain example: Keras same, L=3, K=3, s=2 -> 6 outputs,
    # overlap counts [1 1 2 1 2 1].
    w = np.array([10.0, 20.0, 30.0]).reshape(3, 1, 1)
    ct = reference.transpose_matrix(3, w, stride=2, padding="same")
    expected = np.array([[10, 0, 0], [20, 0, 0], [30, 10, 0], [0, 20, 0], [0, 30, 10],
                         [0, 0, 20]])
    np.testing.assert_array_equal(ct, expected)
    np.testing.assert_array_equal((ct != 0).sum(axis=1), [1, 1, 2, 1, 2, 1])


def test_transpose_matrix_groups_are_block_diagonal():
    w = np.ones((2, 1, 4))                          # 4 in, 2 groups -> 2 out
    ct = reference.transpose_matrix(1, w, groups=2)  # (L_out*C_out, L*C_in) = (4, 4)
    np.testing.assert_array_equal(ct, [[1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 0, 0], [0, 0, 1, 1]])


def test_every_oracle_on_a_dilated_hand_case():
    # x = [1, 2], w = [1, 10] dilated by 2, stride 3: full = [1, 0, 10, 2, 0, 20]
    x = np.array([1.0, 2.0]).reshape(1, 2, 1)
    w = np.array([1.0, 10.0]).reshape(2, 1, 1)
    for oracle in reference.ORACLES.values():
        y = oracle(x, w, stride=3, padding=(1, 0), output_padding=1, dilation=2)
        np.testing.assert_array_equal(y[0, :, 0], [0, 10, 2, 0, 20, 0])


def test_bias_and_channels_first():
    x = np.arange(6.0).reshape(1, 2, 3)             # channels_first: C_in=2, L=3
    w = np.ones((1, 1, 2))
    for oracle in reference.ORACLES.values():
        y = oracle(x, w, data_format="channels_first", bias=np.array([0.5]))
        np.testing.assert_array_equal(y, [[[3.5, 5.5, 7.5]]])
