"""The host process's peak resident memory over a stretch of work.

Linux keeps a process's peak RSS (``VmHWM``) and lets the process reset it to
the current RSS by writing ``5`` to ``/proc/self/clear_refs``: reset, do the
work, read the peak. Where that is refused, ``getrusage``'s ``ru_maxrss``
(a peak since the process began, never reset) gives a lower bound instead:
it only grows when the work beats every earlier peak. Only this process is
seen, not Chromium's renderer processes.
"""

from __future__ import annotations

import ctypes
import resource
from pathlib import Path

STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(field: str) -> int:
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise OSError(f"{field} is not in {STATUS}")


def _trim() -> None:
    """Hand memory freed earlier back to the system (glibc), so the start
    point is not inflated by what the work before left in malloc's pools."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakRss:
    """Measures how far this process's RSS rises above where it was at :meth:`start`."""

    def __init__(self) -> None:
        self.method = ""
        """How the peak was taken, for the report."""
        self._baseline_kib = 0
        self._exact = False

    def start(self) -> None:
        _trim()
        try:
            CLEAR_REFS.write_text("5")
            self._baseline_kib = _status_kib("VmRSS")
            self._exact = True
            self.method = "peak RSS (VmHWM, reset via /proc/self/clear_refs) minus RSS at the start"
        except OSError:
            self._baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            self._exact = False
            self.method = "growth of getrusage ru_maxrss (a lower bound: 0 unless it beats earlier peaks)"

    def increase_mb(self) -> float:
        """MB (10^6 bytes) the peak rose above the start."""
        if self._exact:
            peak_kib = _status_kib("VmHWM")
        else:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return max(0, peak_kib - self._baseline_kib) * 1024 / 1e6
