"""`python -m tests.fuzz --programs 10000 --seed 0 --jobs 2` runs a campaign;
`python -m tests.fuzz replay FILE [--shrink]` checks one repro file again;
`python -m tests.fuzz known` prints the in-suite batch's KNOWN table."""
import sys

from .campaign import main
from .replay import replay_main
from .triage import known_main

if __name__ == "__main__":
    if sys.argv[1:2] == ["replay"]:
        sys.exit(replay_main(sys.argv[2:]))
    if sys.argv[1:2] == ["known"]:
        sys.exit(known_main(sys.argv[2:]))
    sys.exit(main())
