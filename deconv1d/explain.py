"""Convolution arithmetic, explained: the public path of :mod:`deconv1d.teaching`'s views.

Each view is implemented in its own module of ``deconv1d/teaching/`` (see
:mod:`deconv1d.teaching.explain`); this module keeps ``deconv1d.explain`` working
as the README shows it.
"""

from .teaching.arguments import FrameworkCall
from .teaching.connectivity import Connectivity, OutputSources, connectivity, inputs_of
from .teaching.direct import Direct, direct
from .teaching.drawing import Drawing, draw
from .teaching.explain import Explanation, explain
from .teaching.matrices import (
    MAX_SYMBOLIC_INPUTS,
    MAX_SYMBOLIC_OUTPUTS,
    Matrices,
    matrices,
)
from .teaching.relationships import Relationship, eval_relationship
from .teaching.stacked import StackedLayers, parse_layers, stacked
from .teaching.text import COLUMNS
from .teaching.walkthrough import ShapeWalkthrough, Step, shape

__all__ = [
    "COLUMNS",
    "MAX_SYMBOLIC_INPUTS",
    "MAX_SYMBOLIC_OUTPUTS",
    "Connectivity",
    "Direct",
    "Drawing",
    "Explanation",
    "FrameworkCall",
    "Matrices",
    "OutputSources",
    "Relationship",
    "ShapeWalkthrough",
    "StackedLayers",
    "Step",
    "connectivity",
    "direct",
    "draw",
    "eval_relationship",
    "explain",
    "inputs_of",
    "matrices",
    "parse_layers",
    "shape",
    "stacked",
]
