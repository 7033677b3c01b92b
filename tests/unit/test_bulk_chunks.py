"""The bulk lane's chunked uploads without Qt: what a chunk request must
declare, and how chunks land in the segments Python gets
(weft.ipc.bulk.Assembly; the Qt side is tested in
tests/integration/test_bulk_lane.py)."""

from __future__ import annotations

import os

import pytest

from weft import ProtocolError
from weft.ipc import Limits, bulk
from weft.ipc.bulk import CHUNK, MAX_SEGMENTS, Assembly, BulkRef, read_declared


@pytest.mark.parametrize(
    ("total", "segments", "expected"),
    [
        ("", "0", "declares its size"),
        ("-1", "0", "declares its size"),
        ("1e3", "1000", "declares its size"),
        ("10", "", "segment sizes"),
        ("10", "4,x", "segment sizes"),
        ("10", ",".join(["0"] * (MAX_SEGMENTS + 1)) + ",10", "segment sizes"),
        ("10", "4,5", "do not add up"),
        ("101", "101", "over the limit of 100"),
    ],
)
def test_bad_declarations_are_refused(total: str, segments: str, expected: str) -> None:
    with pytest.raises(ProtocolError, match=expected):
        read_declared(total, segments, 100)


def test_chunks_land_in_their_segments_in_any_order() -> None:
    data = os.urandom(2 * CHUNK + 5)
    sizes = [3, CHUNK - 1, 0, CHUNK + 3]  # segments straddle the chunks' bounds
    declared = read_declared(str(len(data)), ",".join(map(str, sizes)), Limits().max_bulk_bytes)
    assembly = Assembly(declared)
    assert declared.chunks == 3
    for index in (2, 0, 1):
        assert not assembly.complete
        assembly.write(index, data[index * CHUNK:(index + 1) * CHUNK])
    segments = assembly.body()
    assert all(type(segment) is bytes for segment in segments)
    assert [len(segment) for segment in segments] == sizes and b"".join(segments) == data


def test_each_chunk_comes_once_at_its_size() -> None:
    assembly = Assembly(read_declared(str(CHUNK + 1), str(CHUNK + 1), 2 * CHUNK))
    with pytest.raises(ProtocolError, match="still waits for"):
        assembly.expect(2)
    with pytest.raises(ProtocolError, match="not 1"):
        assembly.write(1, b"ab")
    assembly.write(1, b"a")
    with pytest.raises(ProtocolError, match="still waits for"):
        assembly.write(1, b"a")
    assert not assembly.complete


def test_a_body_that_comes_in_order_lands_in_its_segments_in_pieces_of_any_size() -> None:
    """The socket lane's way (Assembly.append): bytes in order, pieces not
    aligned with segments or chunks; complete at the last byte, not before,
    and not a byte more."""
    data = os.urandom(CHUNK + 7)
    sizes = [3, 0, CHUNK - 2, 6]
    assembly = Assembly(read_declared(str(len(data)), ",".join(map(str, sizes)), Limits().max_bulk_bytes))
    at = 0
    for size in (1, 5, 1 << 20, CHUNK):  # the last one is cut to what is left
        piece = data[at:at + size]
        assert not assembly.complete
        assembly.append(memoryview(piece))
        at += len(piece)
    assert assembly.complete
    assert [len(segment) for segment in assembly.body()] == sizes and b"".join(assembly.body()) == data
    with pytest.raises(ProtocolError):
        assembly.append(b"")  # filled: nothing more goes in
    over = Assembly(read_declared("4", "4", 10))
    over.append(b"abc")
    with pytest.raises(ProtocolError, match="got more"):
        over.append(b"de")
    empty = Assembly(read_declared("0", "0", 10))
    empty.append(b"")
    assert empty.complete and empty.body() == [b""]


def test_a_body_comes_in_chunks_or_in_order_never_both() -> None:
    chunked = Assembly(read_declared(str(CHUNK + 1), str(CHUNK + 1), 2 * CHUNK))
    chunked.write(1, b"a")
    with pytest.raises(ProtocolError, match="came in chunks"):
        chunked.append(b"x")
    streamed = Assembly(read_declared(str(CHUNK + 1), str(CHUNK + 1), 2 * CHUNK))
    streamed.append(b"x")
    with pytest.raises(ProtocolError, match="came in order"):
        streamed.write(1, b"a")


def test_an_empty_body_is_one_empty_chunk() -> None:
    assembly = Assembly(read_declared("0", "0", 10))
    assembly.write(0, b"")
    assert assembly.body() == [b""]


def test_segments_that_are_the_frame_and_its_parts_reach_python_uncopied() -> None:
    head = b'{"k":"send","c":"up","p":[null,null]}'
    segments = [head, b"\x00\x01", "é".encode()]
    ref = BulkRef(token="t" * 20, sizes=(len(head), 2, 2), paths=(("p", 0), ("p", 1)), texts=frozenset({1}))
    text, parts = bulk.open_body(ref, segments)
    assert text == head.decode() and parts == [(("p", 0), b"\x00\x01"), (("p", 1), "é")]
    assert parts[0][1] is segments[1]
    # One segment for the whole body (more parts than MAX_SEGMENTS): sliced.
    text, parts = bulk.open_body(ref, [b"".join(segments)])
    assert parts == [(("p", 0), b"\x00\x01"), (("p", 1), "é")]
