"""``--watch`` for ``check`` and ``build``: run the command, then again each time the
project's sources or its ``infra.lock`` change, until Ctrl-C. It needs the ``watch`` extra
(watchfiles, which the commands load only with ``--watch``).

The folder is watched by the operating system's notifications (watchfiles); a burst of
changes (an editor's save, a ``git checkout``) is gathered into one run. A run happens only
when the content of a ``.infra`` file or of the lock differs from what the last run was
given, so that a file saved unchanged, or the lock a build has just written, runs nothing.
Every run is the command as it runs alone, in the same process: the build cache, and the
modules and the parser's tables already loaded, make a run after a small change short.
"""

from __future__ import annotations

import sys

from infrac.cli.common import USAGE, human

TYPE_CHECKING = False  # typing's own constant, without importing typing
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from pathlib import Path

#: The longest a burst of changes is gathered for before a run, in milliseconds.
DEBOUNCE_MS = 1600
#: A burst ends when nothing more changed for this long, in milliseconds.
STEP_MS = 100
#: How long the watcher waits before it says it is watching, and between its idle wake-ups,
#: in milliseconds.
ARMED_MS = 250
#: The exit code of a watch ended by Ctrl-C, as for any program stopped by SIGINT.
INTERRUPTED = 130


def watch(args: argparse.Namespace, once: Callable[[argparse.Namespace], int]) -> int:
    """Run ``once`` now and after each change of the project's inputs; the exit code is
    the first run's when there is nothing to watch, else 130 (stopped by Ctrl-C)."""
    try:
        import watchfiles
    except ImportError:
        print(f"infrac {args.command}: error: --watch needs watchfiles; install it with "
              "`pip install 'infrac[watch]'`", file=sys.stderr)
        return USAGE
    import gc

    from infrac.contract.lockfile import NAME
    from infrac.project.workspace import default_path, display

    gc.enable()  # a long-lived process: each run's garbage is collected (infrac.cli.run)
    root = args.path or default_path()
    folder = root if root.is_dir() else root.parent
    lock = folder / NAME
    stream = human(args)
    seen = inputs(root, lock)

    def run() -> int:
        nonlocal seen
        code = once(args)
        if args.command == "build":  # the lock the build wrote is no change of the inputs
            seen = {**seen, display(lock): _read(lock)}
        _flush()
        return code

    try:
        code = run()
        if not root.exists():  # reported by the run: nothing to watch
            return code
        runs, watching = 1, False
        # The watcher is armed when the generator first runs; it yields (maybe nothing) within
        # ARMED_MS. Only then is "watching" true: the message follows it, and what changed
        # before (during the first run) is looked for once.
        for changes in watchfiles.watch(folder, debounce=DEBOUNCE_MS, step=STEP_MS, raise_interrupt=True,
                                        yield_on_timeout=True, rust_timeout=ARMED_MS):
            if not watching:
                watching = True
                print(f"infrac: watching {display(root)} for changes (Ctrl-C to stop)", file=stream)
                _flush()
            elif not changes:
                continue
            now = inputs(root, lock)
            if now == seen:
                continue
            names = sorted({name for name, _ in set(now.items()) ^ set(seen.items())})
            seen, runs = now, runs + 1
            what = names[0] if len(names) == 1 else f"{len(names)} files"
            print(f"\n--- run {runs}: {what} changed ---", file=stream)
            _flush()
            run()
    except KeyboardInterrupt:
        _flush()
        print("\ninfrac: stopped watching", file=sys.stderr)
        return INTERRUPTED
    return code


def inputs(root: Path, lock: Path) -> dict[str, bytes | None]:
    """What a run reads: each source's bytes by its shown path, and the lock's (None when
    there is none)."""
    from infrac.project.workspace import display, find_sources

    found = {display(path): _read(path) for path in (find_sources(root) if root.exists() else ())}
    found[display(lock)] = _read(lock)
    return found


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
