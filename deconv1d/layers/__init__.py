"""The Keras-compatible layer and its parts: initializers, activations (each with its
derivative), regularizers (each with its gradient) and constraints."""
