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
        f"- load average at start (1/5/15 min): {load_average()}"
        " — other work on the machine slows time-budgeted runs\n"
    )


def load_average() -> str:
    """The 1/5/15-minute load averages, to judge whether timings were taken on a quiet machine."""
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())
