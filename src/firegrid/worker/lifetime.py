"""An embedded worker dies with the process that started it (``firegrid serve``), even a SIGKILLed one.

Linux delivers SIGTERM to the worker when its parent dies (``prctl(PR_SET_PDEATHSIG)``, set in the
worker itself right after it starts, then checked against a parent that died first). A watchdog
thread polls the parent as a fallback (other platforms, or a signal that got lost): when the parent
is gone it asks for a warm shutdown, and kills the worker's process group (its pool and embedded
scheduler) if that has not finished within the grace period. Celery acks late, so a killed task is
delivered again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
import threading
import time

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


def set_parent_death_signal(signum: int = signal.SIGTERM) -> bool:
    """Ask the kernel for ``signum`` when the parent dies (Linux only); True when set."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def follow_parent(parent_pid: int, grace_s: float = 10.0, poll_s: float = 0.5) -> None:
    """Stop this process when ``parent_pid`` (its parent) dies; see the module docstring."""
    signalled = set_parent_death_signal()
    if os.getppid() != parent_pid:  # the parent died before the kernel knew to tell us
        log.warning("parent %d is already gone: not starting", parent_pid)
        raise SystemExit(1)
    watchdog = threading.Thread(
        target=_watch, args=(parent_pid, signalled, grace_s, poll_s), name="parent-watchdog", daemon=True
    )
    watchdog.start()


def _watch(parent_pid: int, signalled: bool, grace_s: float, poll_s: float) -> None:
    while os.getppid() == parent_pid:
        time.sleep(poll_s)
    log.warning("parent %d is gone: stopping the worker", parent_pid)
    if not signalled:
        os.kill(os.getpid(), signal.SIGTERM)  # warm shutdown
    time.sleep(grace_s)
    log.warning("worker still running %.0f s after its parent died: killing it", grace_s)
    if os.getpgrp() == os.getpid():  # our own process group (serve starts us in a new session)
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
