"""The operation itself: geometry and the kept window, the transposed and direct
convolutions, their vector-Jacobian product, the stream, and the one engine."""
