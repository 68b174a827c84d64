"""`make bench`: run every benchmark on a throwaway database; each writes bench/results/<name>.md.

python -m bench              # all benchmarks
python -m bench tenants      # only the named ones
python -m bench tracking --quick  # a short run (BENCH_QUICK=1)
"""

import importlib
import os
import sys
import time

BENCHMARKS = [
    "tenants",
    "orders_import",
    "routing",
    "routing_days",
    "routing_waiting",
    "optimization",
    "pages",
    "tracking",
    "standing_orders",
    "scale",
]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import platform_ensure

    if "--quick" in argv:  # short runs of the benchmarks that know BENCH_QUICK
        os.environ["BENCH_QUICK"] = "1"
        argv = [name for name in argv if name != "--quick"]
    names = argv or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {BENCHMARKS}")
        return 2
    config = setup_databases(verbosity=0, interactive=False)
    try:
        platform_ensure()
        for name in names:
            started = time.perf_counter()
            module = importlib.import_module(f"bench.{name}")
            path = module.run()
            print(f"{name}: {time.perf_counter() - started:.1f}s → {path}")
    finally:
        teardown_databases(config, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
