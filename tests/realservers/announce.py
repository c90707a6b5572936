"""The server script's side of child.py: announce the port, die with the parent.

Server scripts run with this folder first on ``sys.path`` and import it as
``announce``; it imports nothing from the tests.
"""
import os
import sys
import threading


def announce(port: int) -> None:
    """Tell the parent the port, and exit when the parent goes away."""
    def watch_parent() -> None:
        sys.stdin.read()      # returns at EOF: the parent closed the pipe or died
        os._exit(0)

    threading.Thread(target=watch_parent, name="parent watch", daemon=True).start()
    print(f"LISTENING {port}", flush=True)  # child.py reads this line
