"""Other frameworks' conventions: weight layouts, padding arguments, entry points,
and the verifier that judges their outputs against the core."""
