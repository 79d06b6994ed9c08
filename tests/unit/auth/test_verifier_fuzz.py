"""Fuzzing `TokenVerifier`: it refuses everything but the valid token, only ever by raising
`TokenVerificationError`, whatever it is given."""

from __future__ import annotations

import functools
import json
import re
from base64 import urlsafe_b64decode

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier
from smnb_app.providers.dev.signing import b64url
from tests.support.auth import decode_part, pem_verifier
from tests.support.clock import FakeClock
from tests.support.token_forging import BASE64URL_ALPHABET, original_token, sign_json_text
from tests.support.token_mutants import REASONS_BY_CATEGORY, format_tally, mutants, tally

FUZZ_SEED = 20_240_611
FUZZ_COUNT = 17 * 600
EXAMPLES = settings(max_examples=300, deadline=None, database=None)
SIGNED_EXAMPLES = settings(max_examples=40, deadline=None, database=None)

# Any code point, with lone surrogates (rare among all characters) and the token alphabet
# drawn often enough to matter.
any_character = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(categories=["Cs"]),
    st.sampled_from(BASE64URL_ALPHABET + ".=+/ "),
)
# Not `st.text(any_character)`: it merges the alternatives into one range of code points, in
# which surrogates almost never come up; a list of single draws keeps each alternative's share.
any_text = st.lists(any_character, max_size=80).map("".join)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6))


@functools.cache
def verifier() -> TokenVerifier:
    """One verifier for all examples, its caches included in what is fuzzed."""
    return pem_verifier(FakeClock())


async def refusal(token: object) -> Reason:
    with pytest.raises(TokenVerificationError) as caught:
        await verifier().verify(token)  # type: ignore[arg-type]
    return caught.value.reason


def is_canonical(part: str) -> bool:
    """The standard library's view: `part` is base64url that re-encoding its bytes spells again."""
    if re.fullmatch(r"[A-Za-z0-9_-]*", part) is None or len(part) % 4 == 1:
        return False
    return b64url(urlsafe_b64decode(part + "=" * (-len(part) % 4))) == part


@st.composite
def edited_tokens(draw: st.DrawFn) -> str:
    """The valid token after one to three character insertions, replacements or deletions."""
    token = original_token()
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(token)))
        edit = draw(st.sampled_from(("insert", "replace", "delete")))
        character = "" if edit == "delete" else draw(any_character)
        token = token[:position] + character + token[position + (edit != "insert") :]
    return token


@st.composite
def signature_spellings(draw: st.DrawFn) -> str:
    """Short texts over the base64 alphabets, or the valid signature with its end rewritten."""
    alphabet = st.sampled_from(BASE64URL_ALPHABET + "=+/")
    if draw(st.booleans()):
        return draw(st.text(alphabet, max_size=12))
    signature = original_token().rsplit(".", 1)[1]
    keep = draw(st.integers(len(signature) - 6, len(signature)))
    return signature[:keep] + draw(st.text(alphabet, max_size=6))


@st.composite
def payloads_with_a_nested_duplicate(draw: st.DrawFn) -> str:
    """The valid claims plus a member whose value holds, at some depth, a name twice.

    The second occurrence may spell the name differently (escaped or not): names are compared
    after decoding.
    """
    name = draw(st.text(max_size=8))
    first, second = (json.dumps(value) for value in draw(st.tuples(json_scalars, json_scalars)))
    spelling = json.dumps(name, ensure_ascii=draw(st.booleans()))
    value = f"{{{json.dumps(name)}: {first}, {spelling}: {second}}}"
    for wrapper in draw(st.lists(st.sampled_from(("object", "array")), max_size=4)):
        value = f'{{"inner": {value}}}' if wrapper == "object" else f"[0, {value}]"
    claims = json.dumps(decode_part(original_token().split(".")[1]))
    return f'{claims[:-1]}, "extra": {value}}}'


@EXAMPLES
@given(any_text)
async def test_arbitrary_text_is_refused(text: str) -> None:
    assert await refusal(text) in Reason


@EXAMPLES
@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.binary(),
        st.binary().map(bytearray),
        st.lists(st.text(max_size=4), max_size=3),
        st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=3),
        st.tuples(st.text(max_size=4)),
    )
)
async def test_any_non_string_is_token_invalid(value: object) -> None:
    assert await refusal(value) == Reason.TOKEN_INVALID


@EXAMPLES
@given(edited_tokens())
async def test_edited_token_is_refused_unless_unchanged(token: str) -> None:
    assume(token != original_token())
    assert await refusal(token) in Reason


@EXAMPLES
@given(signature_spellings())
async def test_signature_part_is_form_checked_before_the_signature(signature: str) -> None:
    header, payload, original = original_token().split(".")
    assume(signature != original)
    expected = Reason.TOKEN_INVALID_SIGNATURE if is_canonical(signature) else Reason.TOKEN_INVALID
    assert await refusal(f"{header}.{payload}.{signature}") == expected


@SIGNED_EXAMPLES
@given(payloads_with_a_nested_duplicate())
async def test_really_signed_nested_duplicate_member_is_token_invalid(payload: str) -> None:
    header = json.dumps(decode_part(original_token().split(".")[0]))
    assert await refusal(sign_json_text(header, payload)) == Reason.TOKEN_INVALID


def test_seeded_mutants_are_all_refused_with_their_category_reasons() -> None:
    verifier = pem_verifier(FakeClock())
    assert verifier.verify_sync(original_token()).sub == "user_fuzz"
    counts = tally(verifier, mutants(FUZZ_SEED, FUZZ_COUNT))
    assert counts.total() == FUZZ_COUNT
    assert {category for category, _ in counts} == set(REASONS_BY_CATEGORY)
    unexpected = {
        (category, outcome): number
        for (category, outcome), number in counts.items()
        if outcome not in REASONS_BY_CATEGORY[category]
    }
    assert not unexpected, f"verdicts outside their category's reasons:\n{format_tally(counts)}"


def test_no_mutant_is_the_original_token() -> None:
    original = original_token()
    same = [category for category, token in mutants(FUZZ_SEED, FUZZ_COUNT) if type(token) is str and token == original]
    assert same == []


def test_mutants_are_reproducible_from_the_seed() -> None:
    def texts(seed: int) -> list[tuple[str, str]]:
        return [(category, token) for category, token in mutants(seed, 500) if type(token) is str]

    assert texts(7) == texts(7)
    assert texts(7) != texts(8)
