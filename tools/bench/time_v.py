"""What /usr/bin/time -v reports about a finished command, parsed once for every benchmark script."""

import re


def parse_time_v(stderr):
    """(wall seconds, CPU seconds (user + system), peak RSS MiB) from /usr/bin/time -v's report in stderr."""
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", stderr)
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    cpu = sum(float(re.search(rf"{kind} time \(seconds\): ([\d.]+)", stderr).group(1)) for kind in ("User", "System"))
    rss_mib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1)) / 1024
    return seconds, cpu, rss_mib
