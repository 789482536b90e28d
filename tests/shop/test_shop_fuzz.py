"""Generated API tests (issue 13): schemathesis cases from the order API's own OpenAPI document,
positive and negative, sent to a real `python -m shop` on a free port (temporary SQLite).
No response may be a 5xx. `FUZZ_SHOP_EXAMPLES` sets the number of requests (default 700)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import GenerationMode

from launcher import Launcher, components, free_port
from shop.openapi import openapi_document
from tests.support.fuzzing import Tally, fuzz_settings
from tests.support.shop_testkit import API_KEY

EXAMPLES = int(os.environ.get("FUZZ_SHOP_EXAMPLES", "700"))


@pytest.fixture(scope="module")
def shop_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    tmp = tmp_path_factory.mktemp("shop-fuzz")
    env = {"SHOP_API_KEY": API_KEY, "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'shop.db'}"}
    with Launcher() as launcher:
        launcher.start(components.shop(port, env, log=tmp / "shop.log"), timeout=60)
        yield f"http://127.0.0.1:{port}"


# What schemathesis does not generate itself (it draws valid Unicode): a lone surrogate in a
# JSON body ("\ud800" escape) and an undecodable API key. Most cases stay as generated.
HOSTILE = ("none", "none", "none", "surrogate", "header")


def test_generated_requests_never_get_a_5xx(shop_url: str) -> None:
    schema = schemathesis.openapi.from_dict(openapi_document())
    operations = [result.ok() for result in schema.get_all_operations()]
    strategy = st.one_of([op.as_strategy(mode) for op in operations for mode in GenerationMode])
    session = requests.Session()
    tally = Tally("order API fuzz")

    @fuzz_settings(EXAMPLES)
    @given(case=strategy, hostile=st.sampled_from(HOSTILE))
    def run(case: schemathesis.Case, hostile: str) -> None:
        key: str | bytes = API_KEY
        if hostile == "surrogate" and isinstance(case.body, dict):
            case.body = {**case.body, "reason": "\ud800", "\udfff": "x"}
        elif hostile == "header":
            key = b"\xff"
        tally.send(case, base_url=shop_url, session=session, headers={"X-API-Key": key})

    run()
    tally.check(EXAMPLES)
