"""Entry point of a solver helper process (`python -m routing.solver_helper <parent pid>`).

It arms its parent-death signal before anything heavy is imported (numpy, PyVRP and VROOM take
seconds to load on a busy machine), so a helper whose worker is killed, even while it is still
starting, ends at once; then it runs `routing.solvers`' helper loop.
"""

import sys

from routing.lifeline import die_with_parent

if __name__ == "__main__":
    die_with_parent(int(sys.argv[1]))

    from routing.solvers import _helper_main

    _helper_main()
