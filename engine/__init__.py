"""backproplab's engine: pure NumPy, usable from a notebook.

    >>> import engine
    >>> g = engine.parse_program("x = input(3.0)\\ny = input(-2.0)\\nz = x * y")
    >>> engine.trace(g)["grads"]
    {'x': -2.0, 'y': 3.0}
"""

from engine.errors import InputError
from engine.gradcheck import gradcheck
from engine.graph import EvaluationError, Graph, Node
from engine.inits import INITS
from engine.ops import OPS, unbroadcast
from engine.params import Param, ParamError
from engine.parsing import ProgramError
from engine.presets import PRESETS
from engine.program import parse_expression, parse_program
from engine.trace import trace, trace_events

__all__ = [
    "INITS",
    "OPS",
    "PRESETS",
    "EvaluationError",
    "Graph",
    "InputError",
    "Node",
    "Param",
    "ParamError",
    "ProgramError",
    "gradcheck",
    "parse_expression",
    "parse_program",
    "trace",
    "trace_events",
    "unbroadcast",
]
