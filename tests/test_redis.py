"""Redis's shared trips (``Redis.script``): calls made at once go out in one write on the trips'
own connection and each gets its own reply; an error reply is its call's alone; a script Redis
does not have is loaded and called again; a trip whose connection drops or that gets no reply
in time is sent again on a new connection, up to the retries, then fails with redis-py's error."""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid

import hiredis
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError, ResponseError, TimeoutError as RedisTimeoutError

import nexgate.redis as nexgate_redis
from nexgate.redis import Redis

ECHO = "return ARGV[1]"
REFUSE_X = "if ARGV[1] == 'x' then return redis.error_reply('ERR refused x') end return ARGV[1]"


async def test_calls_made_at_once_share_one_write_and_each_gets_its_reply(config, monkeypatch):
    redis = Redis.from_config(config)
    echo, refuse = redis.script(ECHO), redis.script(REFUSE_X)
    # connected, and both scripts in Redis (a script another test has not loaded yet answers
    # NOSCRIPT once: loaded and sent again, a second write)
    assert await echo(keys=[], args=["warm"]) == b"warm" and await refuse(keys=[], args=["warm"]) == b"warm"
    writes = []
    send = nexgate_redis._Link.send
    monkeypatch.setattr(nexgate_redis._Link, "send", lambda link, *a: (writes.append(a[1]), send(link, *a))[1])
    calls = [echo(keys=[], args=[str(n)]) for n in range(20)] + [refuse(keys=[], args=["x"]), refuse(keys=[], args=["y"])]
    replies = await asyncio.gather(*calls, return_exceptions=True)
    assert writes == [22]
    assert replies[:20] == [str(n).encode() for n in range(20)]
    assert isinstance(replies[20], ResponseError) and "refused x" in str(replies[20])
    assert replies[21] == b"y"
    await redis.close()


async def test_a_cancelled_caller_leaves_the_others_their_replies(config):
    redis = Redis.from_config(config)
    echo = redis.script(ECHO)
    tasks = [asyncio.create_task(echo(keys=[], args=[str(n)])) for n in range(3)]
    await asyncio.sleep(0)  # each has made its call
    tasks[1].cancel()
    first, second, third = await asyncio.gather(*tasks, return_exceptions=True)
    assert (first, third) == (b"0", b"2") and isinstance(second, asyncio.CancelledError)
    assert await echo(keys=[], args=["after"]) == b"after"  # the connection's replies are still in step
    await redis.close()


async def test_a_script_redis_does_not_have_is_loaded_and_called_again(config):
    redis = Redis.from_config(config)
    source = f"-- {uuid.uuid4()}\nreturn ARGV[1]"  # never loaded: its first EVALSHA is NOSCRIPT
    script = redis.script(source)
    assert not (await redis.client.script_exists(script.sha))[0]
    assert await asyncio.gather(script(keys=[], args=["a"]), script(keys=[], args=["b"])) == [b"a", b"b"]
    assert (await redis.client.script_exists(script.sha))[0]
    await redis.close()


@dataclasses.dataclass
class FakeRedis:
    """A server that answers PING +PONG, every other command +OK, and each EVALSHA by ``answer(connection number)``:
    bytes to send, ``None`` to send nothing, ``"drop"`` to close the connection."""

    answer: object
    refuse: bool = False  # close each connection at once, before redis-py's handshake
    connections: int = 0
    evalshas: list[int] = dataclasses.field(default_factory=list)
    _writers: list = dataclasses.field(default_factory=list)

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"redis://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/0"

    async def stop(self) -> None:
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        if self.refuse:
            writer.transport.abort()
            return
        number, parser = self.connections, hiredis.Reader()
        with contextlib.suppress(ConnectionError):
            await self._answer(number, parser, reader, writer)

    async def _answer(self, number: int, parser, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            parser.feed(data)
            while (command := parser.gets()) is not False:
                if command[0].upper() != b"EVALSHA":
                    writer.write(b"+PONG\r\n" if command[0].upper() == b"PING" else b"+OK\r\n")
                    continue
                self.evalshas.append(number)
                answer = self.answer(number)
                if answer == "drop":
                    writer.transport.abort()
                    return
                if answer is not None:
                    writer.write(answer)


async def test_a_trip_whose_connection_drops_is_sent_again_on_a_new_one(config):
    fake = FakeRedis(lambda number: "drop" if number == 1 else b":7\r\n")
    redis = Redis.from_config(dataclasses.replace(config, redis_url=await fake.start()))
    assert await redis.script(ECHO)(keys=[], args=["7"]) == 7
    assert fake.evalshas == [1, 2]
    await redis.close()
    await fake.stop()


async def test_a_trip_that_keeps_failing_fails_after_its_retries(config):
    fake = FakeRedis(lambda number: "drop")
    redis = Redis.from_config(dataclasses.replace(config, redis_url=await fake.start()))
    with pytest.raises(RedisConnectionError):
        await redis.script(ECHO)(keys=[], args=["7"])
    assert fake.evalshas == [1, 2, 3]  # the first try and RETRIES more
    await redis.close()
    await fake.stop()


async def test_no_reply_within_the_socket_timeout_fails_the_call(config, monkeypatch):
    monkeypatch.setattr(nexgate_redis, "SOCKET_TIMEOUT_S", 0.2)
    fake = FakeRedis(lambda number: b":7\r\n" if number == 3 else None)
    redis = Redis.from_config(dataclasses.replace(config, redis_url=await fake.start()))
    assert await redis.script(ECHO)(keys=[], args=["7"]) == 7  # the third connection answered
    assert fake.evalshas == [1, 2, 3]
    fake.answer = lambda number: None
    started = asyncio.get_running_loop().time()
    with pytest.raises(RedisTimeoutError):
        await redis.script(ECHO)(keys=[], args=["7"])
    assert fake.evalshas == [1, 2, 3, 3, 4, 5]
    assert asyncio.get_running_loop().time() - started >= 3 * 0.2
    await redis.close()
    await fake.stop()


async def test_a_trip_that_cannot_connect_fails_after_its_retries(config):
    fake = FakeRedis(lambda number: b":7\r\n", refuse=True)
    redis = Redis.from_config(dataclasses.replace(config, redis_url=await fake.start()))
    pool, tries = redis.client.connection_pool, []
    make = pool.make_connection
    pool.make_connection = lambda: (tries.append(1), make())[1]
    with pytest.raises(RedisConnectionError):
        await redis.script(ECHO)(keys=[], args=["7"])
    assert len(tries) == 1 + nexgate_redis.RETRIES and not fake.evalshas  # (each try is redis-py's connect, with its own retries)
    fake.refuse = False
    assert await redis.script(ECHO)(keys=[], args=["7"]) == 7  # and it connects once it can
    await redis.close()
    await fake.stop()
