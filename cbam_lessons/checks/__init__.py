"""Checkers for the exercises: call one under your code, e.g. ``check_channel_attention(ChannelAttention)``.

Each prints a short verdict in the notebook's language (``lang="en"`` or ``"zh"``,
default ``$CBAM_LANG`` or English): passed, not implemented yet, or the specific
mistake and a hint. The ``diagnose_*`` functions return the :class:`Verdict` instead.
A checker never raises because of the code it checks.
"""

from ._verdict import MESSAGES, Verdict
from .attention import diagnose_cbam_block, diagnose_channel_attention, diagnose_spatial_attention
from .conversion import diagnose_kernel_order
from .gate_function import diagnose_gate_function
from .intervals import diagnose_paired_interval
from .counting import cbam_parameters, diagnose_cbam_overhead
from .localization import diagnose_share_inside
from .residual import diagnose_cbam_bottleneck, diagnose_residual_cbam


def _printing(diagnose):
    def check(student, lang=None):
        print(diagnose(student, lang).message)

    check.__name__ = diagnose.__name__.replace("diagnose_", "check_")
    check.__doc__ = f"Print the verdict of :func:`{diagnose.__name__}` for ``student``."
    return check


check_channel_attention = _printing(diagnose_channel_attention)
check_spatial_attention = _printing(diagnose_spatial_attention)
check_cbam_block = _printing(diagnose_cbam_block)
check_residual_cbam = _printing(diagnose_residual_cbam)
check_cbam_overhead = _printing(diagnose_cbam_overhead)
check_kernel_order = _printing(diagnose_kernel_order)
check_share_inside = _printing(diagnose_share_inside)
check_cbam_bottleneck = _printing(diagnose_cbam_bottleneck)
check_paired_interval = _printing(diagnose_paired_interval)
check_gate_function = _printing(diagnose_gate_function)

__all__ = [
    "MESSAGES", "Verdict", "cbam_parameters",
    "check_channel_attention", "check_spatial_attention", "check_cbam_block", "check_residual_cbam", "check_cbam_overhead",
    "check_kernel_order", "diagnose_kernel_order", "check_share_inside", "diagnose_share_inside",
    "diagnose_channel_attention", "diagnose_spatial_attention", "diagnose_cbam_block", "diagnose_residual_cbam",
    "diagnose_cbam_overhead", "check_cbam_bottleneck", "diagnose_cbam_bottleneck", "check_paired_interval",
    "diagnose_paired_interval", "check_gate_function", "diagnose_gate_function",
]
