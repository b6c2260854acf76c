"""The run options of compute, to_hdf5, explain and plan: the CLI's (`tilesum run --help`), with its defaults."""

import os

from . import _tilesum

# tools/cli_options.hpp: default_memory; --threads defaults to the number of cores; --strategy to auto.
DEFAULT_MEMORY = "1GiB"
STRATEGIES = ("auto", "expand", "tile")


def budget_bytes(memory):
    """Bytes of `memory`: an int of bytes or a size as --memory takes it ("64MiB", "2G", "1048576")."""
    if isinstance(memory, bool):
        raise TypeError("memory must be a size such as '1GiB' or a number of bytes, not a bool")
    if isinstance(memory, int):
        if memory <= 0:
            raise ValueError(f"memory {memory}: the budget must be a positive number of bytes")
        return memory
    if isinstance(memory, str):
        return _tilesum.parse_size(memory)
    raise TypeError(f"memory must be a size such as '1GiB' or a number of bytes, not {type(memory).__name__}")


def thread_count(threads):
    """Worker threads: the number of cores when None, as `tilesum run` without --threads."""
    if threads is None:
        return max(1, os.cpu_count() or 1)
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads {threads!r}: expected a whole number of threads, at least 1")
    return threads


def forced_tiles(tile):
    """{'k': 64} from tile={'k': 64}, tile='k=64' or tile=['k=64', 'i=8'] (the CLI's --tile k=64)."""
    if tile is None:
        return {}
    if isinstance(tile, str):
        tile = [tile]
    if isinstance(tile, dict):
        items = list(tile.items())
    else:
        items = []
        for text in tile:
            index, equals, size = str(text).partition("=")
            if not equals or not size.isdigit():
                raise ValueError(f"tile '{text}': expected INDEX=SIZE with a one-letter index, e.g. k=64")
            items.append((index, int(size)))
    for index, size in items:
        if not isinstance(index, str) or len(index) != 1 or not isinstance(size, int) or size < 1:
            raise ValueError(f"tile {index!r}={size!r}: expected a one-letter index and a positive size, e.g. k=64")
    return dict(items)


def profile_path(profile):
    """The machine profile to plan with, as the C++ side takes it: "" for the CLI's lookup (TILESUM_PROFILE, then
    $XDG_CONFIG_HOME/tilesum/machine.json or ~/.config/tilesum/machine.json, where `tilesum calibrate` writes it;
    the built-in defaults when there is none), a file's path, or "defaults" for the built-in defaults."""
    if profile is None:
        return ""
    if isinstance(profile, (str, os.PathLike)):
        path = os.fspath(profile)
        if path:
            return path
    raise TypeError(f"profile must be a path to a machine profile, 'defaults' or None, not {profile!r}")


class RunOptions:
    """The options of one call, checked: budget_bytes, threads, strategy, tiles, progress, profile."""

    def __init__(self, memory=DEFAULT_MEMORY, threads=None, strategy="auto", tile=None, progress=False,
                 profile=None):
        if strategy not in STRATEGIES:
            raise ValueError(f"strategy '{strategy}': expected auto, expand or tile")
        self.budget_bytes = budget_bytes(memory)
        self.threads = thread_count(threads)
        self.strategy = strategy
        self.tiles = forced_tiles(tile)
        self.progress = bool(progress)
        self.profile = profile_path(profile)
