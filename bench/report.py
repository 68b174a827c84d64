"""Small helpers shared by the benchmarks: timing statistics and the results file."""

import platform
import statistics
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))],
        "min": ordered[0],
        "max": ordered[-1],
    }


def write(name: str, title: str, body: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    header = (
        f"# {title}\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()}). This machine is shared and "
        f"noisy: compare the ratio, measured in the same run, more than absolute times.\n\n"
    )
    path.write_text(header + body)
    return path
