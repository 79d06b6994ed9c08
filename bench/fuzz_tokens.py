"""Fuzz `TokenVerifier` with mutants of a valid session token: none may pass, none may crash.

Run with `.venv/bin/python -m bench.fuzz_tokens [--count N] [--seed S]` (defaults: 100,000
mutants, seed 0). The mutants come from `tests.support.token_mutants` (bit flips, non-canonical
base64url, swapped algorithms, foreign keys, injected header members, truncation, extra
segments, white space, odd characters, duplicate member names, NaN, `crit`, non-strings) and go
through a PEM-keyed verifier with `verify_sync`. Prints the count of each verdict per category,
the time taken, and last `tokens=N accepted=A crashes=C`; exits with status 1 when a mutant was
accepted or raised anything but `TokenVerificationError`.
"""

from __future__ import annotations

import argparse
import sys
import time

from tests.support.auth import pem_verifier
from tests.support.clock import FakeClock
from tests.support.token_forging import original_token
from tests.support.token_mutants import (
    ACCEPTED,
    CRASH_PREFIX,
    format_tally,
    mutants,
    tally,
)


def main() -> int:
    """Run the fuzz and print its tally.

    Returns:
        The exit status: 0 when every mutant was refused with `TokenVerificationError`.
    """
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz_tokens", description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="how many mutants")
    parser.add_argument("--seed", type=int, default=0, help="seeds the mutations")
    arguments = parser.parse_args()
    verifier = pem_verifier(FakeClock())
    if verifier.verify_sync(original_token()).sub != "user_fuzz":
        raise SystemExit("the verifier refuses the token the mutants start from")
    started = time.perf_counter()
    counts = tally(verifier, mutants(arguments.seed, arguments.count))
    elapsed = time.perf_counter() - started
    accepted = sum(number for (_, outcome), number in counts.items() if outcome == ACCEPTED)
    crashes = sum(number for (_, outcome), number in counts.items() if outcome.startswith(CRASH_PREFIX))
    print(format_tally(counts))
    print(f"seed={arguments.seed} seconds={elapsed:.2f} (mutating and verifying)")
    print(f"tokens={counts.total()} accepted={accepted} crashes={crashes}")
    return 1 if accepted or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
