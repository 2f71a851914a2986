"""The book's diagrams, drawn with matplotlib and labelled in English or Chinese.

Each function takes ``lang`` (``"en"`` or ``"zh"``; call :func:`cbam_lessons.viz.setup_cjk_font`
first for Chinese) and returns a matplotlib Figure. Each label map (``LABELS``, ...) has the same
keys in both languages.
"""

from .arrangements import ARRANGEMENT_LABELS, draw_arrangements
from .cbam import LABELS, draw_cbam_diagram, draw_channel_gate, draw_spatial_gate
from .placements import PLACEMENT_LABELS, draw_placements, draw_residual_cbam
from .receptive_field import RECEPTIVE_FIELD_LABELS, draw_receptive_fields

__all__ = [
    "ARRANGEMENT_LABELS",
    "LABELS",
    "PLACEMENT_LABELS",
    "RECEPTIVE_FIELD_LABELS",
    "draw_arrangements",
    "draw_cbam_diagram",
    "draw_channel_gate",
    "draw_placements",
    "draw_receptive_fields",
    "draw_residual_cbam",
    "draw_spatial_gate",
]
