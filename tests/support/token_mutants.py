"""Mutants of one valid session token, for fuzzing `TokenVerifier`: it must refuse them all.

`mutants(seed, count)` yields `(category, token)` pairs, taking the `CATEGORIES` in turn. Each
mutant is one of the cheap edits of `original_token()` in `token_edits`, or drawn from the
pools of pre-signed hostile tokens in `hostile_token_pools`. `tally` runs mutants through a
verifier; the unit fuzz and `bench/fuzz_tokens.py` share all of it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier
from tests.support import token_edits
from tests.support.hostile_token_pools import Material, mutation_material

ACCEPTED = "accepted"
CRASH_PREFIX = "crash:"

_INVALID = frozenset({Reason.TOKEN_INVALID.value})
_SIGNATURE = frozenset({Reason.TOKEN_INVALID_SIGNATURE.value})
_ALGORITHM = frozenset({Reason.TOKEN_INVALID_ALGORITHM.value})
_ANY_REFUSAL = frozenset(reason.value for reason in Reason)


@dataclass(frozen=True)
class Category:
    """A kind of mutant and the refusals it may meet.

    Attributes:
        name: Names the category in tallies.
        make: Builds one mutant from a random source and the shared material.
        reasons: The reason codes a verifier may answer with.
    """

    name: str
    make: Callable[[random.Random, Material], object]
    reasons: frozenset[str]


def _from_pool(name: str) -> Callable[[random.Random, Material], object]:
    def draw(rng: random.Random, material: Material) -> object:
        return rng.choice(material.pools[name])

    return draw


CATEGORIES: tuple[Category, ...] = (
    Category("flip-decoded-bytes", token_edits.segment_flip, _ANY_REFUSAL),
    Category("flip-base64-text", token_edits.text_flip, _ANY_REFUSAL),
    Category("respelled-signed-part", _from_pool("respelled-signed-part"), _INVALID),
    Category("respelled-signature", token_edits.signature_respelling, _INVALID),
    Category("length-4n+1", token_edits.length_one_past_quad, _INVALID),
    Category("algorithm-swap", _from_pool("algorithm-swap"), _ALGORITHM),
    Category("header-injection", token_edits.header_injection, _SIGNATURE),
    Category("foreign-key", _from_pool("foreign-key"), _SIGNATURE),
    Category("truncation", token_edits.truncation, _ANY_REFUSAL),
    Category("extra-segments", token_edits.extra_segments, _INVALID),
    Category("whitespace", token_edits.whitespace, _INVALID),
    Category("odd-characters", token_edits.odd_character, _INVALID),
    Category("duplicate-members", _from_pool("duplicate-members"), _INVALID),
    Category("non-rfc8259-json", _from_pool("non-rfc8259-json"), _INVALID),
    Category("crit-header", _from_pool("crit-header"), _INVALID),
    Category("non-string", token_edits.non_string, _INVALID),
    Category("random-text", token_edits.random_text, _INVALID),
)
REASONS_BY_CATEGORY: dict[str, frozenset[str]] = {category.name: category.reasons for category in CATEGORIES}


def mutants(seed: int, count: int) -> Iterator[tuple[str, object]]:
    """Yield `count` mutants of `original_token()`, the categories in turn.

    The same seed gives the same edits; the keys, and so the signatures, are new per process.

    Args:
        seed: Seeds the random choices.
        count: How many mutants to yield.

    Yields:
        `(category, token)`; the token may be any object, never the original `str`.
    """
    material = mutation_material()
    rng = random.Random(seed)
    for index in range(count):
        category = CATEGORIES[index % len(CATEGORIES)]
        yield category.name, category.make(rng, material)


def verdict(verifier: TokenVerifier, token: object) -> str:
    """What `verify_sync` made of `token`.

    Args:
        verifier: The verifier under test.
        token: Anything.

    Returns:
        The reason code of the refusal, `accepted`, or `crash:` and the name of any other
        exception.
    """
    try:
        verifier.verify_sync(token)  # type: ignore[arg-type]
    except TokenVerificationError as error:
        return error.reason.value
    except Exception as error:  # noqa: BLE001 - a fuzz counts crashes instead of stopping
        return CRASH_PREFIX + type(error).__name__
    return ACCEPTED


def tally(verifier: TokenVerifier, pairs: Iterable[tuple[str, object]]) -> Counter[tuple[str, str]]:
    """Count the verdicts per category.

    Args:
        verifier: The verifier under test.
        pairs: `(category, token)` pairs, as `mutants` yields them.

    Returns:
        How often each `(category, verdict)` occurred.
    """
    return Counter((category, verdict(verifier, token)) for category, token in pairs)


def format_tally(counts: Counter[tuple[str, str]]) -> str:
    """One line per category: its total, then each verdict's count, most frequent first."""
    by_category: dict[str, Counter[str]] = {}
    for (category, outcome), number in counts.items():
        by_category.setdefault(category, Counter())[outcome] += number
    lines = []
    for category, outcomes in sorted(by_category.items()):
        detail = " ".join(f"{outcome}={number}" for outcome, number in outcomes.most_common())
        lines.append(f"{category:<22} {outcomes.total():>7}  {detail}")
    return "\n".join(lines)
