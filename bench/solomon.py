"""Read Solomon-format VRPTW instances and their best known solutions (../shared/bench/vrptw)."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "vrptw"


@dataclass
class Instance:
    name: str
    vehicles: int
    capacity: int
    coordinates: np.ndarray  # (n, 2), customer 0 is the depot
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray

    @property
    def customers(self) -> int:
        return len(self.demand) - 1

    def euclidean(self) -> np.ndarray:
        delta = self.coordinates[:, None, :] - self.coordinates[None, :, :]
        return np.sqrt((delta**2).sum(axis=2))


def read(path: Path) -> Instance:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    vehicles, capacity = (int(value) for value in lines[3])
    rows = [list(map(float, parts)) for parts in lines[6:] if parts[0].isdigit()]
    data = np.array(rows)
    return Instance(
        name=lines[0][0],
        vehicles=vehicles,
        capacity=capacity,
        coordinates=data[:, 1:3],
        demand=data[:, 3].astype(int),
        ready=data[:, 4],
        due=data[:, 5],
        service=data[:, 6],
    )


def best_known(path: Path, objective: str = "distance") -> dict[str, float]:
    with path.open() as handle:
        return {
            row["instance"]: float(row["distance_bks"])
            for row in csv.DictReader(handle)
            if row["objective"] == objective
        }


def gap(distance: float, best: float) -> float:
    return 100.0 * (distance - best) / best if best else math.nan
