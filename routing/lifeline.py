"""Solver helper processes end with the process that started them.

A Celery pool process killed with `kill -9` (or by its hard time limit) cannot end its helpers
itself; without this they would go on solving for nobody until their own deadline. Linux: the
kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG). Elsewhere: a thread watches the
parent's pid.
"""

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


def die_with_parent(parent: int) -> None:
    """Call first thing in a helper process, with the pid of the process that started it (it
    may have died while this one was starting: then this one ends now)."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed (we were re-parented)
