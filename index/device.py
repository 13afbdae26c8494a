"""Which device the models run on: ``auto`` (the GPU when torch finds one), ``cpu`` or ``cuda``.

Shared by the encoder (``index.embedding``) and the reader (``qa.reader``). torch is imported
only to answer the question, never for ``cpu`` and never at import, so ``verbatim --help``
stays fast.
"""

from __future__ import annotations

import functools

from index.errors import DeviceError

DEVICES = ("auto", "cpu", "cuda")
CPU_BATCH = 32  # passages per encoder batch on the CPU: larger ones are no faster there
CUDA_BATCH = 256  # on a GPU a batch this size keeps it busy, at a few hundred MB


@functools.cache
def resolve_device(wanted: str = "auto") -> str:
    """The device to run on: ``cpu`` or ``cuda`` (``cuda:N`` as given).

    Raises:
        DeviceError: for ``cuda`` where torch finds no CUDA GPU, or an unknown name.
    """
    if wanted == "cpu":
        return "cpu"
    if wanted != "auto" and wanted != "cuda" and not wanted.startswith("cuda:"):
        raise DeviceError(f"unknown device {wanted!r}; use one of {', '.join(DEVICES)}")
    import torch

    if torch.cuda.is_available():
        return "cuda" if wanted == "auto" else wanted
    if wanted == "auto":
        return "cpu"
    build = f"built for CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
    raise DeviceError(
        f"torch {torch.__version__} ({build}) finds no CUDA GPU here, so nothing can run on {wanted!r}. Install "
        "torch's CUDA build on a machine with an NVIDIA GPU and its driver (the README's GPU set-up), or use "
        "--device auto (the GPU when there is one, else the CPU) or --device cpu"
    )


def batch_size_for(device: str, given: int | None = None) -> int:
    """Passages per encoder batch: the one given, else what suits the (resolved) device."""
    if given:
        return given
    return CUDA_BATCH if device.startswith("cuda") else CPU_BATCH


def gpu_name(device: str) -> str | None:
    """The GPU's name for a resolved ``cuda`` device (for reports); None for the CPU."""
    if not device.startswith("cuda"):
        return None
    import torch

    return str(torch.cuda.get_device_name(torch.device(device)))
