"""Colours of the report: one per recommender, the same in every figure, and the few others.

Recommenders take their colour and order from assetrec.registry: its order is the order of every legend
and table; a model not in it gets a stable colour of its own (and sorts after them, by name).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.colors

from assetrec import registry

# One colour per recommender, the same in every figure.
MODEL_COLOURS = {model.name: model.colour for model in registry.MODELS}
MODEL_ORDER = list(MODEL_COLOURS)
HIT = "#1f77b4"
TOP_HIT = "#ff7f0e"
CLEAN = "#2ca02c"
REJECTED = "#d62728"


def model_colour(model: str) -> str:
    if model in MODEL_COLOURS:
        return MODEL_COLOURS[model]
    extra = mpl.colormaps["tab10"].colors
    return matplotlib.colors.to_hex(extra[zlib.crc32(model.encode()) % len(extra)])


def ordered_models(models: Sequence[str]) -> list[str]:
    known = [m for m in MODEL_ORDER if m in set(models)]
    return known + sorted(set(models) - set(known))
