"""Machine facts printed at the top of every routing benchmark table."""

import datetime
import os
import platform
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def machine_info() -> str:
    """Markdown lines with date, core count, CPU model, Python and PyVRP versions."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"- date: {today}\n"
        f"- nproc: {os.cpu_count()}\n"
        f"- cpu: {cpu}\n"
        f"- python {platform.python_version()}, pyvrp {version('pyvrp')}\n"
    )
