"""Golden values of Keras's Conv1DTranspose, shared by the core and layer tests.

``x = ones((1, 3, 1))``, kernel ``arange(1, K + 1)`` shaped ``(K, 1, 1)``, no bias;
outputs agreed by Keras 3 and tf-keras (the last three: Keras 3 only, where
TensorFlow raises for same + output_padding=0 + an even kernel).  The same calls
are recorded from the live frameworks in ``tests/data/golden_*.npz`` by
``tools/make_golden_vectors.py``; the length table they exercise is in
``docs/window.md``.
"""

GOLDEN = [
    # K, stride, padding, output_padding, expected
    (3, 1, "valid", None, [1, 3, 6, 5, 3]),
    (3, 1, "same", None, [3, 6, 5]),
    (3, 2, "valid", None, [1, 2, 4, 2, 4, 2, 3]),
    (3, 2, "same", None, [1, 2, 4, 2, 4, 2]),
    (3, 2, "same", 0, [2, 4, 2, 4, 2]),
    (3, 2, "same", 1, [1, 2, 4, 2, 4, 2]),
    (3, 2, "valid", 1, [1, 2, 4, 2, 4, 2, 3, 0]),
    (2, 2, "same", None, [1, 2, 1, 2, 1, 2]),
    (2, 2, "same", 1, [1, 2, 1, 2, 1]),
    (4, 3, "same", None, [1, 2, 3, 5, 2, 3, 5, 2, 3]),
    (4, 3, "same", 2, [2, 3, 5, 2, 3, 5, 2, 3]),
    (1, 3, "valid", None, [1, 0, 0, 1, 0, 0, 1, 0, 0]),
    (2, 1, "same", None, [1, 3, 3]),
    (5, 2, "same", 1, [2, 4, 6, 9, 6, 8]),
    # Keras 3's answers where TensorFlow raises (same + op=0 + even dk).
    (2, 2, "same", 0, [2, 1, 2, 1]),
    (2, 1, "same", 0, [3, 3]),
    (4, 1, "same", 0, [6, 9]),
]
