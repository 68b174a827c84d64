"""`make bench`: run every benchmark on a throwaway database; each writes bench/results/<name>.md.

python -m bench              # all benchmarks
python -m bench tenants      # only the named ones
"""

import importlib
import os
import sys
import time

BENCHMARKS = ["tenants", "orders_import", "routing", "optimization", "pages"]
BENCHMARKS += ["plan_pages"]  # the Plan and Live pages (routing/pages)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.test.utils import setup_databases, teardown_databases

    from tenants.services import platform_ensure

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
