"""schemathesis drives every operation of /api/openapi.json against the real app, as a
signed-in user: no answer is a server error, and every status and body is one the document
declares. Seeded and bounded (a few examples per operation), so it is the same run each time."""
from __future__ import annotations

import asyncio
import dataclasses
import itertools

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from nexgate.keys import OPENAPI
from nexgate.providers.fcm_sandbox import FcmSandbox
from nexgate.providers.webpush import generate_vapid_private_key
from tests.support.auth import registration

EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
_users = itertools.count(1)


@schemathesis.serializer("application/offset+octet-stream")  # a resumable upload's piece (tus)
def _upload_piece(ctx, value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture
async def client(make_client, config, tmp_path):
    """The app with a VAPID key and an FCM service account, as a server that pushes (without
    them the push routes answer 503)."""
    account = FcmSandbox().service_account(tmp_path / "fcm-service-account.json")
    return await make_client(dataclasses.replace(config, push_vapid_private_key=generate_vapid_private_key(),
                                                 fcm_service_account=str(account)))


SHARDS = 4  # the operations are shared among this many tests, which xdist runs side by side


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda shard: f"shard {shard + 1} of {SHARDS}")
async def test_every_operation_answers_what_the_document_declares(client, shard):
    base_url = str(client.make_url("")).rstrip("/")
    checked, failures = await asyncio.to_thread(_fuzz, client.app[OPENAPI](), base_url, shard)
    assert checked, "no operation in this shard"
    assert not failures, "\n\n".join(failures)


def _fuzz(document: dict, base_url: str, shard: int) -> tuple[int, list[str]]:
    """Fuzz every ``SHARDS``-th operation of the document from the ``shard``-th: how many, and what failed."""
    schema = schemathesis.openapi.from_dict(document)
    checked, failures = 0, []
    with requests.Session() as session:
        for index, result in enumerate(schema.get_all_operations()):
            if index % SHARDS != shard:
                continue
            checked += 1
            operation = result.ok()
            # Each operation its own user: a logout or an account deletion spoils no other.
            headers = {"Authorization": f"Bearer {_new_user_token(session, base_url)}"}
            for mode, examples in EXAMPLES.items():
                failure = _check(operation, mode, examples, session, base_url, headers)
                if failure:
                    failures.append(f"{operation.label} ({mode.value}): {failure}")
    return checked, failures


def _check(operation, mode, examples: int, session, base_url: str, headers: dict) -> str | None:
    @settings(max_examples=examples, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=headers)

    try:
        check()
    except Unsatisfiable:  # nothing to negate (no parameters, or strings that take anything)
        return None
    except (Exception, BaseExceptionGroup) as error:  # the first failing example, its request in the notes
        notes = "\n".join(getattr(error, "__notes__", []))
        return f"{type(error).__name__}: {error}\n{notes}"[:3000]
    return None


def _new_user_token(session: requests.Session, base_url: str) -> str:
    response = session.post(f"{base_url}/api/auth/register", json=registration(username=f"fuzz_{next(_users)}"))
    assert response.status_code == 201, response.text
    return response.json()["access_token"]
